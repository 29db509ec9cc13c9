package socket

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fillUntilBlocked sends on s until a send cannot complete within a short time, and
// returns how many messages were accepted.
func fillUntilBlocked(t testing.TB, s *Socket, limit int) int {
	t.Helper()
	for i := 0; i < limit; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := s.Send(ctx, NewMsgString(fmt.Sprint(i)))
		cancel()
		if err != nil {
			require.ErrorIs(t, err, context.DeadlineExceeded)
			return i
		}
	}
	t.Fatalf("socket accepted %d messages without blocking", limit)
	return 0
}

func TestInprocHWMIsSumOfBothEnds(t *testing.T) {
	pull := newSocket(t, Pull, Options{RecvHWM: 7})
	ep := bind(t, pull, "inproc")
	push := newSocket(t, Push, Options{SendHWM: 5})
	connect(t, push, ep)
	require.Equal(t, 12, fillUntilBlocked(t, push, 100))
	// Everything accepted is delivered, in order.
	for i := 0; i < 12; i++ {
		require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, pull))
	}
}

func TestPushBlocksWithoutPeers(t *testing.T) {
	push := newSocket(t, Push, Options{Immediate: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, push.Send(ctx, NewMsgString("x")), context.DeadlineExceeded)
}

func TestConnectBeforeBindQueues(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		ep := bindEndpoint(t, tr)
		if tr == "tcp" || tr == "ws" {
			// Reserve a concrete port, then free it for the late binder.
			probe := newSocket(t, Pull, Options{})
			require.NoError(t, probe.Bind(ep))
			ep = probe.LastEndpoint()
			require.NoError(t, probe.Close())
		}
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		for i := 0; i < 5; i++ {
			send(t, push, fmt.Sprint(i))
		}
		pull := newSocket(t, Pull, Options{})
		require.NoError(t, pull.Bind(ep))
		for i := 0; i < 5; i++ {
			require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, pull))
		}
	})
}

func TestFullPolicies(t *testing.T) {
	newPair := func(t *testing.T, policy FullPolicy) (*Socket, *Socket) {
		pull := newSocket(t, Pull, Options{RecvHWM: 2})
		ep := bind(t, pull, "inproc")
		push := newSocket(t, Push, Options{SendHWM: 2, WhenFull: policy})
		connect(t, push, ep)
		return push, pull
	}
	t.Run("fail", func(t *testing.T) {
		push, _ := newPair(t, PolicyFail)
		for i := 0; i < 4; i++ {
			send(t, push, fmt.Sprint(i))
		}
		require.ErrorIs(t, push.Send(context.Background(), NewMsgString("x")), ErrQueueFull)
	})
	t.Run("drop-newest", func(t *testing.T) {
		push, pull := newPair(t, PolicyDropNewest)
		for i := 0; i < 6; i++ {
			send(t, push, fmt.Sprint(i))
		}
		require.Equal(t, uint64(2), push.Stats().Drops.HWM)
		for i := 0; i < 4; i++ {
			require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, pull))
		}
		expectNothing(t, pull, 10*time.Millisecond)
	})
	t.Run("drop-oldest", func(t *testing.T) {
		push, pull := newPair(t, PolicyDropOldest)
		for i := 0; i < 6; i++ {
			send(t, push, fmt.Sprint(i))
		}
		require.Equal(t, uint64(2), push.Stats().Drops.Oldest)
		for i := 2; i < 6; i++ {
			require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, pull))
		}
	})
	t.Run("block", func(t *testing.T) {
		push, pull := newPair(t, PolicyBlock)
		require.Equal(t, 4, fillUntilBlocked(t, push, 100))
		// A reader frees room, and the blocked sender goes on.
		done := make(chan error, 1)
		go func() { done <- push.Send(ctxT(t), NewMsgString("late")) }()
		for i := 0; i < 4; i++ {
			recvStrings(t, pull)
		}
		require.NoError(t, <-done)
		require.Equal(t, []string{"late"}, recvStrings(t, pull))
	})
}

func TestPubDropsPerSubscriberAtHWM(t *testing.T) {
	pub := newSocket(t, Pub, Options{SendHWM: 3})
	ep := bind(t, pub, "inproc")
	slow := newSocket(t, Sub, Options{RecvHWM: 2})
	connect(t, slow, ep)
	require.NoError(t, slow.Subscribe(nil))
	fast := newSocket(t, Sub, Options{RecvHWM: 1000})
	connect(t, fast, ep)
	require.NoError(t, fast.Subscribe(nil))
	publishUntil(t, pub, slow, "w")
	publishUntil(t, pub, fast, "w")
	drain(slow)
	drain(fast)
	before := pub.Stats().Drops.HWM
	for i := 0; i < 20; i++ {
		// PUB never blocks, even with a full subscriber.
		require.NoError(t, pub.Send(context.Background(), NewMsgString(fmt.Sprint(i))))
	}
	for i := 0; i < 20; i++ {
		require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, fast))
	}
	// The slow subscriber kept the first 5 (3 + 2) and lost the rest, counted.
	for i := 0; i < 5; i++ {
		require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, slow))
	}
	require.Equal(t, uint64(15), pub.Stats().Drops.HWM-before)
}

func TestReadyContextStillSucceeds(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	ep := bind(t, pull, "inproc")
	push := newSocket(t, Push, Options{})
	connect(t, push, ep)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, push.Send(done, NewMsgString("x")), "a send that need not block succeeds on a done context")
	m, err := pull.Recv(done)
	require.NoError(t, err)
	require.Equal(t, "x", string(m.Frames[0]))
	_, err = pull.Recv(done)
	require.ErrorIs(t, err, context.Canceled)
}
