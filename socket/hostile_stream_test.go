package socket_test

// Hostile peers that complete the handshake and then misbehave: frames that claim
// enormous sizes, unknown commands, and a peer that vanishes in the middle of a message.

import (
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// hstLongHeader is a LONG frame header claiming size bytes.
func hstLongHeader(flags byte, size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{flags | wire.FlagLong}, size)
}

// Case 5a: with MaxMsgSize = 1 MiB, a frame header claiming 2^44 bytes drops the
// connection at once (before any body byte), reported as a frame-too-large error.
func TestHostileHugeFrameWithLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
	}{
		{"2^44", hstLongHeader(0, 1<<44)},
		{"2^44-more", hstLongHeader(wire.FlagMore, 1<<44)},
		{"limit+1", hstLongHeader(0, 1<<20+1)},
		{"second-frame", append(hstMsg("ok", "")[:4], hstLongHeader(0, 1<<44)...)}, // "ok" with MORE, then the huge frame
		{"command", hstLongHeader(wire.FlagCommand, 1<<44)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{MaxMsgSize: 1 << 20})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			r := hstHandshake(t, c, "PUSH")
			srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))
			hstWrite(t, c, tc.head)
			hstExpectFrameEOF(t, c, r, hstWait)
			e := srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, wire.ErrFrameTooLarge, "event %v", e)
			hstRoundTrip(t, good, srv.s, "after")
			hstNothingReady(t, srv.s)

			c.Close()
			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// Case 5a': a size above 2^63-1 is refused even without a limit.
func TestHostileFrameSizeAboveSpec(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	r := hstHandshake(t, c, "PUSH")
	hstWrite(t, c, hstLongHeader(0, 1<<63))
	hstExpectFrameEOF(t, c, r, hstWait)
	e := srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, c.LocalAddr().String()))
	require.ErrorIs(t, e.Err, wire.ErrFrameTooLarge, "event %v", e)
	hstRoundTrip(t, good, srv.s, "after")

	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

func hstHeapAlloc() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Case 5b: with no limit, a header claiming 2^44 bytes followed by a few KB must not
// make us commit memory for the claim; the good peer keeps working meanwhile, and when
// the attacker leaves, the truncated frame ends its connection with an error.
func TestHostileHugeFrameNoLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
	}{
		{"data", hstLongHeader(0, 1<<44)},
		{"data-after-more", append(hstMsg("first", "")[:7], hstLongHeader(0, 1<<44)...)},
		{"command", hstLongHeader(wire.FlagCommand, 1<<44)},
		{"max", hstLongHeader(0, 1<<63-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			hstHandshake(t, c, "PUSH")
			srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))

			runtime.GC()
			base := hstHeapAlloc()
			hstWrite(t, c, tc.head)
			chunk := make([]byte, 1024)
			for i := 0; i < 8; i++ {
				chunk[0] = byte(i)
				hstWrite(t, c, chunk)
				hstRoundTrip(t, good, srv.s, "during")
			}
			var peak uint64
			for i := 0; i < 20; i++ {
				hstRoundTrip(t, good, srv.s, "during")
				peak = max(peak, hstHeapAlloc())
			}
			const limit = 64 << 20
			require.Less(t, int64(peak)-int64(base), int64(limit),
				"heap grew by %d MiB after a 2^44-byte header and 8 KiB", (int64(peak)-int64(base))>>20)

			c.Close()
			e := srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, io.ErrUnexpectedEOF, "event %v", e)
			hstRoundTrip(t, good, srv.s, "after")
			hstNothingReady(t, srv.s)

			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// Case 6: commands we do not know (and ERROR, JOIN, PONG, which mean nothing after the
// handshake) are ignored, as libzmq ignores them, between messages and between the
// frames of a message; the connection keeps working. A PING is answered with a PONG.
func TestHostileUnknownCommand(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	r := hstHandshake(t, c, "PUSH")
	remote := c.LocalAddr().String()
	srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, remote))

	var b []byte
	b = wire.AppendCommand(b, "FOOBAR")
	b = wire.AppendCommand(b, "FOOBAR", []byte("with some data \x00\xff"))
	b = wire.AppendCommand(b, "ERROR", []byte("\x03500"))
	b = wire.AppendCommand(b, "JOIN", []byte("group"))
	b = wire.AppendCommand(b, "PONG")
	b = wire.AppendCommand(b, "READY", hstReady("PUSH")[2+6:]) // a second READY
	b = wire.AppendCommand(b, string(make([]byte, 255)), make([]byte, 300))
	b = append(b, hstMsg("attacker", "one")...)
	// Commands between the frames of a multipart message must not disturb it.
	b = wire.AppendFrameHeader(b, wire.FlagMore, 1)
	b = append(b, 'a')
	b = wire.AppendCommand(b, "FOOBAR", []byte("x"))
	b = wire.AppendPing(b, 0, []byte("ctx"))
	b = wire.AppendFrameHeader(b, 0, 1)
	b = append(b, 'b')
	hstWrite(t, c, b)

	for _, want := range [][]string{{"attacker", "one"}, {"a", "b"}} {
		m, err := srv.s.Recv(hstCtx(t))
		require.NoError(t, err)
		require.Equal(t, socket.NewMsgString(want...).Frames, m.Frames)
	}
	hstRoundTrip(t, good, srv.s, "during")

	name, data := hstReadCommand(t, c, r)
	require.Equal(t, wire.CmdPong, name)
	require.Equal(t, "ctx", string(data))

	// Still alive: one more message from the attacker, then from the good peer.
	hstWrite(t, c, hstMsg("attacker", "two"))
	m, err := srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("attacker"), []byte("two")}, m.Frames)
	hstRoundTrip(t, good, srv.s, "after")

	srv.mon.drain()
	for _, e := range srv.mon.seen {
		if e.Remote == remote {
			require.NotEqual(t, socket.EventDisconnected, e.Type, "attacker dropped: %v", e)
		}
	}
	c.Close()
	srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, remote))
	good.Close()
	srv.s.Close()
	leaks()
}

// Case 8: a peer that vanishes in the middle of a message. Nothing partial is delivered,
// the good peer's messages still arrive, and the disconnection is reported.
func TestHostileVanishMidMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"after-first-frame", hstMsg("partial", "")[:9]},                              // "partial" with MORE
		{"mid-header", append(hstMsg("partial", "")[:9], 0x02, 0, 0)},                 // then half a LONG header
		{"mid-body", append(hstMsg("partial", "")[:9], 0x00, 100, 'x', 'y', 'z')},     // a last frame cut short
		{"mid-large-body", append(hstMsg("partial", "")[:9], hstBigPrefix(10000)...)}, // a large body cut short
		{"single-frame-cut", append(hstBigPrefix(5000), make([]byte, 100)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			hstHandshake(t, c, "PUSH")
			remote := c.LocalAddr().String()
			srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, remote))
			hstWrite(t, c, tc.raw)
			hstRoundTrip(t, good, srv.s, "during")
			require.NoError(t, c.Close())

			e := srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, remote))
			require.ErrorIs(t, e.Err, io.ErrUnexpectedEOF, "event %v", e)
			for i := 0; i < 5; i++ {
				hstRoundTrip(t, good, srv.s, "after")
			}
			hstNothingReady(t, srv.s)
			st := srv.s.Stats()
			require.EqualValues(t, 7, st.MsgsRecv)
			require.Equal(t, 1, st.Peers)

			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// hstBigPrefix is the LONG header and first 100 bytes of a single-frame message of n bytes.
func hstBigPrefix(n int) []byte {
	b := wire.AppendFrameHeader(nil, 0, n)
	return append(b, make([]byte, 100)...)
}
