package socket_test

// Case 7: many peers that connect and never speak must not hold up a good peer, and the
// handshake interval must close them.

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

const hstSilentPeers = 50

// hstSilent opens n raw connections that never send a byte, waits until our socket has
// accepted every one of them, and returns them keyed by their local address.
func hstSilent(t *testing.T, srv *hstServer, n int) map[string]net.Conn {
	t.Helper()
	conns := make(map[string]net.Conn, n)
	for i := 0; i < n; i++ {
		c := hstDial(t, srv.addr)
		conns[c.LocalAddr().String()] = c
	}
	accepted := 0
	srv.mon.wait(t, "ACCEPTED of every silent peer", func(e socket.Event) bool {
		if e.Type == socket.EventAccepted && conns[e.Remote] != nil {
			accepted++
		}
		return accepted == n
	})
	return conns
}

// hstGoodPromptly connects a good PUSH to srv and checks that its handshake and a few
// messages go through within d.
func hstGoodPromptly(t *testing.T, srv *hstServer, d time.Duration) *socket.Socket {
	t.Helper()
	mon := hstNewMonitor()
	good, err := socket.New(socket.Push, socket.Options{Linger: -1, Monitor: mon.ch})
	require.NoError(t, err)
	t.Cleanup(func() { good.Close() })
	start := time.Now()
	require.NoError(t, good.Connect(srv.ep))
	mon.waitFor(t, d, "HANDSHAKE_SUCCEEDED of the good peer", func(e socket.Event) bool {
		return e.Type == socket.EventHandshakeSucceeded
	})
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for i := 0; i < 10; i++ {
		require.NoError(t, good.Send(ctx, socket.NewMsgString("good", "prompt")))
		m, err := srv.s.Recv(ctx)
		require.NoError(t, err, "good peer's message %d not received within %v of connecting", i, d)
		require.Equal(t, socket.NewMsgString("good", "prompt").Frames, m.Frames)
	}
	t.Logf("good peer: handshake and 10 messages in %v", time.Since(start))
	return good
}

// With the default handshake interval (30 s), 50 silent peers are pending when a good
// peer connects; it must get through in well under a second or two, not after them.
func TestHostileSilentPeersDoNotBlock(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	early := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, early, srv.s, "before")

	silent := hstSilent(t, srv, hstSilentPeers)
	good := hstGoodPromptly(t, srv, 2*time.Second)
	hstRoundTrip(t, early, srv.s, "during")

	// The silent ones are still open: nothing timed them out yet.
	srv.mon.drain()
	for _, e := range srv.mon.seen {
		if silent[e.Remote] != nil {
			require.Equal(t, socket.EventAccepted, e.Type, "silent peer: %v", e)
		}
	}
	for _, c := range silent {
		c.Close()
	}
	// Their closing fails their handshakes (EOF), with no protocol reason.
	failed := 0
	srv.mon.wait(t, "HANDSHAKE_FAILED of every silent peer", func(e socket.Event) bool {
		if silent[e.Remote] != nil {
			require.Equal(t, socket.EventHandshakeFailed, e.Type, "silent peer: %v", e)
			failed++
		}
		return failed == hstSilentPeers
	})
	hstRoundTrip(t, early, srv.s, "after")
	hstRoundTrip(t, good, srv.s, "after")

	early.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// With a 200 ms handshake interval the silent peers are closed by us with
// EventHandshakeFailed (a timeout), while good peers before and after are unaffected.
func TestHostileSilentPeersTimeOut(t *testing.T) {
	leaks := hstLeakCheck(t)
	const ivl = 200 * time.Millisecond
	srv := hstBind(t, socket.Pull, socket.Options{HandshakeInterval: ivl})
	early := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, early, srv.s, "before")

	start := time.Now()
	silent := hstSilent(t, srv, hstSilentPeers)
	good := hstGoodPromptly(t, srv, 2*time.Second)

	failed := 0
	count := func(e socket.Event) bool {
		if silent[e.Remote] != nil && e.Type != socket.EventAccepted {
			require.Equal(t, socket.EventHandshakeFailed, e.Type, "silent peer: %v", e)
			var ne net.Error
			require.ErrorAs(t, e.Err, &ne, "silent peer: %v", e)
			require.True(t, ne.Timeout(), "silent peer, not a timeout: %v", e)
			require.ErrorIs(t, e.Err, os.ErrDeadlineExceeded, "silent peer: %v", e)
			failed++
		}
		return failed == hstSilentPeers
	}
	// On a loaded machine the first silent peers time out before the last are
	// accepted: their failures were read, and passed over, while hstSilent waited for
	// the ACCEPTED events. They count too.
	for _, e := range srv.mon.seen {
		count(e)
	}
	if failed < hstSilentPeers {
		srv.mon.wait(t, "HANDSHAKE_FAILED of every silent peer", count)
	}
	require.GreaterOrEqual(t, time.Since(start), ivl, "silent peers closed before the handshake interval")
	// Each was closed by us: it reads our signature (the rest of our greeting waits for
	// theirs, as libzmq's does), then the end of the stream.
	for _, c := range silent {
		got := hstExpectClosed(t, c, nil, hstWait)
		require.Equal(t, hstOurGreeting()[:10], got)
	}
	hstRoundTrip(t, early, srv.s, "after")
	hstRoundTrip(t, good, srv.s, "after")
	// The established good connections outlive the handshake interval.
	srv.mon.drain()
	for _, e := range srv.mon.seen {
		require.NotEqual(t, socket.EventDisconnected, e.Type, "%v", e)
	}

	early.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// Closing our socket while hostile peers hold it mid-handshake (silent) and mid-frame (a
// huge header, then nothing) returns promptly and leaves no goroutine behind.
func TestHostileCloseUnderAttack(t *testing.T) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")
	silent := hstSilent(t, srv, hstSilentPeers)
	c := hstDial(t, srv.addr)
	hstHandshake(t, c, "PUSH")
	srv.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, c.LocalAddr().String()))
	hstWrite(t, c, append(hstMsg("partial", "")[:9], hstLongHeader(0, 1<<44)...))
	hstWrite(t, c, make([]byte, 2048))
	hstRoundTrip(t, good, srv.s, "during")

	done := make(chan error, 1)
	go func() { done <- srv.s.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(hstWait):
		t.Fatal("Close did not return with hostile peers connected")
	}
	srv.mon.wait(t, "MONITOR_STOPPED", func(e socket.Event) bool { return e.Type == socket.EventMonitorStopped })
	for _, sc := range silent {
		hstExpectClosed(t, sc, nil, hstWait)
		sc.Close()
	}
	hstExpectClosed(t, c, nil, hstWait)
	c.Close()
	good.Close()
	leaks()
}
