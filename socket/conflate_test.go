package socket

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// queuedIn returns the first frame of the message at the head of each of s's pipes'
// receive queues, and the longest queue's length.
func queuedIn(s *Socket) (heads []string, longest int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drainLocked()
	for p := range s.pipes {
		longest = max(longest, p.in.Len())
		if m, ok := p.in.Peek(); ok {
			heads = append(heads, string(m.Frames[0]))
		}
	}
	return heads, longest
}

// waitQueuedIn waits until the head of one of s's receive queues is want.
func waitQueuedIn(t *testing.T, s *Socket, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		heads, longest := queuedIn(s)
		require.LessOrEqual(t, longest, 1, "a conflating queue holds one message")
		for _, h := range heads {
			if h == want {
				return
			}
		}
		require.False(t, time.Now().After(deadline), "no queue holds %q (heads %q)", want, heads)
		// Messages arrive on other goroutines, with no event for "queued": poll.
		time.Sleep(time.Millisecond)
	}
}

// A conflating PULL keeps only the newest of the messages that arrived while nobody
// received: Recv returns the last one and then nothing.
func TestConflateReceiver(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{Conflate: true})
		ep := bind(t, pull, tr)
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		for i := 0; i < 100; i++ {
			send(t, push, fmt.Sprint(i))
		}
		waitQueuedIn(t, pull, "99")
		require.Equal(t, uint64(99), pull.Stats().Drops.Conflated)
		require.Equal(t, []string{"99"}, recvStrings(t, pull))
		expectNothing(t, pull, 20*time.Millisecond)

		// It goes on working: the next message is delivered as it comes.
		send(t, push, "next")
		require.Equal(t, []string{"next"}, recvStrings(t, pull))
	})
}

// A conflating PUSH never blocks, whatever its high-water mark, and a peer that comes
// up late gets only the newest message.
func TestConflateSender(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		// Reserve an endpoint, then free it so that the PUSH connects to nothing.
		first := newSocket(t, Pull, Options{})
		ep := bind(t, first, tr)
		require.NoError(t, first.Close())

		push := newSocket(t, Push, Options{Conflate: true, SendHWM: 1, ReconnectInterval: 10 * time.Millisecond})
		connect(t, push, ep)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := 0; i < 10; i++ {
			require.NoError(t, push.Send(ctx, NewMsgString(fmt.Sprint(i))))
		}
		pull := newSocket(t, Pull, Options{})
		require.NoError(t, pull.Bind(ep))
		require.Equal(t, []string{"9"}, recvStrings(t, pull))
		send(t, push, "after")
		require.Equal(t, []string{"after"}, recvStrings(t, pull))
	})
}

// A conflating SUB conflates data but never its subscriptions: several subscriptions
// made at once all reach the publisher.
func TestConflateSub(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pub := newSocket(t, Pub, Options{})
		ep := bind(t, pub, tr)
		sub := newSocket(t, Sub, Options{Conflate: true})
		for _, topic := range []string{"a", "b", "c"} {
			require.NoError(t, sub.Subscribe([]byte(topic)))
		}
		connect(t, sub, ep)
		// Publish until the SUB hears "c" (its subscriptions reach PUB after the
		// connection is up); then a, b and c must all pass.
		publishUntil(t, pub, sub, "c-probe")
		drain(sub)
		for _, m := range []string{"x0", "a1", "b1", "c1"} {
			send(t, pub, m)
		}
		waitQueuedIn(t, sub, "c1")
		require.Equal(t, []string{"c1"}, recvStrings(t, sub))
		send(t, pub, "a2")
		require.Equal(t, []string{"a2"}, recvStrings(t, sub))
		send(t, pub, "b2")
		require.Equal(t, []string{"b2"}, recvStrings(t, sub))
	})
}

func TestConflateDealerPair(t *testing.T) {
	for _, typ := range []Type{Dealer, Pair} {
		t.Run(typ.String(), func(t *testing.T) {
			run(t, func(t *testing.T, tr string) {
				a := newSocket(t, typ, Options{Conflate: true})
				ep := bind(t, a, tr)
				b := newSocket(t, typ, Options{})
				connect(t, b, ep)
				for i := 0; i < 50; i++ {
					send(t, b, fmt.Sprint(i))
				}
				waitQueuedIn(t, a, "49")
				require.Equal(t, []string{"49"}, recvStrings(t, a))
			})
		})
	}
}

func TestConflateRules(t *testing.T) {
	for _, typ := range []Type{Router, Req, Rep, XPub, XSub} {
		_, err := New(typ, Options{Conflate: true})
		require.ErrorIs(t, err, ErrBadOption, "%s", typ)
	}
	push := newSocket(t, Push, Options{Conflate: true})
	pull := newSocket(t, Pull, Options{})
	connect(t, pull, bind(t, push, "inproc"))
	err := push.Send(ctxT(t), NewMsgString("two", "frames"))
	require.ErrorIs(t, err, ErrMultipartConflate)
	send(t, push, "one")
	require.Equal(t, []string{"one"}, recvStrings(t, pull))
}
