package socket_test

// Case 9: our CONNECTING socket against a hostile raw server. After a protocol error we
// must not reconnect (libzmq terminates the session); after a plain TCP close we must.

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

const hstReconnectIvl = 20 * time.Millisecond

// hstRawServer is a raw TCP listener on 127.0.0.1 that hands every accepted connection
// to a behaviour and counts the accepts.
type hstRawServer struct {
	ln      net.Listener
	ep      string
	accepts chan net.Conn
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

func hstListen(t *testing.T, behave func(c net.Conn)) *hstRawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &hstRawServer{ln: ln, ep: "tcp://" + ln.Addr().String(), accepts: make(chan net.Conn, 1024)}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.accepts <- c
			s.wg.Go(func() { behave(c) })
		}
	})
	t.Cleanup(s.close)
	return s
}

// close stops the listener, closes every accepted connection and waits for the
// goroutines.
func (s *hstRawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *hstRawServer) nextAccept(t *testing.T, what string) net.Conn {
	t.Helper()
	select {
	case c := <-s.accepts:
		return c
	case <-time.After(hstWait):
		t.Fatalf("no %s accept within %v", what, hstWait)
		return nil
	}
}

// hstDrain reads c until it fails, with a bound.
func hstDrain(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(hstWait))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// hstConnecter is our connecting PUSH, already delivering to a good PULL of ours.
type hstConn struct {
	push *socket.Socket
	mon  *hstMonitor
	pull *socket.Socket
}

func hstConnecter(t *testing.T, opts socket.Options) *hstConn {
	t.Helper()
	pull := hstBind(t, socket.Pull, socket.Options{})
	mon := hstNewMonitor()
	opts.Monitor = mon.ch
	opts.ReconnectInterval = hstReconnectIvl
	opts.Linger = -1
	push, err := socket.New(socket.Push, opts)
	require.NoError(t, err)
	t.Cleanup(func() { push.Close() })
	require.NoError(t, push.Connect(pull.ep))
	hstRoundTrip(t, push, pull.s, "before")
	return &hstConn{push: push, mon: mon, pull: pull.s}
}

// hstWaitPeers waits (bounded poll) until s has n peers attached.
func hstWaitPeers(t *testing.T, s *socket.Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(hstWait)
	for s.Stats().Peers != n {
		require.True(t, time.Now().Before(deadline), "peers: %d, want %d", s.Stats().Peers, n)
		time.Sleep(time.Millisecond) // polling interval of a bounded poll
	}
}

// hstWriteThenDrain returns a behaviour that writes b at once and drains what we send.
func hstWriteThenDrain(b []byte) func(net.Conn) {
	return func(c net.Conn) {
		c.SetWriteDeadline(time.Now().Add(hstWait))
		c.Write(b)
		hstDrain(c)
		c.Close()
	}
}

// After a protocol error the raw server is accepted exactly once: no reconnection during
// a window of many reconnect intervals, and no CONNECT_RETRIED; the good PULL keeps
// receiving everything.
func TestHostileNoReconnectAfterProtocolError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  socket.Options
		reply []byte
		event socket.EventType
		want  error // errors.Is target, or nil to check for a *wire.PeerError
	}{
		{"garbage", socket.Options{}, []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
			socket.EventHandshakeProtocol, wire.ErrNotZMTP},
		{"zmtp2-incompatible", socket.Options{}, []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x01, byte(socket.Push), 0, 0},
			socket.EventHandshakeProtocol, wire.ErrIncompatibleSocketType},
		{"mechanism", socket.Options{}, hstGreeting("PLAIN"),
			socket.EventHandshakeProtocol, wire.ErrMechanismMismatch},
		{"incompatible-type", socket.Options{}, append(hstGreeting("NULL"), hstReady("PUSH")...),
			socket.EventHandshakeProtocol, wire.ErrIncompatibleSocketType},
		{"unknown-type", socket.Options{}, append(hstGreeting("NULL"), hstReady("BOGUS")...),
			socket.EventHandshakeProtocol, wire.ErrUnknownSocketType},
		{"bad-metadata", socket.Options{}, append(hstGreeting("NULL"), wire.AppendCommand(nil, wire.CmdReady, []byte{0})...),
			socket.EventHandshakeProtocol, wire.ErrInvalidMetadata},
		{"error-command", socket.Options{}, append(hstGreeting("NULL"), wire.AppendError(nil, "500")...),
			socket.EventHandshakeAuth, nil},
		{"oversize-frame", socket.Options{MaxMsgSize: 1 << 20},
			append(append(hstGreeting("NULL"), hstReady("PULL")...), hstLongHeader(0, 1<<44)...),
			socket.EventDisconnected, wire.ErrFrameTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			cn := hstConnecter(t, tc.opts)
			raw := hstListen(t, hstWriteThenDrain(tc.reply))
			hstWaitPeers(t, cn.push, 1)
			require.NoError(t, cn.push.Connect(raw.ep))
			raw.nextAccept(t, "first")

			e := cn.mon.wait(t, tc.event.String(), func(e socket.Event) bool {
				return e.Endpoint == raw.ep && e.Type != socket.EventConnectDelayed && e.Type != socket.EventConnected && e.Type != socket.EventHandshakeSucceeded
			})
			require.Equal(t, tc.event, e.Type, "%v", e)
			if tc.want != nil {
				require.ErrorIs(t, e.Err, tc.want, "%v", e)
			} else {
				var pe *wire.PeerError
				require.ErrorAs(t, e.Err, &pe, "%v", e)
				require.Equal(t, "500", pe.Reason)
			}

			// The one bounded absence wait: no second accept over many reconnect intervals
			// (each wait is 20 to 40 ms, so a reconnecting socket would come back ~6 times).
			window := time.NewTimer(12 * hstReconnectIvl)
			select {
			case c := <-raw.accepts:
				window.Stop()
				t.Fatalf("reconnected after a protocol error (second connection from %v)", c.RemoteAddr())
			case <-window.C:
			}
			cn.mon.drain()
			for _, ev := range cn.mon.seen {
				if ev.Endpoint == raw.ep {
					require.NotEqual(t, socket.EventConnectRetried, ev.Type, "retry scheduled after a protocol error: %v", ev)
				}
			}

			// The dead endpoint's pipe is gone; the good PULL gets every message.
			hstWaitPeers(t, cn.push, 1)
			for i := 0; i < 6; i++ {
				hstRoundTrip(t, cn.push, cn.pull, "after")
			}

			cn.push.Close()
			cn.pull.Close()
			raw.close()
			leaks()
		})
	}
}

// After a plain TCP close, a handshake timeout, or a close after a good handshake, we do
// reconnect.
func TestHostileReconnectAfterConnectionLoss(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   socket.Options
		behave func(net.Conn)
		event  socket.EventType
	}{
		{"close-at-once", socket.Options{}, func(c net.Conn) { c.Close() }, socket.EventHandshakeFailed},
		{"close-after-greeting", socket.Options{}, func(c net.Conn) {
			c.SetWriteDeadline(time.Now().Add(hstWait))
			c.Write(hstGreeting("NULL"))
			c.Close()
		}, socket.EventHandshakeFailed},
		{"silent-handshake-timeout", socket.Options{HandshakeInterval: 50 * time.Millisecond}, func(c net.Conn) {
			hstDrain(c)
			c.Close()
		}, socket.EventHandshakeFailed},
		{"close-after-handshake", socket.Options{}, func(c net.Conn) {
			c.SetWriteDeadline(time.Now().Add(hstWait))
			c.Write(append(hstGreeting("NULL"), hstReady("PULL")...))
			r := wire.NewReader(c, 0)
			c.SetReadDeadline(time.Now().Add(hstWait))
			if _, err := r.ReadGreeting(); err == nil {
				r.ReadFrame() // our READY
			}
			c.Close()
		}, socket.EventDisconnected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			cn := hstConnecter(t, tc.opts)
			raw := hstListen(t, tc.behave)
			require.NoError(t, cn.push.Connect(raw.ep))
			raw.nextAccept(t, "first")
			e := cn.mon.wait(t, tc.event.String(), func(e socket.Event) bool {
				return e.Endpoint == raw.ep && e.Type == tc.event
			})
			require.False(t, hstIsProtocol(e.Err), "a connection loss reported as a protocol error: %v", e)
			cn.mon.wait(t, "CONNECT_RETRIED", func(e socket.Event) bool {
				return e.Endpoint == raw.ep && e.Type == socket.EventConnectRetried
			})
			raw.nextAccept(t, "second")
			raw.nextAccept(t, "third")
			// While the raw endpoint is connected its pipe takes its round-robin share of
			// messages (IMMEDIATE off, as libzmq); once it is disconnected, the good PULL
			// gets everything.
			require.NoError(t, cn.push.Disconnect(raw.ep))
			hstWaitPeers(t, cn.push, 1)
			for i := 0; i < 6; i++ {
				hstRoundTrip(t, cn.push, cn.pull, "after")
			}

			cn.push.Close()
			cn.pull.Close()
			raw.close()
			leaks()
		})
	}
}

func hstIsProtocol(err error) bool {
	var pe *wire.ProtocolError
	var peer *wire.PeerError
	return errors.As(err, &pe) || errors.As(err, &peer)
}
