package pgm

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// ODATA carries OpenPGM's trail: the window's trail before the packet
// enters it, so trail = sqn − window once the window is full.
func TestSenderODATATrail(t *testing.T) {
	const W = 83
	s, c := offlineSender(100, W)
	for i := 0; i < 200; i++ {
		require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{make([]byte, 90)}}))
	}
	pkts := c.data(t)
	require.Len(t, pkts, 200)
	for i, p := range pkts {
		require.Equal(t, uint32(i), p.Sqn)
		require.Equal(t, uint32(max(i-W, 0)), p.Trail, "sqn %d", i)
	}
	// The window now holds the last W packets: the advertised trail of the
	// last ODATA (116) was just evicted, as in OpenPGM.
	require.False(t, s.win.has(200-W-1))
	require.True(t, s.win.has(200-W))
}

// SendBatch packs consecutive messages into shared APDUs with correct
// offsets, including messages spanning several APDUs, and the Decoder gets
// every message back.
func TestSendBatchPacking(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, room := range []int{3, 4, 17, 100, 1428} {
		s, c := offlineSender(room, 1<<16)
		var sent []wire.Msg
		for b := 0; b < 20; b++ {
			var batch []wire.Msg
			for i := rnd.IntN(30); i >= 0; i-- {
				m := wire.Msg{}
				for p := rnd.IntN(3); p >= 0; p-- {
					size := rnd.IntN(40)
					if rnd.IntN(10) == 0 {
						size = rnd.IntN(4000)
					}
					f := make([]byte, size)
					for j := range f {
						f[j] = byte(rnd.Uint32())
					}
					m.Frames = append(m.Frames, f)
				}
				batch = append(batch, m)
			}
			require.NoError(t, s.SendBatch(batch))
			sent = append(sent, batch...)
		}
		pkts := c.data(t)
		// Check each APDU's offset against where messages really start.
		var stream []byte
		var starts []int // stream positions of message starts
		for _, m := range sent {
			starts = append(starts, len(stream))
			stream = appendV1(stream, m)
		}
		pos, k := 0, 0
		for _, p := range pkts {
			a := p.Payload
			require.LessOrEqual(t, len(a), room)
			data := a[2:]
			require.NotEmpty(t, data)
			for k < len(starts) && starts[k] < pos {
				k++
			}
			want := noStart
			if k < len(starts) && starts[k] < pos+len(data) {
				want = starts[k] - pos
			}
			require.Equal(t, want, int(binary.BigEndian.Uint16(a)), "room %d, APDU at stream %d", room, pos)
			require.True(t, bytes.Equal(stream[pos:pos+len(data)], data))
			pos += len(data)
		}
		require.Equal(t, len(stream), pos)
		// Packed: only the last APDU of each batch may be short.
		short := 0
		for _, p := range pkts {
			if len(p.Payload) < room {
				short++
			}
		}
		require.LessOrEqual(t, short, 20)
		// Round trip.
		var got []wire.Msg
		var d Decoder
		for _, p := range pkts {
			require.NoError(t, d.Feed(p.Payload, func(m wire.Msg) { got = append(got, m) }))
		}
		require.Equal(t, len(sent), len(got), "room %d", room)
		for i := range sent {
			require.Equal(t, len(sent[i].Frames), len(got[i].Frames))
			for j := range sent[i].Frames {
				require.True(t, bytes.Equal(sent[i].Frames[j], got[i].Frames[j]), "room %d msg %d frame %d", room, i, j)
			}
		}
		// A late joiner starting at any APDU gets whole messages only.
		for _, from := range []int{1, len(pkts) / 3, len(pkts) - 1} {
			var d Decoder
			var late []wire.Msg
			for _, p := range pkts[from:] {
				require.NoError(t, d.Feed(p.Payload, func(m wire.Msg) { late = append(late, m) }))
			}
			require.LessOrEqual(t, len(late), len(sent))
			tail := sent[len(sent)-len(late):]
			for i := range late {
				require.Equal(t, len(tail[i].Frames), len(late[i].Frames))
			}
		}
	}
}

func TestSendBatchEdgeCases(t *testing.T) {
	s, c := offlineSender(1428, 100)
	require.NoError(t, s.SendBatch(nil))
	require.ErrorIs(t, s.SendBatch([]wire.Msg{{Frames: [][]byte{{1}}}, {}}), ErrEmptyMsg)
	require.Empty(t, c.data(t), "a bad batch sends nothing")
	// 64-byte messages: 21 per 1428-byte APDU (1 + 1 + 64 bytes each).
	batch := make([]wire.Msg, 100)
	for i := range batch {
		batch[i] = wire.Msg{Frames: [][]byte{make([]byte, 64)}}
	}
	require.NoError(t, s.SendBatch(batch))
	require.Len(t, c.data(t), (100*66+1425)/1426)
	close(s.done)
	require.ErrorIs(t, s.SendBatch(batch), ErrClosed)
}

// Continuous data keeps postponing heartbeat SPMs, but an SPM still goes
// out at least every busySPM.
func TestSenderSPMUnderContinuousData(t *testing.T) {
	s, _ := offlineSender(1428, 100)
	now := t0
	s.lastSPM = now
	for i := 0; i < 100; i++ {
		now = now.Add(10 * time.Millisecond)
		s.restartHeartbeatLocked(now) // what every Send does
		require.False(t, s.spmDueLocked().After(t0.Add(busySPM)))
	}
	require.Equal(t, t0.Add(busySPM), s.spmDueLocked(), "busy: one SPM per busySPM")
	// Once sent, no busy SPM is owed until data flows again.
	s.lastSPM, s.dataSPM = now, false
	s.nextSPM = now.Add(ambientSPM)
	require.Equal(t, now.Add(ambientSPM), s.spmDueLocked())
	// An SPMR too soon after an SPM is answered at the end of the gap.
	s.spmrSPM = now.Add(spmrMinGap)
	require.Equal(t, now.Add(spmrMinGap), s.spmDueLocked())
}

func appendV1(b []byte, m wire.Msg) []byte {
	for i, f := range m.Frames {
		if len(f) <= 253 {
			b = append(b, byte(len(f)+1))
		} else {
			b = append(b, 0xFF)
			b = binary.BigEndian.AppendUint64(b, uint64(len(f))+1)
		}
		if i < len(m.Frames)-1 {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = append(b, f...)
	}
	return b
}
