package socket

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/stretchr/testify/require"
)

var mcastPort atomic.Uint32

// mcastEndpoint returns an epgm endpoint on the loopback interface of the private
// namespace the test runs in.
func mcastEndpoint() string {
	return fmt.Sprintf("epgm://lo;239.192.7.1:%d", 31000+mcastPort.Add(1))
}

func TestMulticastPubSub(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		ep := mcastEndpoint()
		pub := newSocket(t, Pub, Options{MulticastLoop: true, MulticastRate: 50_000})
		require.NoError(t, pub.Bind(ep))
		subA := newSocket(t, Sub, Options{})
		require.NoError(t, subA.Connect(ep))
		require.NoError(t, subA.Subscribe([]byte("A")))
		subAll := newSocket(t, XSub, Options{})
		require.NoError(t, subAll.Connect(ep))

		// A receiver joins at the next message boundary; publish until both hear.
		publishUntil(t, pub, subA, "A-warmup")
		publishUntil(t, pub, subAll, "A-warmup")
		drain(subA)
		drain(subAll)

		big := make([]byte, 64<<10)
		for i := range big {
			big[i] = byte(i)
		}
		for i := 0; i < 20; i++ {
			send(t, pub, "B", fmt.Sprint(i))
			require.NoError(t, pub.Send(ctxT(t), NewMsg([]byte("A"), []byte(fmt.Sprint(i)), big)))
		}
		for i := 0; i < 20; i++ {
			m, err := subA.Recv(ctxT(t))
			require.NoError(t, err)
			require.Equal(t, "A", string(m.Frames[0]), "SUB filters locally")
			require.Equal(t, fmt.Sprint(i), string(m.Frames[1]))
			require.Equal(t, big, m.Frames[2])
		}
		for i := 0; i < 40; i++ {
			recvStrings(t, subAll)
		}
	})
}

func TestMulticastNeedsPubSubTypes(t *testing.T) {
	for _, typ := range []Type{Req, Rep, Dealer, Router, Push, Pull, Pair} {
		s := newSocket(t, typ, Options{})
		require.ErrorIs(t, s.Bind("epgm://lo;239.192.7.1:5555"), ErrTransportNotAllowed, "%v", typ)
		require.ErrorIs(t, s.Connect("pgm://lo;239.192.7.1:5555"), ErrTransportNotAllowed, "%v", typ)
	}
	// Without an interface the endpoint is refused rather than guessed.
	pub := newSocket(t, Pub, Options{})
	require.Error(t, pub.Bind("epgm://;239.192.7.1:5555"))
}

// mcastLinkOf returns the multicast link of s's only pipe.
func mcastLinkOf(t *testing.T, s *Socket) *mcastLink {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.pipes {
		if l, ok := p.link.(*mcastLink); ok {
			return l
		}
	}
	t.Fatal("no multicast pipe")
	return nil
}

func TestMulticastDeadSenderIsDetached(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		mon := make(chan Event, 64)
		pub, err := New(Pub, Options{MulticastLoop: true, MulticastRate: 50_000, Linger: time.Minute, Monitor: mon})
		require.NoError(t, err)
		ep := mcastEndpoint()
		require.NoError(t, pub.Bind(ep))
		require.Equal(t, 1, pub.Stats().Peers)

		// The sender fails under the socket (as when its network socket breaks):
		// every later SendBatch returns an error.
		require.NoError(t, mcastLinkOf(t, pub).snd.Close())
		send(t, pub, "into the void")
		e := waitEvent(t, mon, func(e Event) bool { return e.Type == EventDisconnected })
		require.Equal(t, ep, e.Endpoint)
		require.Error(t, e.Err)
		// Close must not wait out the Linger for a sender that is gone.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, pub.Shutdown(ctx), "the dead sender held up Close")
		require.Zero(t, pub.Stats().Peers)
	})
}

func TestMulticastReceiveDropsCount(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		ep := mcastEndpoint()
		pub := newSocket(t, Pub, Options{MulticastLoop: true, MulticastRate: 50_000})
		require.NoError(t, pub.Bind(ep))
		sub := newSocket(t, XSub, Options{RecvHWM: 1})
		require.NoError(t, sub.Connect(ep))
		publishUntil(t, pub, sub, "warm-up")

		// Nobody reads: the socket's queue, the hand-over and the receiver's own
		// queue of one fill up, and the receiver drops the rest.
		const n = 200
		for i := range n {
			send(t, pub, fmt.Sprint(i))
		}
		require.Eventually(t, func() bool { return sub.Stats().Drops.HWM > 0 }, 20*time.Second, time.Millisecond,
			"multicast receive drops count as HWM drops")
		require.LessOrEqual(t, sub.Stats().Drops.HWM, uint64(n))
	})
}
