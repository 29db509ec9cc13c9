package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/portlock"
)

// streamTransports are the transports with connections that can break and come back.
var streamTransports = []string{"ipc", "tcp"}

func runStream(t *testing.T, f func(t *testing.T, tr string)) {
	for _, tr := range streamTransports {
		t.Run(tr, func(t *testing.T) { f(t, tr) })
	}
}

func TestReconnectAfterPeerRestart(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		pull, err := New(Pull, Options{})
		require.NoError(t, err)
		require.NoError(t, pull.Bind(bindEndpoint(t, tr)))
		ep := pull.LastEndpoint()
		push := newSocket(t, Push, Options{ReconnectInterval: 10 * time.Millisecond})
		connect(t, push, ep)
		send(t, push, "before")
		require.Equal(t, []string{"before"}, recvStrings(t, pull))
		require.NoError(t, pull.Close())

		pull2 := newSocket(t, Pull, Options{})
		require.NoError(t, pull2.Bind(ep))
		// A message handed to the old connection just before it broke is lost (as in
		// libzmq), so keep sending until the new connection carries one.
		require.Equal(t, []string{"after"}, publishUntil(t, push, pull2, "after"))
	})
}

func TestSubResubscribesAfterPublisherRestart(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		pub, err := New(Pub, Options{})
		require.NoError(t, err)
		require.NoError(t, pub.Bind(bindEndpoint(t, tr)))
		ep := pub.LastEndpoint()
		sub := newSocket(t, Sub, Options{ReconnectInterval: 10 * time.Millisecond})
		connect(t, sub, ep)
		require.NoError(t, sub.Subscribe([]byte("k")))
		publishUntil(t, pub, sub, "k1")
		drain(sub) // the k1 copies publishUntil may have sent besides
		require.NoError(t, pub.Close())

		pub2 := newSocket(t, Pub, Options{})
		require.NoError(t, pub2.Bind(ep))
		require.Equal(t, []string{"k2"}, publishUntil(t, pub2, sub, "k2"))
		// publishUntil may have sent k2 more than once: take the copies still coming.
		drain(sub)
		send(t, pub2, "other")
		send(t, pub2, "k3")
		require.Equal(t, []string{"k3"}, recvStrings(t, sub))
	})
}

func TestLingerDeliversOnClose(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push, err := New(Push, Options{})
		require.NoError(t, err)
		connect(t, push, ep)
		// More than the queues and socket buffers between the two hold, so Close must
		// keep writing while the receiver reads: the reader runs alongside.
		const n = 2000
		got := make(chan []string, n)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; i < n; i++ {
				m, err := pull.Recv(ctxT(t))
				if err != nil {
					t.Error(err)
					return
				}
				got <- []string{string(m.Frames[0]), string(m.Frames[1])}
			}
		})
		for i := 0; i < n; i++ {
			require.NoError(t, push.Send(ctxT(t), NewMsgString(fmt.Sprint(i), "payload-payload-payload")))
		}
		require.NoError(t, push.Close())
		wg.Wait()
		close(got)
		i := 0
		for m := range got {
			require.Equal(t, []string{fmt.Sprint(i), "payload-payload-payload"}, m)
			i++
		}
		require.Equal(t, n, i)
	})
}

func TestCloseWithUndeliverableMessagesIsBounded(t *testing.T) {
	// A connecting PUSH queues for a peer that never comes; Close gives up at Linger.
	push, err := New(Push, Options{Linger: 50 * time.Millisecond})
	require.NoError(t, err)
	port, err := portlock.Reserve() // nothing listens there, and nothing will
	require.NoError(t, err)
	defer port.Release()
	addr := "127.0.0.1:" + port.String()
	connect(t, push, "tcp://"+addr)
	send(t, push, "stuck")
	start := time.Now()
	require.NoError(t, push.Close())
	require.Less(t, time.Since(start), 5*time.Second)

	// Shutdown reports that it could not deliver.
	push2, err := New(Push, Options{})
	require.NoError(t, err)
	connect(t, push2, "tcp://"+addr)
	send(t, push2, "stuck")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, push2.Shutdown(ctx), context.DeadlineExceeded)
}

func TestCloseUnblocksCallers(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull, err := New(Pull, Options{})
		require.NoError(t, err)
		bind(t, pull, tr)
		push, err := New(Push, Options{Immediate: true})
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Go(func() { _, err := pull.Recv(context.Background()); errs <- err })
		wg.Go(func() { errs <- push.Send(context.Background(), NewMsgString("x")) })
		require.NoError(t, pull.Close())
		require.NoError(t, push.Close())
		wg.Wait()
		for i := 0; i < 2; i++ {
			err := <-errs
			require.ErrorIs(t, err, ErrClosed)
			require.True(t, errors.Is(err, net.ErrClosed))
		}
		require.NoError(t, pull.Close(), "closing twice is harmless")
		require.ErrorIs(t, pull.Bind("inproc://x"), ErrClosed)
	})
}

func TestUnbindAndDisconnect(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		require.Equal(t, []string{ep}, pull.Endpoints())
		require.NoError(t, pull.Unbind(ep))
		require.Empty(t, pull.Endpoints())
		require.ErrorIs(t, pull.Unbind(ep), ErrNotBound)

		push := newSocket(t, Push, Options{})
		connect(t, push, "tcp://127.0.0.1:1")
		require.NoError(t, push.Disconnect("tcp://127.0.0.1:1"))
		require.ErrorIs(t, push.Disconnect("tcp://127.0.0.1:1"), ErrNotConnected)
	})
}

func TestBadEndpoints(t *testing.T) {
	s := newSocket(t, Req, Options{})
	for _, ep := range []string{"", "tcp:/x", "foo://bar", "tcp://127.0.0.1:*", "tcp://127.0.0.1"} {
		err := s.Connect(ep)
		require.Error(t, err, ep)
		var op *OpError
		require.ErrorAs(t, err, &op, ep)
		require.Equal(t, "connect", op.Op)
	}
	require.ErrorIs(t, s.Bind("epgm://eth0;239.1.1.1:5555"), ErrTransportNotAllowed)
	a := newSocket(t, Pair, Options{})
	require.NoError(t, a.Bind("inproc://taken"))
	b := newSocket(t, Pair, Options{})
	require.ErrorIs(t, b.Bind("inproc://taken"), ErrAddrInUse)
}

func TestMonitorEvents(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		srvEvents := make(chan Event, 64)
		cliEvents := make(chan Event, 64)
		rep := newSocket(t, Rep, Options{Monitor: srvEvents})
		ep := bind(t, rep, tr)
		waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventListening && e.Endpoint == ep })
		req, err := New(Req, Options{Monitor: cliEvents})
		require.NoError(t, err)
		connect(t, req, ep)
		waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventConnected })
		waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventHandshakeSucceeded })
		waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventAccepted })
		waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeSucceeded })
		require.NoError(t, req.Close())
		waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventMonitorStopped })
		waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventDisconnected })
	})
}

func TestConnectRetriedEvents(t *testing.T) {
	events := make(chan Event, 64)
	push := newSocket(t, Push, Options{Monitor: events, ReconnectInterval: 5 * time.Millisecond})
	connect(t, push, "tcp://127.0.0.1:1")
	e := waitEvent(t, events, func(e Event) bool { return e.Type == EventConnectRetried })
	require.Error(t, e.Err)
	require.GreaterOrEqual(t, e.Retry, 5*time.Millisecond)
	require.Contains(t, e.String(), "retry=")
	waitEvent(t, events, func(e Event) bool { return e.Type == EventConnectRetried })
}

func TestConnectDelayedBeforeEachDial(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		events := make(chan Event, 64)
		push := newSocket(t, Push, Options{Monitor: events})
		connect(t, push, ep)
		e := waitEvent(t, events, func(e Event) bool { return e.Type == EventConnectDelayed || e.Type == EventConnected })
		require.Equal(t, EventConnectDelayed, e.Type, "a dial is announced before it succeeds")
		require.Equal(t, ep, e.Endpoint)
		waitEvent(t, events, func(e Event) bool { return e.Type == EventConnected })
	})
}

func TestIncompatibleSocketTypeRefused(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		events := make(chan Event, 64)
		pull := newSocket(t, Pull, Options{Monitor: events})
		ep := bind(t, pull, tr)
		pub := newSocket(t, Pub, Options{})
		connect(t, pub, ep)
		e := waitEvent(t, events, func(e Event) bool { return e.Type == EventHandshakeProtocol })
		require.Error(t, e.Err)
		require.Equal(t, 0, pull.Stats().Peers)
	})
}

func TestConcurrentSendersAndReceivers(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		const senders, each = 8, 200
		var wg sync.WaitGroup
		for g := 0; g < senders; g++ {
			wg.Go(func() {
				for i := 0; i < each; i++ {
					if err := push.Send(ctxT(t), NewMsgString(fmt.Sprint(g), fmt.Sprint(i))); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		got := make(chan []string, senders*each)
		for r := 0; r < 4; r++ {
			wg.Go(func() {
				for i := 0; i < senders*each/4; i++ {
					m, err := pull.Recv(ctxT(t))
					if err != nil {
						t.Error(err)
						return
					}
					got <- []string{string(m.Frames[0]), string(m.Frames[1])}
				}
			})
		}
		wg.Wait()
		close(got)
		seen := map[string]bool{}
		for m := range got {
			k := m[0] + "/" + m[1]
			require.False(t, seen[k], "duplicate %s", k)
			seen[k] = true
		}
		require.Len(t, seen, senders*each)
	})
}

func TestHeartbeatsKeepIdleConnection(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		// PINGs every 10 ms, and a timeout generous enough for a loaded machine under
		// the race detector: with both cores busy, stalls of over a second were seen.
		const ivl, timeout = 10 * time.Millisecond, 3 * time.Second
		events := make(chan Event, 64)
		a := newSocket(t, Pair, Options{HeartbeatInterval: ivl, HeartbeatTimeout: timeout, Monitor: events})
		ep := bind(t, a, tr)
		b := newSocket(t, Pair, Options{HeartbeatInterval: ivl, HeartbeatTimeout: timeout})
		connect(t, b, ep)
		send(t, b, "x")
		recvStrings(t, a)
		// Idle for longer than a timeout (hundreds of heartbeat intervals): had either
		// side not answered PINGs, it would have been dropped by now. The connection
		// stays up and no PING or PONG leaks into the data.
		ctx, cancel := context.WithTimeout(context.Background(), timeout+timeout/2)
		defer cancel()
		_, err := a.Recv(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		send(t, b, "y")
		require.Equal(t, []string{"y"}, recvStrings(t, a))
		for {
			select {
			case e := <-events:
				require.NotEqual(t, EventDisconnected, e.Type, "%v", e)
				continue
			default:
			}
			break
		}
	})
}

func TestLingerWaitsForLateConnection(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		ep := bindEndpoint(t, tr)
		probe := newSocket(t, Pull, Options{})
		require.NoError(t, probe.Bind(ep))
		ep = probe.LastEndpoint()
		require.NoError(t, probe.Close())

		events := make(chan Event, 64)
		push, err := New(Push, Options{Linger: 5 * time.Second, ReconnectInterval: 10 * time.Millisecond, Monitor: events})
		require.NoError(t, err)
		connect(t, push, ep)
		waitEvent(t, events, func(e Event) bool { return e.Type == EventConnectRetried })
		for i := 0; i < 10; i++ {
			send(t, push, fmt.Sprint(i))
		}
		closed := make(chan error, 1)
		go func() { closed <- push.Close() }()
		// The peer comes up while Close lingers; the queued messages still reach it.
		pull := newSocket(t, Pull, Options{})
		require.NoError(t, pull.Bind(ep))
		for i := 0; i < 10; i++ {
			require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, pull))
		}
		require.NoError(t, <-closed)
	})
}

func TestUnbindDropsAcceptedPeers(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		ep := bind(t, pull, tr)
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		waitPeers(t, pull, 1)
		require.NoError(t, pull.Unbind(ep))
		require.Eventually(t, func() bool { return pull.Stats().Peers == 0 }, 10*time.Second, time.Millisecond)
	})
}
