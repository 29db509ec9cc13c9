package socket

import (
	"context"
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
		require.Eventually(t, func() bool { return heldIn(sub) == 5 }, 10*time.Second, time.Millisecond)
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

// heldIn returns the number of messages s holds from all its peers.
func heldIn(s *Socket) int {
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
	for _, policy := range []FullPolicy{PolicyBlock, PolicyFail} {
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
			if policy == PolicyFail {
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
	for _, policy := range []FullPolicy{PolicyDropNewest, PolicyDropOldest} {
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
		p := NewPoller()
		p.Add(router, PollIn)
		for i := 0; i < 4; i++ {
			req := newSocket(t, Req, Options{SendHWM: 2})
			connect(t, req, ep)
			p.Add(req, PollIn|PollOut)
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
