package pgm

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

func msg(frames ...string) wire.Msg {
	m := wire.Msg{}
	for _, f := range frames {
		m.Frames = append(m.Frames, []byte(f))
	}
	return m
}

// frame collects the APDUs a Framer emits (copied).
func frame(t *testing.T, room int, msgs ...wire.Msg) [][]byte {
	t.Helper()
	var out [][]byte
	emit := func(b []byte) error {
		require.LessOrEqual(t, len(b), room)
		out = append(out, append([]byte(nil), b...))
		return nil
	}
	f := NewFramer(room)
	for _, m := range msgs {
		require.NoError(t, f.Write(m, emit))
	}
	require.NoError(t, f.Flush(emit))
	return out
}

func TestAPDUHelloVector(t *testing.T) {
	require.Equal(t, [][]byte{hello}, frame(t, 1428, msg("hello")))
	require.Equal(t, 1428, APDURoom("epgm", 1500))
	require.Equal(t, 1436, APDURoom("pgm", 1500))
}

func TestAPDUMultipartAndLong(t *testing.T) {
	// MORE on all but the last frame; a 254-byte body takes the long form.
	long := string(make([]byte, 254))
	got := frame(t, 1428, msg("a", "", long))
	want := unhex("0000 02 01 61 01 01 ff 00000000000000ff 00")
	want = append(want, make([]byte, 254)...)
	require.Equal(t, [][]byte{want}, got)
	// 253 is still short.
	got = frame(t, 1428, msg(string(make([]byte, 253))))
	require.Equal(t, byte(254), got[0][2])
}

func TestAPDUOffsets(t *testing.T) {
	// Room 10: 8 stream bytes per APDU. Message A (5 bytes body → 7 stream
	// bytes), then B ("bb" → 4 bytes) starts at stream byte 7 = APDU 0
	// offset 7; C is 300 bytes (long header 10 + 300) and starts in APDU 1.
	a, b, c := msg("AAAAA"), msg("bb"), msg(string(make([]byte, 300)))
	apdus := frame(t, 10, a, b, c)
	require.Equal(t, uint16(0), binary.BigEndian.Uint16(apdus[0]))
	require.Equal(t, uint16(noStart), binary.BigEndian.Uint16(apdus[3]), "inside C")
	// Recompute every APDU's offset from the stream and check the framer.
	var stream []byte
	var starts []int
	for _, m := range []wire.Msg{a, b, c} {
		starts = append(starts, len(stream))
		f := NewFramer(1 << 16)
		require.NoError(t, f.Write(m, nil))
		require.NoError(t, f.Flush(func(p []byte) error { stream = append(stream, p[2:]...); return nil }))
	}
	pos := 0
	for i, ap := range apdus {
		data := ap[2:]
		want := noStart
		for _, s := range starts {
			if s >= pos && s < pos+len(data) {
				want = s - pos
				break
			}
		}
		require.Equal(t, uint16(want), binary.BigEndian.Uint16(ap), "APDU %d", i)
		require.Equal(t, stream[pos:pos+len(data)], data)
		if want != noStart {
			require.Less(t, want, len(data), "offset never points past the payload")
		}
		pos += len(data)
	}
	require.Equal(t, len(stream), pos)
}

func decodeAll(t *testing.T, d *Decoder, apdus [][]byte) []wire.Msg {
	t.Helper()
	var got []wire.Msg
	for _, ap := range apdus {
		require.NoError(t, d.Feed(ap, func(m wire.Msg) { got = append(got, m) }))
	}
	return got
}

func TestAPDURoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, room := range []int{3, 4, 11, 300, 1428} {
		var msgs []wire.Msg
		for i := 0; i < 60; i++ {
			msgs = append(msgs, testMsg(rnd, i, 3000))
		}
		msgs = append(msgs, msg(""), msg("", ""))
		apdus := frame(t, room, msgs...)
		var d Decoder
		got := decodeAll(t, &d, apdus)
		require.Len(t, got, len(msgs), "room %d", room)
		for i := range msgs {
			require.Equal(t, msgs[i].Frames, got[i].Frames)
		}
	}
}

func TestAPDULateJoiner(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	var msgs []wire.Msg
	for i := 0; i < 40; i++ {
		msgs = append(msgs, testMsg(rnd, i, 2000))
	}
	apdus := frame(t, 500, msgs...)
	for skip := 0; skip < len(apdus); skip++ {
		var d Decoder
		got := decodeAll(t, &d, apdus[skip:])
		// Whatever arrives is a suffix of the sent messages, whole.
		if len(got) > 0 {
			first := msgNum(got[0])
			require.Equal(t, len(msgs)-first, len(got))
			for i, m := range got {
				require.Equal(t, msgs[first+i].Frames, m.Frames)
			}
		}
	}
}

func TestAPDUResetAfterLoss(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	var msgs []wire.Msg
	for i := 0; i < 30; i++ {
		msgs = append(msgs, testMsg(rnd, i, 1500))
	}
	apdus := frame(t, 400, msgs...)
	for lost := 1; lost < len(apdus)-1; lost += 3 {
		var d Decoder
		var got []wire.Msg
		deliver := func(m wire.Msg) { got = append(got, m) }
		for i, ap := range apdus {
			if i == lost {
				d.Reset()
				continue
			}
			require.NoError(t, d.Feed(ap, deliver))
		}
		// Every delivered message is whole and correct, in order, and
		// everything a fresh joiner after the loss gets is delivered.
		var fresh Decoder
		after := decodeAll(t, &fresh, apdus[lost+1:])
		require.GreaterOrEqual(t, len(got), len(after))
		for i := range after {
			require.Equal(t, after[i].Frames, got[len(got)-len(after)+i].Frames)
		}
		last := -1
		for _, m := range got {
			n := msgNum(m)
			require.Greater(t, n, last)
			last = n
			require.Equal(t, msgs[n].Frames, m.Frames)
		}
	}
}

func TestAPDUDecoderErrors(t *testing.T) {
	var d Decoder
	nop := func(wire.Msg) { t.Fatal("no message expected") }
	require.ErrorIs(t, d.Feed([]byte{0}, nop), ErrAPDU)
	// Offset past the payload (libzmq would assert).
	require.ErrorIs(t, d.Feed(unhex("0003 0100"), nop), ErrAPDU)
	require.False(t, d.Joined())
	// 0xFFFF before joining is ignored.
	require.NoError(t, d.Feed(unhex("ffff 0500"), nop))
	require.False(t, d.Joined())
	// A zero length byte is invalid.
	require.ErrorIs(t, d.Feed(unhex("0000 00 00"), nop), ErrFrame)
	require.False(t, d.Joined())
	// Oversized messages are dropped and the decoder resyncs.
	d.MaxMsgSize = 4
	require.ErrorIs(t, d.Feed(unhex("0000 06 00 68656c6c6f"), nop), ErrMsgSize)
	var got []wire.Msg
	require.NoError(t, d.Feed(unhex("0000 05 00 68656c6c"), func(m wire.Msg) { got = append(got, m) }))
	require.Len(t, got, 1)
	// An absurd long length does not allocate it.
	d = Decoder{}
	require.NoError(t, d.Feed(unhex("0000 ff 1000000000000000 00 41"), nop))
	require.Less(t, cap(d.body), 1<<17)
	// A message start announced mid-frame: partial message dropped,
	// decoding resumes at the announced start.
	d = Decoder{}
	require.NoError(t, d.Feed(unhex("0000 0a 00 6161"), nop)) // 9-byte frame, 2 bytes in
	got = nil
	err := d.Feed(unhex("0001 61 02 00 62"), func(m wire.Msg) { got = append(got, m) })
	require.ErrorIs(t, err, ErrResync)
	require.Equal(t, []wire.Msg{msg("b")}, got)
}

func FuzzDecoder(f *testing.F) {
	f.Add(hello, []byte{0xff, 0xff, 1})
	f.Add(unhex("0000 ff 00000000000000ff 00"), unhex("0003 000000 02 00 41"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		d := Decoder{MaxMsgSize: 1 << 20}
		total := 0
		deliver := func(m wire.Msg) {
			for _, f := range m.Frames {
				total += len(f)
			}
		}
		_ = d.Feed(a, deliver)
		_ = d.Feed(b, deliver)
		if total > len(a)+len(b) {
			t.Fatalf("delivered %d bytes from %d", total, len(a)+len(b))
		}
	})
}
