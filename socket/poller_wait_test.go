package socket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Tests of Wait itself: deadlines, wake-ups, many sockets, changes while waiting,
// several waiters, Watchers, allocations and races. The readiness of each socket type
// is in poller_test.go.

func TestPollerWaitDeadline(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	p := NewPoller()
	p.Add(pull, PollIn)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	got, err := p.Wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Empty(t, got)
	require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
	notWatched(t, pull)

	// An empty Poller waits for ctx too.
	got, err = NewPoller().Wait(doneCtx())
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, got)
}

// waitWatched waits until a Wait in progress has hooked s: from then on it is
// asleep, or about to be, and only a change on the socket can wake it.
func waitWatched(t testing.TB, s *Socket) {
	t.Helper()
	require.Eventually(t, s.watched.Load, 10*time.Second, time.Millisecond)
}

// startWait runs p.Wait on another goroutine; the channel yields its result.
func startWait(t testing.TB, p *Poller) <-chan []Polled {
	ch := make(chan []Polled, 1)
	ctx := ctxT(t)
	go func() {
		got, err := p.Wait(ctx)
		if err != nil {
			got = nil
		}
		ch <- got
	}()
	return ch
}

func TestPollerWakesOnArrival(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pulls := make([]*Socket, 3)
		pushes := make([]*Socket, 3)
		p := NewPoller()
		for i := range pulls {
			pulls[i] = newSocket(t, Pull, Options{})
			pushes[i] = newSocket(t, Push, Options{})
			connect(t, pushes[i], bind(t, pulls[i], tr))
			p.Add(pulls[i], PollIn)
		}
		for i := range pushes {
			waitReady(t, pushes[i], PollOut)
		}
		res := startWait(t, p)
		for _, s := range pulls {
			waitWatched(t, s)
		}
		send(t, pushes[1], "wake")
		got := <-res
		require.Len(t, got, 1)
		require.Equal(t, pulls[1], got[0].Socket)
		require.Equal(t, PollIn, got[0].Events)
		for _, s := range pulls {
			notWatched(t, s)
		}
	})
}

// TestPollerManySockets waits on 60 sockets at once and gets exactly the ones sent to.
func TestPollerManySockets(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		const n = 60
		p := NewPoller()
		pulls := make([]*Socket, n)
		for i := range pulls {
			pulls[i] = newSocket(t, Pull, Options{})
			bind(t, pulls[i], tr)
			p.Add(pulls[i], PollIn)
		}
		require.Equal(t, n, p.Len())
		// Send to every seventh, each through its own PUSH.
		want := map[*Socket]bool{}
		for i := 0; i < n; i += 7 {
			s := newSocket(t, Push, Options{})
			connect(t, s, pulls[i].LastEndpoint())
			send(t, s, fmt.Sprint(i))
			want[pulls[i]] = true
		}
		seen := map[*Socket]bool{}
		ctx := ctxT(t)
		for len(seen) < len(want) {
			got, err := p.Wait(ctx)
			require.NoError(t, err, "saw %d of %d", len(seen), len(want))
			for _, g := range got {
				require.True(t, want[g.Socket], "a socket nothing was sent to is ready")
				require.Equal(t, PollIn, g.Events)
				seen[g.Socket] = true
				recvStrings(t, g.Socket)
			}
		}
		require.Empty(t, pollNow(t, p))
	})
}

func TestPollerRemoveAndAddWhileWaiting(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Pull, Options{})
		b := newSocket(t, Pull, Options{})
		pushA := newSocket(t, Push, Options{})
		pushB := newSocket(t, Push, Options{})
		connect(t, pushA, bind(t, a, tr))
		connect(t, pushB, bind(t, b, tr))
		waitReady(t, pushA, PollOut)
		waitReady(t, pushB, PollOut)

		p := NewPoller()
		p.Add(a, PollIn)
		res := startWait(t, p)
		waitWatched(t, a)
		p.Remove(a)
		notWatched(t, a) // Remove unhooks a Wait in progress at once
		p.Remove(a)      // a second time does nothing
		require.Zero(t, p.Len())

		// A message for the removed socket must not end the Wait.
		send(t, pushA, "ignored")
		waitReady(t, a, PollIn)
		select {
		case got := <-res:
			t.Fatalf("Wait returned %v for a removed socket", got)
		default:
		}

		// Adding a socket that is ready already ends it.
		send(t, pushB, "b")
		waitReady(t, b, PollIn)
		p.Add(b, PollIn)
		got := <-res
		require.Len(t, got, 1)
		require.Equal(t, b, got[0].Socket)
		recvStrings(t, b)

		// Changing the events of a socket in the Poller applies to a Wait in progress.
		p.Add(a, 0)
		res = startWait(t, p)
		waitWatched(t, a)
		p.Add(a, PollIn)
		got = <-res
		require.Equal(t, PollIn, eventsOf(got, a))
	})
}

func TestPollerCloseWhileWaiting(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Pull, Options{})
		b := newSocket(t, Pull, Options{})
		bind(t, a, tr)
		p := NewPoller()
		p.Add(a, PollIn)
		p.Add(b, 0)
		res := startWait(t, p)
		waitWatched(t, a)
		waitWatched(t, b)
		require.NoError(t, a.Close())
		got := <-res
		require.Equal(t, []Polled{{Socket: a, Events: PollClosed}}, got)
		require.Equal(t, 1, p.Len(), "the closed socket leaves the Poller")

		// A socket closed before the Wait is reported at once, even with no events asked.
		require.NoError(t, b.Close())
		require.Equal(t, []Polled{{Socket: b, Events: PollClosed}}, pollNow(t, p))
		require.Zero(t, p.Len())
	})
}

// TestPollerConcurrentWaiters: several goroutines waiting on one Poller all see the
// socket that becomes ready, since nobody takes its message.
func TestPollerConcurrentWaiters(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		push := newSocket(t, Push, Options{})
		connect(t, push, bind(t, pull, tr))
		waitReady(t, push, PollOut)
		p := NewPoller()
		p.Add(pull, PollIn)
		const waiters = 4
		results := make([]<-chan []Polled, waiters)
		for i := range results {
			results[i] = startWait(t, p)
		}
		require.Eventually(t, func() bool {
			pull.sig.Lock()
			defer pull.sig.Unlock()
			return len(pull.watchers) == waiters
		}, 10*time.Second, time.Millisecond)
		send(t, push, "x")
		for _, r := range results {
			got := <-r
			require.Equal(t, PollIn, eventsOf(got, pull))
		}
		notWatched(t, pull)
	})
}

// TestPollerStateChangeWakes: a REP answered by another goroutine becomes readable for
// its next queued request, and a REQ whose reply another goroutine took becomes
// writable. Neither is a pipe event; Send and Recv must wake the Poller themselves.
func TestPollerStateChangeWakes(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		ep := bind(t, rep, tr)
		req1 := newSocket(t, Req, Options{})
		req2 := newSocket(t, Req, Options{})
		connect(t, req1, ep)
		connect(t, req2, ep)
		send(t, req1, "one")
		send(t, req2, "two")
		answered := req1 // the REQ whose request REP takes first
		if recvStrings(t, rep)[0] == "two" {
			answered = req2
		}
		// The second request must be queued before the Wait starts.
		require.Eventually(t, func() bool {
			rep.mu.Lock()
			defer rep.mu.Unlock()
			rep.drainLocked()
			return rep.proto.(*repProto).in.ready(nil, nil)
		}, 10*time.Second, time.Millisecond)

		p := NewPoller()
		p.Add(rep, PollIn)
		res := startWait(t, p)
		waitWatched(t, rep)
		send(t, rep, "answer") // from this goroutine, not the waiting one
		got := <-res
		require.Equal(t, PollIn, eventsOf(got, rep))

		p = NewPoller()
		p.Add(answered, PollOut)
		waitReady(t, answered, PollIn)
		res = startWait(t, p)
		waitWatched(t, answered)
		recvStrings(t, answered)
		got = <-res
		require.Equal(t, PollOut, eventsOf(got, answered))
	})
}

func TestPollerWatcher(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		push := newSocket(t, Push, Options{})
		connect(t, push, bind(t, pull, tr))
		waitReady(t, push, PollOut)
		p := NewPoller()
		p.Add(pull, PollIn)
		w := p.Watch()
		defer w.Stop()

		<-w.C // fires at once, for the first look
		require.Empty(t, w.Ready())

		send(t, push, "1")
		send(t, push, "2")
		timeout := time.After(10 * time.Second)
		// nextReady waits for a value of C whose Ready finds something.
		nextReady := func(what string) []Polled {
			for {
				select {
				case <-w.C:
					if got := w.Ready(); len(got) > 0 {
						return got
					}
				case <-timeout:
					t.Fatal(what)
				}
			}
		}
		require.Equal(t, []Polled{{Socket: pull, Events: PollIn}}, nextReady("the Watcher never fired"))
		recvStrings(t, pull)

		// Level-triggered: C fires again after a Ready that found something, and the
		// socket is reported again while it holds a message. Over a network transport
		// the second message may still be on its way when that value comes (a Ready
		// then finds nothing); its arrival makes C fire once more.
		require.Equal(t, []Polled{{Socket: pull, Events: PollIn}}, nextReady("no second value after a Ready that reported a socket"))
		recvStrings(t, pull)
		<-w.C
		require.Empty(t, w.Ready())

		w.Stop()
		w.Stop()
		notWatched(t, pull)
		require.Empty(t, w.Ready())
	})
}

// TestPollerWaitAllocs: a loop that reuses its slice waits without allocating when a
// socket is ready.
func TestPollerWaitAllocs(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{})
	connect(t, push, bind(t, pull, "inproc"))
	send(t, push, "x")
	waitReady(t, pull, PollIn)
	p := NewPoller()
	p.Add(pull, PollIn)
	p.Add(push, PollOut)
	dst := make([]Polled, 0, 4)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		dst, err = p.AppendWait(ctx, dst[:0])
		if err != nil || len(dst) != 2 {
			panic(fmt.Sprint(dst, err))
		}
	})
	require.Zero(t, allocs)
}

// TestPollerRace hammers one Poller from several goroutines while sockets come, go
// and carry traffic; run with -race it checks the locking.
func TestPollerRace(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{})
	connect(t, push, bind(t, pull, "inproc"))
	p := NewPoller()
	p.Add(pull, PollIn)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for ctx.Err() == nil {
				got, _ := p.Wait(ctx)
				for _, g := range got {
					g.Socket.Recv(doneCtx())
				}
			}
		})
	}
	wg.Go(func() {
		for i := 0; ctx.Err() == nil && i < 100000; i++ {
			push.Send(ctx, NewMsgString("x"))
		}
	})
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			extra, err := New(Pull, Options{})
			if err != nil {
				panic(err)
			}
			p.Add(extra, PollIn)
			if i%2 == 0 {
				extra.Close()
			}
			w := p.Watch()
			w.Ready()
			p.Remove(extra)
			w.Stop()
			extra.Close()
		}
	})
	wg.Wait()
	notWatched(t, pull)
}
