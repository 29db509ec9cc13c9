package socket

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// With ProbeRouter, a DEALER, REQ or ROUTER announces itself with an empty message as
// soon as it connects, so the ROUTER learns its id before it says anything.
func TestProbeRouter(t *testing.T) {
	for _, typ := range []Type{Dealer, Req, Router} {
		t.Run(typ.String(), func(t *testing.T) {
			run(t, func(t *testing.T, tr string) {
				router := newSocket(t, Router, Options{})
				ep := bind(t, router, tr)
				peer := newSocket(t, typ, Options{ProbeRouter: true, RoutingID: []byte("prober")})
				connect(t, peer, ep)
				require.Equal(t, []string{"prober", ""}, recvStrings(t, router))
			})
		})
	}
}

// Without ProbeRouter nothing is sent on connect: the first message is the
// application's.
func TestNoProbeByDefault(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		ep := bind(t, router, tr)
		dealer := newSocket(t, Dealer, Options{RoutingID: []byte("d")})
		connect(t, dealer, ep)
		send(t, dealer, "first")
		require.Equal(t, []string{"d", "first"}, recvStrings(t, router))
	})
}

// recvWithin receives from s within d, reporting false if nothing came.
func recvWithin(s *Socket, d time.Duration) ([]string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := s.Recv(ctx)
	if err != nil {
		return nil, false
	}
	out := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = string(f)
	}
	return out, true
}

// With RouterHandover a second peer using a routing id that is taken gets it: the
// ROUTER's messages for the id reach the newcomer, and the old peer is disconnected.
func TestRouterHandover(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{RouterHandover: true})
		ep := bind(t, router, tr)
		id := []byte("same")
		// The old peer does not reconnect, or it would take the id back.
		old := newSocket(t, Dealer, Options{RoutingID: id, ReconnectInterval: -1})
		connect(t, old, ep)
		send(t, old, "from old")
		require.Equal(t, []string{"same", "from old"}, recvStrings(t, router))

		newer := newSocket(t, Dealer, Options{RoutingID: id})
		connect(t, newer, ep)
		// Until the newcomer is attached, messages for the id still go to the old
		// peer; send until the newcomer hears one.
		deadline := time.Now().Add(10 * time.Second)
		for {
			send(t, router, "same", "hello")
			if m, ok := recvWithin(newer, 20*time.Millisecond); ok {
				require.Equal(t, []string{"hello"}, m)
				break
			}
			require.False(t, time.Now().After(deadline), "the new peer never got the id")
		}
		send(t, newer, "from new")
		require.Equal(t, []string{"same", "from new"}, recvStrings(t, router))
		// The old peer lost its connection: one ROUTER peer is left.
		waitPeerCount(t, router, 1)
	})
}

// Without RouterHandover the newcomer with a taken id is refused and the first peer
// keeps it.
func TestRouterNoHandover(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		events := make(chan Event, 64)
		router := newSocket(t, Router, Options{Monitor: events})
		ep := bind(t, router, tr)
		id := []byte("same")
		first := newSocket(t, Dealer, Options{RoutingID: id})
		connect(t, first, ep)
		send(t, first, "hi")
		require.Equal(t, []string{"same", "hi"}, recvStrings(t, router))
		second := newSocket(t, Dealer, Options{RoutingID: id, ReconnectInterval: -1})
		connect(t, second, ep)
		if tr != "inproc" {
			waitEvent(t, events, func(e Event) bool { return e.Type == EventClosed && e.Err != nil })
		} else {
			waitPeerCount(t, router, 1)
		}
		send(t, router, "same", "to first")
		require.Equal(t, []string{"to first"}, recvStrings(t, first))
	})
}

// waitPeerCount waits until s has exactly n peers.
func waitPeerCount(t testing.TB, s *Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		s.drainLocked()
		got := len(s.pipes)
		s.mu.Unlock()
		if got == n {
			return
		}
		require.False(t, time.Now().After(deadline), "socket has %d peers, want %d", got, n)
		// Peers come and go on other goroutines, with no event that covers inproc.
		time.Sleep(time.Millisecond)
	}
}

// A DEALER probes again on every new connection: a ROUTER that restarts learns its id
// from the probe too.
func TestProbeRouterReconnect(t *testing.T) {
	for _, tr := range []string{"ipc", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			router := newSocket(t, Router, Options{})
			ep := bind(t, router, tr)
			dealer := newSocket(t, Dealer, Options{ProbeRouter: true, RoutingID: []byte("p"), ReconnectInterval: 10 * time.Millisecond})
			connect(t, dealer, ep)
			require.Equal(t, []string{"p", ""}, recvStrings(t, router))
			require.NoError(t, router.Close())

			again := newSocket(t, Router, Options{})
			require.NoError(t, again.Bind(ep))
			require.Equal(t, []string{"p", ""}, recvStrings(t, again))
		})
	}
}
