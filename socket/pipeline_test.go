package socket

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/stretchr/testify/require"
)

func TestPushPull(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		for i := 0; i < 100; i++ {
			send(t, push, "hello", "", fmt.Sprint(i))
		}
		for i := 0; i < 100; i++ {
			require.Equal(t, []string{"hello", "", fmt.Sprint(i)}, recvStrings(t, pull))
		}
	})
}

func TestPushRoundRobin(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		push := newSocket(t, Push, Options{})
		var pulls []*Socket
		for i := 0; i < 3; i++ {
			pull := newSocket(t, Pull, Options{})
			connect(t, pull, bind(t, push, tr))
			pulls = append(pulls, pull)
		}
		// Wait until every PULL is attached, so round-robin spans all three.
		waitPeers(t, push, 3)
		const n = 30
		for i := 0; i < n; i++ {
			send(t, push, fmt.Sprint(i))
		}
		for _, pull := range pulls {
			for j := 0; j < n/3; j++ {
				recvStrings(t, pull)
			}
			expectNothing(t, pull, 20*time.Millisecond)
		}
	})
}

func TestPullFairQueue(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		var pushes []*Socket
		for i := 0; i < 3; i++ {
			push := newSocket(t, Push, Options{})
			connect(t, push, ep)
			pushes = append(pushes, push)
		}
		waitPeers(t, pull, 3)
		for i, push := range pushes {
			for j := 0; j < 10; j++ {
				send(t, push, fmt.Sprint(i))
			}
		}
		got := map[string]int{}
		for i := 0; i < 30; i++ {
			got[recvStrings(t, pull)[0]]++
		}
		require.Equal(t, map[string]int{"0": 10, "1": 10, "2": 10}, got)
	})
}

func TestPushPullWrongDirection(t *testing.T) {
	push := newSocket(t, Push, Options{})
	_, err := push.Recv(context.Background())
	require.ErrorIs(t, err, ErrNotSupported)
	require.True(t, errors.Is(err, errors.ErrUnsupported))
	pull := newSocket(t, Pull, Options{})
	require.ErrorIs(t, pull.Send(context.Background(), NewMsgString("x")), ErrNotSupported)
}

func TestPairExchange(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Pair, Options{})
		ep := bind(t, a, tr)
		b := newSocket(t, Pair, Options{})
		connect(t, b, ep)
		send(t, b, "ping", "")
		require.Equal(t, []string{"ping", ""}, recvStrings(t, a))
		send(t, a, "pong")
		require.Equal(t, []string{"pong"}, recvStrings(t, b))
	})
}

func TestPairRefusesSecondPeer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		events := make(chan Event, 64)
		a := newSocket(t, Pair, Options{Monitor: events})
		ep := bind(t, a, tr)
		b := newSocket(t, Pair, Options{})
		connect(t, b, ep)
		send(t, b, "first")
		require.Equal(t, []string{"first"}, recvStrings(t, a))

		c := newSocket(t, Pair, Options{})
		connect(t, c, ep)
		// The second peer is refused: a's refusal shows in its monitor.
		waitEvent(t, events, func(e Event) bool { return errors.Is(e.Err, ErrPeerRefused) })
		send(t, b, "still")
		require.Equal(t, []string{"still"}, recvStrings(t, a))
		require.Equal(t, 1, a.Stats().Peers)
	})
}

func TestDealerDealer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Dealer, Options{})
		ep := bind(t, a, tr)
		b := newSocket(t, Dealer, Options{})
		connect(t, b, ep)
		send(t, b, "", "a", "", "b")
		require.Equal(t, []string{"", "a", "", "b"}, recvStrings(t, a))
		send(t, a, "back")
		require.Equal(t, []string{"back"}, recvStrings(t, b))
	})
}

// waitPeers waits until s has n peers attached.
func waitPeers(t testing.TB, s *Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		s.drainLocked()
		got := len(s.pipes)
		s.mu.Unlock()
		if got >= n {
			return
		}
		require.False(t, time.Now().After(deadline), "socket has %d peers, want %d", got, n)
		// Peers attach on other goroutines; there is no event for "attached" that
		// covers inproc, so poll the count with a deadline.
		time.Sleep(time.Millisecond)
	}
}

// waitEvent waits for a monitor event accepted by match.
func waitEvent(t testing.TB, events <-chan Event, match func(Event) bool) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if match(e) {
				return e
			}
		case <-timeout:
			t.Fatal("timed out waiting for a monitor event")
		}
	}
}

func TestInprocRegistriesAreSeparate(t *testing.T) {
	regA, regB := inproc.NewRegistry(), inproc.NewRegistry()
	pullA := newSocket(t, Pull, Options{InprocRegistry: regA})
	pullB := newSocket(t, Pull, Options{InprocRegistry: regB})
	// The same name binds once in each registry, and in the default one too.
	require.NoError(t, pullA.Bind("inproc://events"))
	require.NoError(t, pullB.Bind("inproc://events"))
	pullDefault := newSocket(t, Pull, Options{})
	require.NoError(t, pullDefault.Bind("inproc://events"))
	again := newSocket(t, Pull, Options{InprocRegistry: regA})
	require.ErrorIs(t, again.Bind("inproc://events"), ErrAddrInUse)

	pushA := newSocket(t, Push, Options{InprocRegistry: regA})
	connect(t, pushA, "inproc://events")
	pushB := newSocket(t, Push, Options{InprocRegistry: regB})
	connect(t, pushB, "inproc://events")
	send(t, pushA, "to A")
	send(t, pushB, "to B")
	require.Equal(t, []string{"to A"}, recvStrings(t, pullA))
	require.Equal(t, []string{"to B"}, recvStrings(t, pullB))
	require.Zero(t, pullDefault.Stats().Peers, "the default registry saw neither")
}
