package socket

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// publishUntil publishes m until sub receives a message, which proves the subscription
// reached the publisher (the slow-joiner problem), and returns that message. It waits
// longer for each copy (5 ms, doubling up to 100 ms), so few copies are in flight when
// the first arrives; drain collects those.
func publishUntil(t testing.TB, pub, sub *Socket, frames ...string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wait := 5 * time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 100*time.Millisecond) {
		require.NoError(t, pub.Send(ctxT(t), NewMsgString(frames...)))
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			out := make([]string, len(m.Frames))
			for i, f := range m.Frames {
				out[i] = string(f)
			}
			return out
		}
	}
	t.Fatal("subscription never took effect")
	return nil
}

// drainQuiet is how long drain waits for one more message: generous, because a copy
// publishUntil sent just before the first one arrived may be delayed by a loaded
// machine (race detector, busy cores), and a copy left behind would break the next
// assertion.
const drainQuiet = 250 * time.Millisecond

// drain reads whatever is queued on s until it has been quiet for drainQuiet.
func drain(s *Socket) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), drainQuiet)
		_, err := s.Recv(ctx)
		cancel()
		if err != nil {
			return
		}
	}
}

func TestPubSubFiltering(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pub := newSocket(t, Pub, Options{})
		ep := bind(t, pub, tr)
		sub := newSocket(t, Sub, Options{})
		connect(t, sub, ep)
		require.NoError(t, sub.Subscribe([]byte("weather.")))
		require.Equal(t, []string{"weather.paris", "12"}, publishUntil(t, pub, sub, "weather.paris", "12"))
		drain(sub)

		send(t, pub, "sports.score", "1-0")
		send(t, pub, "weather.rome", "", "20")
		require.Equal(t, []string{"weather.rome", "", "20"}, recvStrings(t, sub))

		// Unsubscribing stops delivery; the marker proves later messages still flow.
		require.NoError(t, sub.Unsubscribe([]byte("weather.")))
		require.NoError(t, sub.Subscribe([]byte("marker")))
		publishUntil(t, pub, sub, "marker")
		drain(sub)
		send(t, pub, "weather.oslo", "-3")
		send(t, pub, "marker")
		require.Equal(t, []string{"marker"}, recvStrings(t, sub))
	})
}

func TestSubSubscriptionsAreCounted(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pub := newSocket(t, Pub, Options{})
		ep := bind(t, pub, tr)
		sub := newSocket(t, Sub, Options{})
		connect(t, sub, ep)
		require.NoError(t, sub.Subscribe([]byte("a")))
		require.NoError(t, sub.Subscribe([]byte("a")))
		require.NoError(t, sub.Subscribe([]byte("z")))
		publishUntil(t, pub, sub, "a1")
		drain(sub)
		// One Unsubscribe of two: still subscribed.
		require.NoError(t, sub.Unsubscribe([]byte("a")))
		publishUntil(t, pub, sub, "z")
		drain(sub)
		send(t, pub, "a2")
		require.Equal(t, []string{"a2"}, recvStrings(t, sub))
		require.NoError(t, sub.Unsubscribe([]byte("a")))
		publishUntil(t, pub, sub, "z")
		drain(sub)
		send(t, pub, "a3")
		send(t, pub, "z-end")
		require.Equal(t, []string{"z-end"}, recvStrings(t, sub))
	})
}

func TestPubFanOut(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		pub := newSocket(t, Pub, Options{})
		ep := bind(t, pub, tr)
		subs := make([]*Socket, 4)
		for i := range subs {
			subs[i] = newSocket(t, Sub, Options{})
			connect(t, subs[i], ep)
			require.NoError(t, subs[i].Subscribe(nil))
			publishUntil(t, pub, subs[i], "warmup")
		}
		for _, s := range subs {
			drain(s)
		}
		for i := 0; i < 50; i++ {
			send(t, pub, fmt.Sprint(i))
		}
		for _, s := range subs {
			for i := 0; i < 50; i++ {
				require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, s))
			}
		}
	})
}

func TestPubWithoutSubscribersDrops(t *testing.T) {
	pub := newSocket(t, Pub, Options{})
	require.NoError(t, pub.Send(context.Background(), NewMsgString("void")))
	require.Equal(t, uint64(1), pub.Stats().Drops.NoPeers)
	_, err := pub.Recv(context.Background())
	require.ErrorIs(t, err, ErrNotSupported)
	sub := newSocket(t, Sub, Options{})
	require.ErrorIs(t, sub.Send(context.Background(), NewMsgString("x")), ErrNotSupported)
	require.ErrorIs(t, pub.Subscribe([]byte("x")), ErrNotSupported)
}

func TestXPubSeesSubscriptions(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{})
		ep := bind(t, xpub, tr)
		s1 := newSocket(t, Sub, Options{})
		s2 := newSocket(t, Sub, Options{})
		connect(t, s1, ep)
		connect(t, s2, ep)
		require.NoError(t, s1.Subscribe([]byte("t")))
		require.Equal(t, []string{"\x01t"}, recvStrings(t, xpub))
		// A second subscriber to the same topic is not reported without verbose mode.
		require.NoError(t, s2.Subscribe([]byte("t")))
		require.NoError(t, s2.Subscribe([]byte("u")))
		require.Equal(t, []string{"\x01u"}, recvStrings(t, xpub))
		// The cancel is reported when the last holder leaves.
		require.NoError(t, s1.Unsubscribe([]byte("t")))
		require.NoError(t, s2.Unsubscribe([]byte("t")))
		require.Equal(t, []string{"\x00t"}, recvStrings(t, xpub))
		// A subscriber that goes away cancels what it held.
		require.NoError(t, s2.Close())
		require.Equal(t, []string{"\x00u"}, recvStrings(t, xpub))
	})
}

func TestXPubVerbose(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{XPubVerbose: true})
		ep := bind(t, xpub, tr)
		s1 := newSocket(t, Sub, Options{})
		s2 := newSocket(t, Sub, Options{})
		connect(t, s1, ep)
		connect(t, s2, ep)
		require.NoError(t, s1.Subscribe([]byte("t")))
		require.Equal(t, []string{"\x01t"}, recvStrings(t, xpub))
		require.NoError(t, s2.Subscribe([]byte("t")))
		require.Equal(t, []string{"\x01t"}, recvStrings(t, xpub))
	})
}

func TestXSubXPub(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{})
		ep := bind(t, xpub, tr)
		xsub := newSocket(t, XSub, Options{})
		connect(t, xsub, ep)
		// XSUB sends subscriptions as messages; XPUB reads them.
		send(t, xsub, "\x01news")
		require.Equal(t, []string{"\x01news"}, recvStrings(t, xpub))
		send(t, xsub, "upstream", "data")
		require.Equal(t, []string{"upstream", "data"}, recvStrings(t, xpub))
		send(t, xpub, "news", "today")
		send(t, xpub, "other")
		require.Equal(t, []string{"news", "today"}, recvStrings(t, xsub))
		expectNothing(t, xsub, 20*time.Millisecond)
	})
}
