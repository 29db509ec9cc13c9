package socket_test

// More hostile peers: routing-id hijacking, malformed frames after the handshake, and a
// greeting trickled byte by byte.

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// A raw DEALER that claims the routing id of a connected good DEALER is refused; the
// ROUTER keeps routing that id to the good peer.
func TestHostileRouterIdentityHijack(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Router, socket.Options{})
	good, err := socket.New(socket.Dealer, socket.Options{Linger: -1, RoutingID: []byte("alice")})
	require.NoError(t, err)
	t.Cleanup(func() { good.Close() })
	require.NoError(t, good.Connect(srv.ep))

	exchange := func(tag string) {
		t.Helper()
		require.NoError(t, good.Send(hstCtx(t), socket.NewMsgString("req", tag)))
		m, err := srv.s.Recv(hstCtx(t))
		require.NoError(t, err)
		require.Equal(t, socket.NewMsgString("alice", "req", tag).Frames, m.Frames)
		require.NoError(t, srv.s.Send(hstCtx(t), socket.NewMsgString("alice", "rep", tag)))
		m, err = good.Recv(hstCtx(t))
		require.NoError(t, err)
		require.Equal(t, socket.NewMsgString("rep", tag).Frames, m.Frames)
	}
	exchange("before")

	c := hstDial(t, srv.addr)
	ready := wire.AppendReady(nil, wire.Metadata{
		{Name: wire.PropSocketType, Value: []byte("DEALER")},
		{Name: wire.PropIdentity, Value: []byte("alice")},
	})
	hstWrite(t, c, append(hstGreeting("NULL"), ready...))
	hstWrite(t, c, hstMsg("stolen"))
	r := wire.NewReader(c, 0)
	require.NoError(t, c.SetReadDeadline(hstDeadline()))
	_, err = r.ReadGreeting()
	require.NoError(t, err)
	name, _ := hstReadCommand(t, c, r)
	require.Equal(t, wire.CmdReady, name)
	// Refused: closed without a single data frame.
	require.NoError(t, c.SetReadDeadline(hstDeadline()))
	flags, body, err := r.ReadFrame()
	require.Error(t, err, "attacker got a frame (flags %#x) %q", flags, body)
	require.True(t, isClosedErr(err), "%v", err)

	e := srv.mon.wait(t, "HANDSHAKE_FAILED_PROTOCOL", forRemote(socket.EventHandshakeProtocol, c.LocalAddr().String()))
	require.ErrorIs(t, e.Err, socket.ErrPeerRefused, "%v", e)
	exchange("after")
	hstNothingReady(t, srv.s)

	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// Malformed frames after a good handshake end that connection with a protocol error,
// and nothing else.
func TestHostileMalformedAfterHandshake(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"command-with-more", []byte{wire.FlagCommand | wire.FlagMore, 4, 4, 'P', 'I', 'N'}, wire.ErrMalformedFrame},
		{"empty-command", []byte{wire.FlagCommand, 0}, wire.ErrMalformedCommand},
		{"zero-name-command", []byte{wire.FlagCommand, 2, 0, 'x'}, wire.ErrMalformedCommand},
		{"name-overrun", []byte{wire.FlagCommand, 3, 9, 'P', 'I'}, wire.ErrMalformedCommand},
		{"ping-without-ttl", []byte{wire.FlagCommand, 6, 4, 'P', 'I', 'N', 'G', 0}, wire.ErrMalformedCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			r := hstHandshake(t, c, "PUSH")
			remote := c.LocalAddr().String()
			srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, remote))
			hstWrite(t, c, append(hstMsg("partial", "")[:9], tc.raw...))
			hstExpectFrameEOF(t, c, r, hstWait)
			e := srv.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, remote))
			require.ErrorIs(t, e.Err, tc.want, "%v", e)
			hstRoundTrip(t, good, srv.s, "after")
			hstNothingReady(t, srv.s)

			c.Close()
			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// A greeting trickled one byte every 20 ms (1.3 s in all) is cut off by a 300 ms
// handshake interval: the interval bounds the whole handshake, not each read.
func TestHostileSlowGreeting(t *testing.T) {
	leaks := hstLeakCheck(t)
	const ivl = 300 * time.Millisecond
	srv := hstBind(t, socket.Pull, socket.Options{HandshakeInterval: ivl})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	trickle := append(hstGreeting("NULL"), hstReady("PUSH")...)
	var sent atomic.Int64 // bytes of trickle written
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for _, b := range trickle {
			select {
			case <-tick.C:
			case <-stop:
				return
			}
			c.SetWriteDeadline(time.Now().Add(hstWait))
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			sent.Add(1)
		}
	})
	halt := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer halt()

	e := srv.mon.wait(t, "handshake end", func(e socket.Event) bool {
		return e.Remote == c.LocalAddr().String() && e.Type != socket.EventAccepted
	})
	elapsed := time.Since(start)
	require.Equal(t, socket.EventHandshakeFailed, e.Type, "%v", e)
	var ne net.Error
	require.ErrorAs(t, e.Err, &ne, "%v", e)
	require.True(t, ne.Timeout(), "%v", e)
	require.GreaterOrEqual(t, elapsed, ivl-20*time.Millisecond)
	// A condition, not a time bound: the handshake ended before the whole greeting
	// could arrive (a loaded machine only slows the trickle down).
	require.Less(t, sent.Load(), int64(len(trickle)), "the handshake interval was not enforced on the whole handshake")
	// We sent our greeting as far as the peer's had come: in libzmq's steps, the
	// signature, the version, then the rest, and with it NULL's READY.
	got := hstExpectClosed(t, c, nil, hstWait)
	require.GreaterOrEqual(t, len(got), 10, "%x", got)
	ours := append(hstOurGreeting(), hstReady("PULL")...)
	require.True(t, bytes.HasPrefix(ours, got), "not our greeting and READY: %x", got)
	hstRoundTrip(t, good, srv.s, "after")

	halt()
	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// Our connecting REQ against a raw REP that replies without the empty delimiter: like
// libzmq, the reply is not delivered, the connection is dropped as a protocol error and
// not redialled.
func TestHostileReqBadReplyEnvelope(t *testing.T) {
	leaks := hstLeakCheck(t)
	gotReq := make(chan [][]byte, 4)
	raw := hstListen(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(hstWait))
		c.Write(append(hstGreeting("NULL"), hstReady("REP")...))
		r := wire.NewReader(c, 0)
		if _, err := r.ReadGreeting(); err != nil {
			return
		}
		if _, _, err := r.ReadFrame(); err != nil { // READY
			return
		}
		var m wire.Msg
		if err := r.ReadMsg(&m, nil); err != nil {
			return
		}
		gotReq <- m.Frames
		c.Write(append(hstMsg("bad", "reply"), hstMsg("", "good-looking reply")...))
		hstDrain(c)
		c.Close()
	})
	mon := hstNewMonitor()
	req, err := socket.New(socket.Req, socket.Options{Linger: -1, ReconnectInterval: hstReconnectIvl, Monitor: mon.ch})
	require.NoError(t, err)
	t.Cleanup(func() { req.Close() })
	require.NoError(t, req.Connect(raw.ep))
	require.NoError(t, req.Send(hstCtx(t), socket.NewMsgString("hello")))
	raw.nextAccept(t, "first")
	select {
	case frames := <-gotReq:
		require.Equal(t, socket.NewMsgString("", "hello").Frames, frames)
	case <-time.After(hstWait):
		t.Fatal("raw REP got no request")
	}
	e := mon.wait(t, "DISCONNECTED", func(e socket.Event) bool {
		return e.Endpoint == raw.ep && e.Type == socket.EventDisconnected
	})
	require.True(t, hstIsProtocol(e.Err), "%v", e)
	hstNothingReady(t, req)

	window := time.NewTimer(12 * hstReconnectIvl)
	select {
	case c := <-raw.accepts:
		window.Stop()
		t.Fatalf("reconnected after a protocol error (second connection from %v)", c.RemoteAddr())
	case <-window.C:
	}
	hstNothingReady(t, req)

	req.Close()
	raw.close()
	leaks()
}
