package socket

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/raceflag"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// soloEngine returns the engine of s's only pipe, waiting for the connection.
func soloEngine(t *testing.T, s *Socket) *engine {
	t.Helper()
	var e *engine
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.solo != nil {
			e, _ = s.solo.link.(*engine)
		}
		return e != nil
	}, 10*time.Second, time.Millisecond)
	return e
}

// TestDirectReadRoundTrips checks that once REQ and REP wait for each message, both
// read their connection on the caller's goroutine, and that every reply still comes.
func TestDirectReadRoundTrips(t *testing.T) {
	for _, c := range directCases(t) {
		t.Run(c.name, func(t *testing.T) {
			rep := newSocket(t, Rep, Options{Mechanism: c.server})
			req := newSocket(t, Req, Options{Mechanism: c.client})
			connect(t, req, bind(t, rep, c.transport))
			// Parked readers stay parked: on a loaded machine a round trip can take
			// longer than a lease, and the count below is about who reads, not speed.
			reqE, repE := soloEngine(t, req), soloEngine(t, rep)
			reqE.holdParked.Store(true)
			repE.holdParked.Store(true)
			ctx := context.Background()
			done := make(chan error, 1)
			go func() {
				for {
					m, err := rep.Recv(ctx)
					if err != nil {
						done <- err
						return
					}
					stop := string(m.Frames[0]) == "stop"
					if err := rep.Send(ctx, m); err != nil {
						done <- err
						return
					}
					if stop {
						done <- nil
						return
					}
				}
			}()
			roundTrip := func(body []byte) {
				require.NoError(t, req.Send(ctx, NewMsg(body)))
				m, err := req.Recv(ctx)
				require.NoError(t, err)
				require.Equal(t, body, m.Frames[0])
			}
			// A reader parks once a Recv has found nothing queued while it read. On a
			// loaded machine the first replies can be queued before Recv asks: go on
			// until both sides have read directly once.
			for i := 0; reqE.directReads.Load() == 0 || repE.directReads.Load() == 0; i++ {
				require.Less(t, i, 1000, "Recv never read the connection itself")
				roundTrip([]byte("warm-up"))
			}
			reqStart, repStart := reqE.directReads.Load(), repE.directReads.Load()
			const rounds = 200
			for i := range rounds {
				roundTrip([]byte{byte(i)})
			}
			roundTrip([]byte("stop"))
			require.NoError(t, <-done)
			// With both readers parked, every Recv read its connection itself (each
			// direct read adds two; REP's may have begun before repStart).
			require.GreaterOrEqual(t, (reqE.directReads.Load()-reqStart)/2, uint64(rounds))
			require.GreaterOrEqual(t, (repE.directReads.Load()-repStart)/2, uint64(rounds))
		})
	}
}

// directCase is a transport with a mechanism (nil: NULL) for each side.
type directCase struct {
	name, transport string
	server, client  wire.Mechanism
}

// directCases are the connections Recv reads directly: tcp, ipc and ws, each in clear
// and over CURVE (whose messages end where a sealed flag says).
func directCases(t *testing.T) []directCase {
	var cases []directCase
	for _, tr := range []string{"tcp", "ipc", "ws"} {
		cs := curveSecurity(t)
		cases = append(cases,
			directCase{name: tr, transport: tr},
			directCase{name: tr + "/CURVE", transport: tr, server: cs.server, client: cs.client})
	}
	return cases
}

// engageDirect makes Recv on recv read its only connection directly: it passes
// messages from send until a Recv has read one itself, and keeps the reader parked
// however slowly the test runs.
func engageDirect(t *testing.T, send, recv *Socket) *engine {
	t.Helper()
	e := soloEngine(t, recv)
	e.holdParked.Store(true)
	return engage(t, send, recv)
}

// engage is engageDirect with readers that resume after the usual lease.
func engage(t *testing.T, send, recv *Socket) *engine {
	t.Helper()
	ctx := ctxT(t)
	e := soloEngine(t, recv)
	for i := 0; e.directReads.Load() == 0; i++ {
		require.Less(t, i, 1000, "Recv never read the connection itself")
		require.NoError(t, send.Send(ctx, NewMsg([]byte("warm-up"))))
		m, err := recv.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, "warm-up", string(m.Frames[0]))
	}
	return e
}

// TestDirectReadGivesWayToANewPeer checks that a Recv waiting in its only peer's
// connection returns a message from a peer that connects meanwhile.
func TestDirectReadGivesWayToANewPeer(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	ep := bind(t, pull, "tcp")
	a := newSocket(t, Push, Options{})
	connect(t, a, ep)
	engageDirect(t, a, pull)

	got := make(chan string, 1)
	go func() {
		m, err := pull.Recv(context.Background())
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(m.Frames[0])
	}()
	// Wait until that Recv is blocked in the connection, then bring the second peer.
	require.Eventually(t, func() bool { return pull.reading.Load() != nil }, 10*time.Second, time.Millisecond)
	b := newSocket(t, Push, Options{})
	connect(t, b, ep)
	require.NoError(t, b.Send(ctxT(t), NewMsg([]byte("from b"))))
	select {
	case s := <-got:
		require.Equal(t, "from b", s)
	case <-time.After(10 * time.Second):
		t.Fatal("Recv kept waiting on the first peer's connection")
	}
}

// TestDirectReadDeadline checks that a context deadline ends a direct read on time
// and leaves the stream intact for the next Recv.
func TestDirectReadDeadline(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc", "ws"} {
		t.Run(tr, func(t *testing.T) {
			a := newSocket(t, Pair, Options{})
			b := newSocket(t, Pair, Options{})
			connect(t, b, bind(t, a, tr))
			engageDirect(t, a, b)
			for range 3 {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
				_, err := b.Recv(ctx)
				cancel()
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}
			require.NoError(t, a.Send(ctxT(t), NewMsg([]byte("one"), []byte("two"))))
			require.Equal(t, []string{"one", "two"}, recvStrings(t, b))
		})
	}
}

// TestDirectReadClose checks that closing a socket ends a Recv that waits in its
// connection.
func TestDirectReadClose(t *testing.T) {
	a := newSocket(t, Pair, Options{})
	b := newSocket(t, Pair, Options{})
	connect(t, b, bind(t, a, "tcp"))
	engageDirect(t, a, b)
	errc := make(chan error, 1)
	go func() {
		_, err := b.Recv(context.Background())
		errc <- err
	}()
	require.Eventually(t, func() bool { return b.reading.Load() != nil }, 10*time.Second, time.Millisecond)
	require.NoError(t, b.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Recv did not return after Close")
	}
}

// TestDirectReadReaderResumes checks that once the application stops calling Recv,
// the reader goroutine takes the connection back and queues what arrives, as it
// would have without direct reads.
func TestDirectReadReaderResumes(t *testing.T) {
	push := newSocket(t, Push, Options{})
	pull := newSocket(t, Pull, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	e := engage(t, push, pull)
	const n = 500
	for i := range n {
		require.NoError(t, push.Send(ctxT(t), NewMsg([]byte{byte(i)})))
	}
	require.Eventually(t, func() bool { return e.p.in.Len() == n }, 10*time.Second, time.Millisecond,
		"the reader did not queue the messages nobody received")
	for i := range n {
		m, err := pull.Recv(ctxT(t))
		require.NoError(t, err)
		require.Equal(t, []byte{byte(i)}, m.Frames[0])
	}
}

// TestDirectReadAnswersPings checks that a Recv waiting in its connection answers
// the peer's PINGs: a server that takes many heartbeat intervals to reply keeps its
// client.
func TestDirectReadAnswersPings(t *testing.T) {
	hb := Options{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 2 * time.Second}
	rep := newSocket(t, Rep, hb)
	req := newSocket(t, Req, Options{})
	connect(t, req, bind(t, rep, "tcp"))
	ctx := ctxT(t)
	// REQ's reader stays parked once it parks, so only a waiting Recv reads: PINGs
	// that arrive between round trips wait for the next one, well within the timeout.
	e := soloEngine(t, req)
	e.holdParked.Store(true)
	for i := 0; e.directReads.Load() == 0; i++ { // round trips until REQ reads directly
		require.Less(t, i, 1000, "REQ never read its connection itself")
		require.NoError(t, req.Send(ctx, NewMsg([]byte{byte(i)})))
		m, err := rep.Recv(ctx)
		require.NoError(t, err)
		require.NoError(t, rep.Send(ctx, m))
		_, err = req.Recv(ctx)
		require.NoError(t, err)
	}
	framesBefore := soloEngine(t, rep).frames.Load()
	require.NoError(t, req.Send(ctx, NewMsg([]byte("slow"))))
	m, err := rep.Recv(ctx)
	require.NoError(t, err)
	reply := make(chan error, 1)
	go func() {
		got, err := req.Recv(ctx)
		if err == nil && string(got.Frames[0]) != "slow" {
			err = fmt.Errorf("reply %q", got.Frames[0])
		}
		reply <- err
	}()
	// While REQ waits in its connection, the PONGs it sends for forty PINGs are
	// counted by REP's engine as frames.
	require.Eventually(t, func() bool { return req.reading.Load() != nil }, 10*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return soloEngine(t, rep).frames.Load() >= framesBefore+40 },
		10*time.Second, time.Millisecond, "REQ answered no PINGs")
	require.NotNil(t, req.reading.Load(), "REQ stopped reading directly")
	require.Equal(t, 1, rep.Stats().Peers)
	require.NoError(t, rep.Send(ctx, m))
	require.NoError(t, <-reply)
}

// TestDirectReadLargeAndSmall checks the order of messages when some are larger than
// the read buffer, which only the reader goroutine reads, and others small.
func TestDirectReadLargeAndSmall(t *testing.T) {
	push := newSocket(t, Push, Options{})
	pull := newSocket(t, Pull, Options{})
	connect(t, push, bind(t, pull, "ipc"))
	engageDirect(t, push, pull)
	ctx := ctxT(t)
	big := make([]byte, 200<<10)
	go func() {
		for i := range 200 {
			body := []byte{byte(i)}
			if i%7 == 3 {
				body = append(big[:0:0], big...)
				body[0] = byte(i)
			}
			if push.Send(ctx, NewMsg(body)) != nil {
				return
			}
		}
	}()
	for i := range 200 {
		m, err := pull.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, byte(i), m.Frames[0][0], "message %d", i)
		if i%7 == 3 {
			require.Len(t, m.Frames[0], len(big))
		}
	}
}

// TestDirectReadOrderAcrossHandOvers alternates between a receiver that keeps up
// (direct reads) and one that stops until the reader goroutine has queued messages,
// and checks that every message arrives once, in order.
func TestDirectReadOrderAcrossHandOvers(t *testing.T) {
	push := newSocket(t, Push, Options{})
	pull := newSocket(t, Pull, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	e := engage(t, push, pull)
	ctx := ctxT(t)
	const n = 20000
	go func() {
		for i := range n {
			if push.Send(ctx, NewMsg([]byte(strconv.Itoa(i)))) != nil {
				return
			}
		}
	}()
	for i := range n {
		if i%2000 == 1000 {
			require.Eventually(t, func() bool { return e.p.in.Len() > 0 }, 10*time.Second, time.Millisecond)
		}
		m, err := pull.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(i), string(m.Frames[0]))
		m.Release()
	}
}

// TestDirectReadCancel checks that cancelling Recv's context ends a direct read, for a
// context used once and for one a receiving loop shares.
func TestDirectReadCancel(t *testing.T) {
	a := newSocket(t, Pair, Options{})
	b := newSocket(t, Pair, Options{})
	connect(t, b, bind(t, a, "tcp"))
	engageDirect(t, a, b)
	loop, stop := context.WithCancel(context.Background())
	for i := range 3 { // a loop's context, registered once
		require.NoError(t, a.Send(ctxT(t), NewMsg([]byte{byte(i)})))
		m, err := b.Recv(loop)
		require.NoError(t, err)
		require.Equal(t, []byte{byte(i)}, m.Frames[0])
	}
	errc := make(chan error, 1)
	go func() {
		_, err := b.Recv(loop)
		errc <- err
	}()
	require.Eventually(t, func() bool { return b.reading.Load() != nil }, 10*time.Second, time.Millisecond)
	stop()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Recv did not return after its context was cancelled")
	}
	// The stream is intact.
	require.NoError(t, a.Send(ctxT(t), NewMsg([]byte("after"))))
	require.Equal(t, []string{"after"}, recvStrings(t, b))
}

// TestDirectReadAllocatesNothing checks that round trips with direct reads on both
// sides allocate nothing once warm.
func TestDirectReadAllocatesNothing(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector allocates; make test runs this without it")
	}
	rep := newSocket(t, Rep, Options{})
	req := newSocket(t, Req, Options{})
	connect(t, req, bind(t, rep, "tcp"))
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		for {
			m, err := rep.Recv(ctx)
			if err != nil {
				done <- nil
				return
			}
			if err := rep.Send(ctx, m); err != nil {
				done <- err
				return
			}
		}
	}()
	request := Msg{Frames: [][]byte{make([]byte, 64)}}
	roundTrip := func() {
		if err := req.Send(ctx, request); err != nil {
			t.Fatal(err)
		}
		reply, err := req.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reply.Release()
	}
	// Round trips until REQ reads directly: on a loaded machine the first replies
	// can be queued by the reader before Recv asks.
	e := soloEngine(t, req)
	for i := 0; i < 200 || e.directReads.Load() == 0; i++ {
		require.Less(t, i, 2000, "Recv never read the connection itself")
		roundTrip()
	}
	// Pools may refill once in a while; a per-message allocation would show as 1 or more.
	require.Less(t, testing.AllocsPerRun(500, roundTrip), 0.1)
	require.NoError(t, rep.Close())
	require.NoError(t, <-done)
}

// TestReplyThenStream mixes replies, which the caller writes itself, with streams of
// Sends, which the writer batches, on a ROUTER and a DEALER, and checks that every
// message arrives once and in order.
func TestReplyThenStream(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			router := newSocket(t, Router, Options{})
			dealer := newSocket(t, Dealer, Options{})
			connect(t, dealer, bind(t, router, tr))
			ctx := ctxT(t)
			for round := range 20 {
				require.NoError(t, dealer.Send(ctx, NewMsg([]byte("request"))))
				req, err := router.Recv(ctx)
				require.NoError(t, err)
				id := req.Frames[0]
				// A reply, then round*10 more messages in a row.
				for i := range 1 + round*10 {
					require.NoError(t, router.Send(ctx, NewMsg(id, []byte(strconv.Itoa(i)))))
				}
				for i := range 1 + round*10 {
					m, err := dealer.Recv(ctx)
					require.NoError(t, err)
					require.Equal(t, strconv.Itoa(i), string(m.Frames[0]), "round %d", round)
				}
			}
		})
	}
}

// TestParkedReaderAnswersPings checks that PINGs are answered while the application
// is busy between Recvs: the parked reader goes back to reading when bytes wait.
func TestParkedReaderAnswersPings(t *testing.T) {
	hb := Options{HeartbeatInterval: 10 * time.Millisecond, HeartbeatTimeout: 300 * time.Millisecond}
	push := newSocket(t, Push, hb)
	pull := newSocket(t, Pull, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	e := engage(t, push, pull)
	framesBefore := soloEngine(t, push).frames.Load()
	// The application does not call Recv: PONGs keep coming all the same.
	require.Eventually(t, func() bool { return soloEngine(t, push).frames.Load() >= framesBefore+20 },
		10*time.Second, time.Millisecond, "the parked reader answered no PINGs")
	require.Equal(t, 1, push.Stats().Peers)
	require.False(t, e.wantDirect.Load(), "the reader is still parked")
}

// TestDirectReadTimeoutsMidMessage receives 40 KiB messages with contexts so short
// that many direct reads are kicked while a message is half read, in the middle of a
// ZMTP or WebSocket frame, and checks that every message arrives whole and in order.
func TestDirectReadTimeoutsMidMessage(t *testing.T) {
	for _, c := range directCases(t) {
		t.Run(c.name, func(t *testing.T) {
			a := newSocket(t, Pair, Options{Mechanism: c.server})
			b := newSocket(t, Pair, Options{Mechanism: c.client})
			connect(t, b, bind(t, a, c.transport))
			engageDirect(t, a, b)
			const n, size = 300, 40 << 10
			go func() {
				for i := range n {
					body := make([]byte, size)
					for j := range body {
						body[j] = byte(i + j)
					}
					// A short frame on either side: over CURVE the first is opened
					// before the rest has arrived, and kept across a timeout.
					m := NewMsg([]byte{'h', byte(i)}, body, []byte{'t', byte(i)})
					if a.Send(ctxT(t), m) != nil {
						return
					}
				}
			}()
			deadline := time.Now().Add(30 * time.Second)
			timeouts := 0
			for i := 0; i < n; {
				require.True(t, time.Now().Before(deadline), "received %d of %d", i, n)
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Microsecond)
				m, err := b.Recv(ctx)
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					timeouts++
					continue
				}
				require.NoError(t, err)
				require.Len(t, m.Frames, 3, "message %d", i)
				require.Equal(t, []byte{'h', byte(i)}, m.Frames[0], "message %d", i)
				require.Equal(t, []byte{'t', byte(i)}, m.Frames[2], "message %d", i)
				require.Len(t, m.Frames[1], size, "message %d", i)
				for j, c := range m.Frames[1] {
					if c != byte(i+j) {
						t.Fatalf("message %d byte %d is %d, want %d", i, j, c, byte(i+j))
					}
				}
				i++
			}
			t.Logf("%d receives timed out", timeouts)
		})
	}
}

// TestParkedReaderHoldsLeaseWhileRecvWaits checks that a Recv waiting long in its
// connection costs no wake-ups: the parked reader's lease, run out once, waits for
// the direct read to end instead of ticking. Once the read ends the lease runs again,
// and a reader whose application stops calling Recv takes the connection back.
func TestParkedReaderHoldsLeaseWhileRecvWaits(t *testing.T) {
	// The hook is set before the sockets exist and cleared after they are closed
	// (cleanups run last first), so that no reader reads it while it changes.
	var target atomic.Pointer[engine]
	var ended atomic.Int64
	testHookLeaseEnded = func(x *engine) {
		if x == target.Load() {
			ended.Add(1)
		}
	}
	t.Cleanup(func() { testHookLeaseEnded = nil })

	push := newSocket(t, Push, Options{})
	pull := newSocket(t, Pull, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	// The reader stays parked however slowly the test runs until the Recv below
	// reads directly; from then on its lease is its own again.
	e := engageDirect(t, push, pull)
	target.Store(e)

	got := make(chan error, 1)
	go func() {
		m, err := pull.Recv(ctxT(t))
		if err == nil && string(m.Frames[0]) != "late" {
			err = fmt.Errorf("received %q", m.Frames[0])
		}
		got <- err
	}()
	require.Eventually(t, func() bool { return e.directReads.Load()%2 == 1 },
		10*time.Second, time.Millisecond, "the Recv did not read the connection itself")
	e.holdParked.Store(false)
	// The lease runs out during the Recv's wait and is held.
	require.Eventually(t, func() bool { return e.leaseHeld.Load() },
		10*time.Second, time.Millisecond, "the lease was never held for the waiting Recv")
	held := ended.Load()
	// Fifteen leases' time with the Recv still waiting: a lease renewed on a timer
	// would have run out about fifteen times more.
	time.Sleep(15 * directLease)
	require.Equal(t, held, ended.Load(), "the lease kept running out while the Recv waited")
	require.True(t, e.leaseHeld.Load())

	require.NoError(t, push.Send(ctxT(t), NewMsg([]byte("late"))))
	require.NoError(t, <-got)
	// Nobody calls Recv now: the lease runs again, and at its end the reader reads
	// and queues what comes.
	const n = 5
	for i := range n {
		require.NoError(t, push.Send(ctxT(t), NewMsg([]byte{byte(i)})))
	}
	require.Eventually(t, func() bool { return e.p.in.Len() == n }, 10*time.Second, time.Millisecond,
		"the reader did not take the connection back after the held lease")
	require.Greater(t, ended.Load(), held, "the lease did not run again")
}
