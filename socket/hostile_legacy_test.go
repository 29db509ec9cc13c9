package socket_test

// Hand-written ZMTP 2.0 (15/ZMTP) and ZMTP 1.0 (13/ZMTP) peers over tcp: what libzmq
// 4.3 serves, we serve, with every hostile-peer rule unchanged (MaxMsgSize, no
// heartbeats to peers that cannot answer them, no old peers on a secured socket).

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// hstSig is a signature whose padding is the 1.0 length of an identity of idLen bytes.
func hstSig(idLen int) []byte {
	return append(binary.BigEndian.AppendUint64([]byte{0xFF}, uint64(idLen)+1), 0x7F)
}

// hstV2Greeting is a ZMTP/2.0 greeting of a socket of type typ with identity id,
// followed by its identity frame.
func hstV2Greeting(typ socket.Type, id string) []byte {
	b := append(hstSig(len(id)), 0x01, byte(typ))
	return append(b, hstMsg(id)...)
}

// hstV1Msg encodes a message in ZMTP/1.0 framing.
func hstV1Msg(frames ...string) []byte {
	var b []byte
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags = wire.FlagMore
		}
		b = wire.AppendV1FrameHeader(b, flags, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// hstReadFull reads exactly n bytes from c.
func hstReadFull(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(hstDeadline()))
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	return b
}

// hstReadV1Msg reads one message in ZMTP/1.0 framing from c.
func hstReadV1Msg(t *testing.T, c net.Conn) []string {
	t.Helper()
	var frames []string
	for {
		h := hstReadFull(t, c, 2)
		if h[0] == 0xFF {
			h = append(h, hstReadFull(t, c, 8)...)
		}
		flags, size, n, err := wire.ConsumeV1FrameHeader(h)
		require.NoError(t, err)
		require.Equal(t, len(h), n)
		require.Less(t, size, uint64(1<<20))
		frames = append(frames, string(hstReadFull(t, c, int(size))))
		if flags&wire.FlagMore == 0 {
			return frames
		}
	}
}

// hstReadV2Msg reads one data message in ZMTP/2.0 framing from r; a command frame
// (which 2.0 does not have) fails the test.
func hstReadV2Msg(t *testing.T, c net.Conn, r *wire.Reader) []string {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(hstDeadline()))
	var frames []string
	for {
		flags, body, err := r.ReadFrame()
		require.NoError(t, err)
		require.Zero(t, flags&wire.FlagCommand, "a command frame to a ZMTP 2.0 peer: %q", body)
		frames = append(frames, string(body))
		if flags&wire.FlagMore == 0 {
			return frames
		}
	}
}

// A ZMTP 2.0 PUSH sends to our PULL beside a good 3.1 PUSH. It sees our 2.0 greeting
// (signature, 03, our socket type) and our empty identity frame.
func TestLegacyZMTP2PushToPull(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	hstWrite(t, c, hstV2Greeting(socket.Push, ""))
	require.Equal(t, append(append(hstSig(0), 0x03, byte(socket.Pull)), 0x00, 0x00), hstReadFull(t, c, 14))
	srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))
	hstWrite(t, c, append(hstMsg("good", "zmtp2"), hstMsg("good", string(make([]byte, 300)))...))
	m, err := srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("good"), []byte("zmtp2")}, m.Frames)
	m, err = srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("good"), make([]byte, 300)}, m.Frames)
	hstRoundTrip(t, good, srv.s, "after")

	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// A ZMTP 2.0 DEALER's identity frame is its routing id at our ROUTER, and replies
// routed to it come back in 2.0 framing with our ROUTER's identity frame first.
func TestLegacyZMTP2DealerToRouter(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Router, socket.Options{RoutingID: []byte("rtr")})
	c := hstDial(t, srv.addr)
	hstWrite(t, c, hstV2Greeting(socket.Dealer, "old-dealer"))
	require.Equal(t, append(hstSig(3), 0x03, byte(socket.Router)), hstReadFull(t, c, 12))
	r := wire.NewReader(c, 0)
	require.Equal(t, []string{"rtr"}, hstReadV2Msg(t, c, r), "our identity frame")

	hstWrite(t, c, hstMsg("", "request"))
	m, err := srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("old-dealer"), {}, []byte("request")}, m.Frames)
	require.NoError(t, srv.s.Send(hstCtx(t), socket.NewMsgString("old-dealer", "", "reply")))
	require.Equal(t, []string{"", "reply"}, hstReadV2Msg(t, c, r))

	c.Close()
	srv.s.Close()
	leaks()
}

// Our SUB, connected to a ZMTP 2.0 PUB, subscribes with a message (01 + topic), never
// with a SUBSCRIBE command, and gets what matches.
func TestLegacyZMTP2PubToOurSub(t *testing.T) {
	leaks := hstLeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	sub, err := socket.New(socket.Sub, socket.Options{Linger: -1})
	require.NoError(t, err)
	defer sub.Close()
	require.NoError(t, sub.Subscribe([]byte("A")))
	require.NoError(t, sub.Connect("tcp://"+ln.Addr().String()))
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(hstDeadline()))
	c, err := ln.Accept()
	require.NoError(t, err)
	defer c.Close()

	hstWrite(t, c, hstV2Greeting(socket.Pub, ""))
	require.Equal(t, append(hstSig(0), 0x03, byte(socket.Sub)), hstReadFull(t, c, 12))
	r := wire.NewReader(c, 0)
	require.Equal(t, []string{""}, hstReadV2Msg(t, c, r), "our identity frame")
	require.Equal(t, []string{"\x01A"}, hstReadV2Msg(t, c, r), "our subscription")

	hstWrite(t, c, append(hstMsg("B-no"), hstMsg("A-yes", "more")...))
	m, err := sub.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("A-yes"), []byte("more")}, m.Frames)

	require.NoError(t, sub.Unsubscribe([]byte("A")))
	require.Equal(t, []string{"\x00A"}, hstReadV2Msg(t, c, r), "our cancel")
	c.Close()
	sub.Close()
	leaks()
}

// A ZMTP 2.0 SUB subscribes to our PUB with a message and gets only what matches.
func TestLegacyZMTP2SubToOurPub(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pub, socket.Options{})
	c := hstDial(t, srv.addr)
	hstWrite(t, c, append(hstV2Greeting(socket.Sub, ""), hstMsg("\x01A")...))
	require.Equal(t, append(hstSig(0), 0x03, byte(socket.Pub)), hstReadFull(t, c, 12))
	r := wire.NewReader(c, 0)
	require.Equal(t, []string{""}, hstReadV2Msg(t, c, r), "our identity frame")

	// Publish until the subscription has been taken: a B never arrives, an A does.
	got := make(chan []string, 1)
	go func() {
		f, err := func() ([]string, error) {
			c.SetReadDeadline(hstDeadline())
			flags, body, err := r.ReadFrame()
			if err != nil {
				return nil, err
			}
			return []string{string(body), fmt.Sprintf("flags %#02x", flags)}, nil
		}()
		if err != nil {
			f = []string{"error: " + err.Error()}
		}
		got <- f
	}()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	ctx := hstCtx(t)
	var first []string
	for first == nil {
		require.NoError(t, srv.s.Send(ctx, socket.NewMsgString("B-no")))
		require.NoError(t, srv.s.Send(ctx, socket.NewMsgString("A-yes")))
		select {
		case first = <-got:
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("the 2.0 subscriber got nothing")
		}
	}
	require.Equal(t, []string{"A-yes", "flags 0x00"}, first)

	c.Close()
	srv.s.Close()
	leaks()
}

// An unversioned ZMTP 1.0 PUSH (no signature: its identity frame comes first) sends to
// our PULL. Our signature served as the header of our identity frame; 1.0 framing
// follows, both ways.
func TestLegacyZMTP1PushToPull(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{RoutingID: []byte("me")})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	hstWrite(t, c, append(hstV1Msg("old"), hstV1Msg("good", "zmtp1")...))
	require.Equal(t, append(hstSig(2), "me"...), hstReadFull(t, c, 12), "our identity frame")
	m, err := srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("good"), []byte("zmtp1")}, m.Frames)
	big := string(make([]byte, 254)) // the first size in 1.0's long form
	hstWrite(t, c, hstV1Msg("good", big))
	m, err = srv.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("good"), []byte(big)}, m.Frames)
	hstRoundTrip(t, good, srv.s, "after")

	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// Our PUSH sends to an unversioned ZMTP 1.0 PULL in 1.0 framing: short and long
// headers, multipart, a body large enough to be written by reference.
func TestLegacyZMTP1PullFromOurPush(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Push, socket.Options{})
	c := hstDial(t, srv.addr)
	hstWrite(t, c, hstV1Msg("old-pull"))
	require.Equal(t, hstSig(0), hstReadFull(t, c, 10))
	msgs := [][]string{
		{"one"},
		{"two", "", string(make([]byte, 253)), string(make([]byte, 254))},
		{"big", string(make([]byte, 100000))},
	}
	for _, m := range msgs {
		require.NoError(t, srv.s.Send(hstCtx(t), socket.NewMsgString(m...)))
	}
	for _, m := range msgs {
		require.Equal(t, m, hstReadV1Msg(t, c))
	}
	c.Close()
	srv.s.Close()
	leaks()
}

// An unversioned ZMTP 1.0 SUB never subscribes; like libzmq, our PUB then sends it
// everything, in 1.0 framing.
func TestLegacyZMTP1SubGetsEverything(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pub, socket.Options{})
	c := hstDial(t, srv.addr)
	hstWrite(t, c, hstV1Msg(""))
	require.Equal(t, hstSig(0), hstReadFull(t, c, 10))
	srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))

	// The injected subscription is taken by the engine's reader; publish until it is.
	got := make(chan []string, 1)
	go func() { got <- hstReadV1MsgNoFail(c) }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	ctx := hstCtx(t)
	for {
		require.NoError(t, srv.s.Send(ctx, socket.NewMsgString("anything", string(make([]byte, 300)))))
		select {
		case f := <-got:
			require.Equal(t, []string{"anything", string(make([]byte, 300))}, f)
			c.Close()
			srv.s.Close()
			leaks()
			return
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("the 1.0 subscriber got nothing")
		}
	}
}

// hstReadV1MsgNoFail is hstReadV1Msg for a goroutine that may not call t.FailNow:
// an error comes back as the only frame.
func hstReadV1MsgNoFail(c net.Conn) []string {
	c.SetReadDeadline(hstDeadline())
	var frames []string
	for {
		h := make([]byte, 2, 10)
		if _, err := io.ReadFull(c, h); err != nil {
			return []string{"error: " + err.Error()}
		}
		if h[0] == 0xFF {
			h = h[:10]
			if _, err := io.ReadFull(c, h[2:]); err != nil {
				return []string{"error: " + err.Error()}
			}
		}
		flags, size, _, err := wire.ConsumeV1FrameHeader(h)
		if err != nil || size > 1<<20 {
			return []string{"error: bad header"}
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(c, body); err != nil {
			return []string{"error: " + err.Error()}
		}
		frames = append(frames, string(body))
		if flags&wire.FlagMore == 0 {
			return frames
		}
	}
}

// MaxMsgSize holds for old peers: a frame header claiming 2^44 bytes drops the
// connection before any body byte, in 2.0 and in 1.0 framing alike.
func TestLegacyHugeFrameWithLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hello []byte // greeting and identity frame
		head  []byte
	}{
		{"zmtp2", hstV2Greeting(socket.Push, ""), hstLongHeader(0, 1<<44)},
		{"zmtp1", hstV1Msg(""), wire.AppendV1FrameHeader(nil, 0, 1<<44)},
		{"zmtp1-length-2^64-1", hstV1Msg(""), []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{MaxMsgSize: 1 << 20})
			good := hstGood(t, socket.Push, srv.ep)
			c := hstDial(t, srv.addr)
			hstWrite(t, c, tc.hello)
			srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))
			hstWrite(t, c, tc.head)
			hstExpectClosed(t, c, nil, hstWait)
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

// Heartbeats are a 3.1 command: an old peer gets no PING, and its silence is not a
// heartbeat timeout. Over many heartbeat intervals nothing but our greeting and
// identity arrives, and the connection still carries messages afterwards.
func TestLegacyNoHeartbeats(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hello   []byte
		ours    int // bytes of greeting and identity we send
		message []byte
	}{
		{"zmtp2", hstV2Greeting(socket.Push, ""), 14, hstMsg("still", "here")},
		{"zmtp1", hstV1Msg(""), 10, hstV1Msg("still", "here")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			const ivl = 10 * time.Millisecond
			srv := hstBind(t, socket.Pull, socket.Options{HeartbeatInterval: ivl, HeartbeatTimeout: 3 * ivl, HeartbeatTTL: time.Second})
			c := hstDial(t, srv.addr)
			hstWrite(t, c, tc.hello)
			hstReadFull(t, c, tc.ours)
			// The one bounded absence wait: 30 heartbeat intervals of silence both ways.
			require.NoError(t, c.SetReadDeadline(time.Now().Add(30*ivl)))
			n, err := c.Read(make([]byte, 64))
			require.Zero(t, n, "we sent bytes to an old peer that did not ask for any")
			var ne net.Error
			require.ErrorAs(t, err, &ne)
			require.True(t, ne.Timeout(), "connection ended: %v", err)

			hstWrite(t, c, tc.message)
			m, err := srv.s.Recv(hstCtx(t))
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte("still"), []byte("here")}, m.Frames)
			srv.mon.drain()
			for _, ev := range srv.mon.seen {
				require.NotEqual(t, socket.EventDisconnected, ev.Type, "%v", ev)
			}

			c.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// hstPlain names the PLAIN mechanism without implementing it: an old peer must be
// refused before any mechanism would run.
type hstPlain struct{}

func (hstPlain) Name() string { return "PLAIN" }
func (hstPlain) Handshake(*wire.Reader, *wire.Writer, wire.Metadata) (wire.Metadata, error) {
	return nil, io.ErrUnexpectedEOF
}

// ZMTP 1.0 and 2.0 have no security: a socket configured with a mechanism other than
// NULL, or with NULL and a ZAP domain (which old peers would otherwise skip), refuses
// old peers as a protocol error, as libzmq does.
func TestLegacyRefusedBySecuredSocket(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hello []byte
		opts  socket.Options
	}{
		{"zmtp2", hstV2Greeting(socket.Push, ""), socket.Options{Mechanism: hstPlain{}}},
		{"zmtp1", hstV1Msg(""), socket.Options{Mechanism: hstPlain{}}},
		{"zmtp2 to ZAP domain", hstV2Greeting(socket.Push, ""), socket.Options{ZAPDomain: "d", InprocRegistry: inproc.NewRegistry()}},
		{"zmtp1 to ZAP domain", hstV1Msg(""), socket.Options{ZAPDomain: "d", InprocRegistry: inproc.NewRegistry()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, tc.opts)
			c := hstDial(t, srv.addr)
			hstWrite(t, c, tc.hello)
			got := hstExpectClosed(t, c, nil, hstWait)
			require.LessOrEqual(t, len(got), 11, "sent more than the signature and version: %x", got)
			e := srv.mon.wait(t, "HANDSHAKE_FAILED_PROTOCOL", forRemote(socket.EventHandshakeProtocol, c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, wire.ErrVersion, "event %v", e)
			c.Close()
			srv.s.Close()
			leaks()
		})
	}
}
