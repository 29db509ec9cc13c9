package socket

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// requireWriterIdle waits until e has no writer goroutine running.
func requireWriterIdle(t *testing.T, e *engine) {
	t.Helper()
	require.Eventually(t, func() bool { return e.wstate.Load() == writerIdle }, 10*time.Second, 100*time.Microsecond,
		"the writer goroutine did not end once everything was written")
}

// TestWriterRunsOnDemand checks that without heartbeats a connection's writer runs only
// while there is something to write: it ends after every burst, the next Send starts
// it again, and nothing is lost or reordered across the starts.
func TestWriterRunsOnDemand(t *testing.T) {
	for _, tr := range []string{"tcp", "ipc"} {
		t.Run(tr, func(t *testing.T) {
			pull := newSocket(t, Pull, Options{})
			push := newSocket(t, Push, Options{})
			connect(t, push, bind(t, pull, tr))
			e := soloEngine(t, push)
			require.True(t, e.onDemand)
			requireWriterIdle(t, e)
			ctx := ctxT(t)

			rng := rand.New(rand.NewPCG(1, 2))
			seq := 0
			for burst := range 40 {
				n := 1 + rng.IntN(300)
				for i := range n {
					require.NoError(t, push.Send(ctx, NewMsgString(fmt.Sprint(seq+i))))
				}
				for i := range n {
					m, err := pull.Recv(ctx)
					require.NoError(t, err)
					require.Equal(t, fmt.Sprint(seq+i), string(m.Frames[0]), "burst %d", burst)
					m.Release()
				}
				seq += n
				requireWriterIdle(t, e)
			}
		})
	}
}

// TestWriterOnDemandConcurrentSends has several goroutines send in small bursts with
// yields between them, so that the writer keeps ending while other Sends queue: a
// wake-up lost between the writer's last look at the queue and its end would leave
// messages queued with no writer, and Recv would time out.
func TestWriterOnDemandConcurrentSends(t *testing.T) {
	const senders, each = 4, 3000
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	e := soloEngine(t, push)
	require.True(t, e.onDemand)
	ctx := ctxT(t)

	var g errgroup.Group
	for s := range senders {
		g.Go(func() error {
			for i := range each {
				b := binary.BigEndian.AppendUint32([]byte{byte(s)}, uint32(i))
				if err := push.Send(ctx, NewMsg(b)); err != nil {
					return err
				}
				if i%7 == 0 {
					runtime.Gosched()
				}
			}
			return nil
		})
	}
	next := make([]uint32, senders)
	for range senders * each {
		m, err := pull.Recv(ctx)
		require.NoError(t, err, "a message stayed queued with no writer to take it")
		b := m.Frames[0]
		require.Len(t, b, 5)
		s, i := b[0], binary.BigEndian.Uint32(b[1:])
		require.Equal(t, next[s], i, "sender %d out of order", s)
		next[s]++
		m.Release()
	}
	require.NoError(t, g.Wait())
	requireWriterIdle(t, e)
}

// TestWriterStaysWithHeartbeats checks that a connection with heartbeats keeps its
// writer, which sends the PINGs.
func TestWriterStaysWithHeartbeats(t *testing.T) {
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{HeartbeatInterval: time.Hour})
	connect(t, push, bind(t, pull, "tcp"))
	require.False(t, soloEngine(t, push).onDemand)
	require.NoError(t, push.Send(ctxT(t), NewMsgString("x")))
	m, err := pull.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "x", string(m.Frames[0]))
}
