package socket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pollNow returns what p reports ready without waiting (a context already done).
func pollNow(t testing.TB, p *Poller) []Polled {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := p.Wait(ctx)
	if len(got) == 0 {
		require.ErrorIs(t, err, context.Canceled)
	} else {
		require.NoError(t, err)
	}
	return got
}

// pollUntil waits, with a generous deadline, until p reports something.
func pollUntil(t testing.TB, p *Poller) []Polled {
	t.Helper()
	got, err := p.Wait(ctxT(t))
	require.NoError(t, err)
	require.NotEmpty(t, got)
	return got
}

// eventsOf returns the events reported for s in got.
func eventsOf(got []Polled, s *Socket) PollEvents {
	for _, g := range got {
		if g.Socket == s {
			return g.Events
		}
	}
	return 0
}

// readyNow reports what s alone is ready for now, of events.
func readyNow(t testing.TB, s *Socket, events PollEvents) PollEvents {
	t.Helper()
	p := NewPoller()
	p.Add(s, events)
	return eventsOf(pollNow(t, p), s)
}

// waitReady waits until s is ready for want.
func waitReady(t testing.TB, s *Socket, want PollEvents) {
	t.Helper()
	p := NewPoller()
	p.Add(s, want)
	got, err := p.Wait(ctxT(t))
	require.NoError(t, err, "%v never became ready for %v", s.Type(), want)
	require.Equal(t, want, eventsOf(got, s))
}

// doneCtx returns a context that has ended: Send and Recv with it succeed only when
// they need not wait.
func doneCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// notWatched checks that no Poller hook is left on s.
func notWatched(t testing.TB, s *Socket) {
	t.Helper()
	s.sig.Lock()
	n := len(s.watchers)
	s.sig.Unlock()
	require.Zero(t, n, "hooks left on the socket")
	require.False(t, s.watched.Load())
}

func TestPollEventsString(t *testing.T) {
	require.Equal(t, "none", PollEvents(0).String())
	require.Equal(t, "in", PollIn.String())
	require.Equal(t, "in|out", (PollIn | PollOut).String())
	require.Equal(t, "out|closed", (PollOut | PollClosed).String())
	require.Equal(t, "in|?", (PollIn | 1<<6).String())
}

func TestPollerPushPull(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		push := newSocket(t, Push, Options{})
		require.Zero(t, readyNow(t, push, PollIn|PollOut), "PUSH without a peer")
		require.Zero(t, readyNow(t, pull, PollIn|PollOut), "PULL with nothing queued")

		connect(t, push, bind(t, pull, tr))
		waitReady(t, push, PollOut)
		require.Equal(t, PollOut, readyNow(t, push, PollIn|PollOut), "PUSH never receives")

		send(t, push, "a")
		send(t, push, "b")
		waitReady(t, pull, PollIn)
		require.Equal(t, PollIn, readyNow(t, pull, PollIn|PollOut), "PULL never sends")
		for _, want := range []string{"a", "b"} {
			waitReady(t, pull, PollIn)
			m, err := pull.Recv(doneCtx())
			require.NoError(t, err, "PollIn, yet Recv would wait")
			require.Equal(t, want, string(m.Frames[0]))
		}
		require.Zero(t, readyNow(t, pull, PollIn), "PULL after reading everything")
		notWatched(t, pull)
		notWatched(t, push)
	})
}

func TestPollerReqRep(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		req := newSocket(t, Req, Options{})
		connect(t, req, bind(t, rep, tr))

		require.Zero(t, readyNow(t, rep, PollOut), "REP with no request to answer")
		waitReady(t, req, PollOut)
		require.Zero(t, readyNow(t, req, PollIn), "REQ with no request out")

		send(t, req, "ping")
		require.Zero(t, readyNow(t, req, PollOut), "REQ with a request out")
		waitReady(t, rep, PollIn)
		require.Zero(t, readyNow(t, rep, PollOut), "REP before it received")
		m, err := rep.Recv(doneCtx())
		require.NoError(t, err)
		require.Equal(t, "ping", string(m.Frames[0]))
		require.Equal(t, PollOut, readyNow(t, rep, PollIn|PollOut), "REP between request and reply")

		require.NoError(t, rep.Send(doneCtx(), NewMsgString("pong")), "REP's reply never waits")
		require.Zero(t, readyNow(t, rep, PollOut), "REP after replying")
		waitReady(t, req, PollIn)
		require.Zero(t, readyNow(t, req, PollOut), "REQ whose reply is waiting")
		m, err = req.Recv(doneCtx())
		require.NoError(t, err)
		require.Equal(t, "pong", string(m.Frames[0]))
		require.Equal(t, PollOut, readyNow(t, req, PollIn|PollOut), "REQ after its reply")
	})
}

func TestPollerDealerRouter(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		dealer := newSocket(t, Dealer, Options{RoutingID: []byte("d1")})
		require.Equal(t, PollOut, readyNow(t, router, PollIn|PollOut), "a ROUTER drops what it cannot route")
		require.Zero(t, readyNow(t, dealer, PollOut), "DEALER without a peer")

		connect(t, dealer, bind(t, router, tr))
		waitReady(t, dealer, PollOut)
		send(t, dealer, "hello")
		waitReady(t, router, PollIn)
		require.Equal(t, []string{"d1", "hello"}, recvStrings(t, router))
		require.Zero(t, readyNow(t, router, PollIn))

		send(t, router, "d1", "back")
		waitReady(t, dealer, PollIn)
		m, err := dealer.Recv(doneCtx())
		require.NoError(t, err)
		require.Equal(t, "back", string(m.Frames[0]))
	})
}

func TestPollerRouterMandatory(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{RouterMandatory: true})
		require.Zero(t, readyNow(t, router, PollOut), "mandatory ROUTER without peers")
		dealer := newSocket(t, Dealer, Options{RoutingID: []byte("d1")})
		connect(t, dealer, bind(t, router, tr))
		waitReady(t, router, PollOut)
		require.NoError(t, router.Send(doneCtx(), NewMsgString("d1", "x")))
	})
}

func TestPollerPair(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Pair, Options{})
		b := newSocket(t, Pair, Options{})
		connect(t, b, bind(t, a, tr))
		waitReady(t, a, PollOut)
		require.Zero(t, readyNow(t, b, PollIn))
		send(t, a, "x")
		waitReady(t, b, PollIn)
		require.Equal(t, PollIn|PollOut, readyNow(t, b, PollIn|PollOut))
	})
}

// TestPollerSubFilters checks that a SUB is ready only for a message it subscribed to:
// the Poller asks SUB's filter, not the queue's length.
func TestPollerSubFilters(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pub := newSocket(t, Pub, Options{})
		sub := newSocket(t, Sub, Options{})
		require.NoError(t, sub.Subscribe([]byte("a")))
		require.NoError(t, sub.Subscribe([]byte("b")))
		connect(t, sub, bind(t, pub, tr))
		require.Equal(t, PollOut, readyNow(t, pub, PollIn|PollOut), "PUB never receives, and drops rather than wait")
		require.Zero(t, readyNow(t, sub, PollIn|PollOut), "SUB never sends")
		waitSubscribed(t, pub, "a")
		waitSubscribed(t, pub, "b")

		for i := 0; i < 5; i++ {
			send(t, pub, "b-unwanted")
		}
		require.Eventually(t, func() bool { return queuedIn(sub) == 5 }, 10*time.Second, time.Millisecond)
		// Five messages are queued, but none the SUB still wants once it drops "b"
		// (its own filter changes at once; the publisher hears later).
		require.NoError(t, sub.Unsubscribe([]byte("b")))
		p := NewPoller()
		p.Add(sub, PollIn)
		require.Empty(t, pollNow(t, p), "a SUB holding only unsubscribed topics")
		require.Equal(t, uint64(5), sub.Stats().Drops.Filtered, "the unwanted messages were dropped, as Recv would")

		send(t, pub, "a-wanted")
		got := pollUntil(t, p)
		require.Equal(t, PollIn, eventsOf(got, sub))
		m, err := sub.Recv(doneCtx())
		require.NoError(t, err)
		require.Equal(t, "a-wanted", string(m.Frames[0]))
		require.Empty(t, pollNow(t, p))
	})
}

// waitSubscribed waits until every subscriber of pub has subscribed to topic.
func waitSubscribed(t testing.TB, pub *Socket, topic string) {
	t.Helper()
	require.Eventually(t, func() bool {
		pub.mu.Lock()
		defer pub.mu.Unlock()
		pub.drainLocked()
		x := pub.proto.(*pubProto)
		for _, p := range x.pipes {
			if !x.subs.Has([]byte(topic), p) {
				return false
			}
		}
		return len(x.pipes) > 0
	}, 10*time.Second, time.Millisecond, "subscription to %q never arrived", topic)
}

// queuedIn returns the number of messages s holds from all its peers.
func queuedIn(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drainLocked()
	n := 0
	for p := range s.pipes {
		n += p.inLen()
	}
	return n
}

func TestPollerXPubXSub(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{})
		xsub := newSocket(t, XSub, Options{})
		require.Equal(t, PollOut, readyNow(t, xsub, PollIn|PollOut), "an XSUB's sends never wait")
		require.Zero(t, readyNow(t, xpub, PollIn))
		connect(t, xsub, bind(t, xpub, tr))
		send(t, xsub, "\x01news")
		waitReady(t, xpub, PollIn)
		require.Equal(t, []string{"\x01news"}, recvStrings(t, xpub))
		send(t, xpub, "news 1")
		waitReady(t, xsub, PollIn)
		require.Equal(t, []string{"news 1"}, recvStrings(t, xsub))
	})
}

// TestPollerHWM fills a PUSH's queue over inproc, where the queue is shared with the
// peer and so exact, and checks that PollOut follows it: off when a Send would wait,
// on again once the puller drains it.
func TestPollerHWM(t *testing.T) {
	for _, policy := range []FullPolicy{Block, Fail} {
		t.Run(policy.String(), func(t *testing.T) {
			pull := newSocket(t, Pull, Options{RecvHWM: 4})
			push := newSocket(t, Push, Options{SendHWM: 4, WhenFull: policy})
			connect(t, push, bind(t, pull, "inproc"))
			waitReady(t, push, PollOut)
			sent := 0
			for readyNow(t, push, PollOut) != 0 {
				require.NoError(t, push.Send(doneCtx(), NewMsgString("x")), "PollOut, yet Send failed")
				sent++
				require.Less(t, sent, 100, "the queue never filled")
			}
			err := push.Send(doneCtx(), NewMsgString("x"))
			require.Error(t, err, "no PollOut, yet Send did not wait")
			if policy == Fail {
				require.ErrorIs(t, err, ErrQueueFull)
			}

			p := NewPoller()
			p.Add(push, PollOut)
			var got []Polled
			var werr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				got, werr = p.Wait(ctxT(t))
			}()
			for range sent {
				recvStrings(t, pull)
			}
			<-done
			require.NoError(t, werr)
			require.Equal(t, PollOut, eventsOf(got, push))
			require.NoError(t, push.Send(doneCtx(), NewMsgString("x")))
		})
	}
}

// TestPollerDropPolicyAlwaysWritable: under the drop policies Send never waits.
func TestPollerDropPolicyAlwaysWritable(t *testing.T) {
	for _, policy := range []FullPolicy{DropNewest, DropOldest} {
		push := newSocket(t, Push, Options{WhenFull: policy})
		require.Equal(t, PollOut, readyNow(t, push, PollOut), "%v without peers", policy)
		require.NoError(t, push.Send(doneCtx(), NewMsgString("x")))
	}
}

// TestPollerExact checks the promise on random traffic: whatever the Poller reports,
// Recv or Send with a context already done then succeeds.
func TestPollerExact(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		ep := bind(t, router, tr)
		var reqs []*Socket
		p := NewPoller()
		p.Add(router, PollIn)
		for i := 0; i < 4; i++ {
			req := newSocket(t, Req, Options{SendHWM: 2})
			connect(t, req, ep)
			p.Add(req, PollIn|PollOut)
			reqs = append(reqs, req)
		}
		replies := 0
		for replies < 40 {
			got := pollUntil(t, p)
			for _, g := range got {
				s := g.Socket
				if g.Events&PollIn != 0 {
					m, err := s.Recv(doneCtx())
					require.NoError(t, err, "%v reported PollIn", s.Type())
					if s == router {
						m.Frames[len(m.Frames)-1] = []byte("reply")
						require.NoError(t, router.Send(doneCtx(), m))
					} else {
						require.Equal(t, "reply", string(m.Frames[0]))
						replies++
					}
				}
				if g.Events&PollOut != 0 && s != router {
					require.NoError(t, s.Send(doneCtx(), NewMsgString("request")), "REQ reported PollOut")
				}
			}
		}
	})
}

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
		var got []Polled
		for len(got) == 0 {
			select {
			case <-w.C:
				got = w.Ready()
			case <-timeout:
				t.Fatal("the Watcher never fired")
			}
		}
		require.Equal(t, []Polled{{Socket: pull, Events: PollIn}}, got)
		recvStrings(t, pull)

		// Level-triggered: C fires again after a Ready that found something, and the
		// socket, still holding a message, is reported again.
		select {
		case <-w.C:
		case <-timeout:
			t.Fatal("no second value after a Ready that reported a socket")
		}
		require.Equal(t, []Polled{{Socket: pull, Events: PollIn}}, w.Ready())
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
