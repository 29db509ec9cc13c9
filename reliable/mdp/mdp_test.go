package mdp

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMajordomo(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			b, ep, _ := startBroker(t, bindEndpoint(t, tr), testBrokerOptions())
			startWorker(t, ep, "echo", echo)
			startWorker(t, ep, "echo", echo)
			startWorker(t, ep, "upper", func(_ context.Context, req [][]byte) ([][]byte, error) {
				return [][]byte{[]byte(fmt.Sprintf("%X", req[0]))}, nil
			})
			eventually(t, 5*time.Second, "three workers register", func() bool { return b.Stats().Workers == 3 })
			require.Equal(t, 2, b.Workers("echo"))
			c := newClient(t, ep, ClientOptions{Timeout: 5 * time.Second})
			ctx := ctxT(t)
			for i := range 20 {
				rep, err := c.Request(ctx, "echo", []byte("hello"), []byte(fmt.Sprint(i)))
				require.NoError(t, err)
				require.Equal(t, []string{"hello", fmt.Sprint(i)}, strs(rep))
			}
			rep, err := c.Request(ctx, "upper", []byte("ab"))
			require.NoError(t, err)
			require.Equal(t, []string{"6162"}, strs(rep))

			for _, q := range []struct{ service, body, want string }{
				{MMIService, "echo", "200"},
				{MMIService, "upper", "200"},
				{MMIService, "nobody", "404"},
				{"mmi.unknown", "echo", "501"},
			} {
				rep, err := c.Request(ctx, q.service, []byte(q.body))
				require.NoError(t, err)
				require.Equal(t, []string{q.want}, strs(rep), "%s %s", q.service, q.body)
			}
			st := b.Stats()
			require.Equal(t, uint64(25), st.Requests)
			require.Equal(t, uint64(25), st.Replies)
			require.Zero(t, st.Queued)
		})
	}
}

// A request for a service without workers waits in the broker until one registers.
func TestMajordomoQueuesWithoutWorker(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	c := newClient(t, ep, ClientOptions{Timeout: 10 * time.Second, Retries: 1})
	type result struct {
		rep [][]byte
		err error
	}
	res := make(chan result, 1)
	go func() {
		rep, err := c.Request(ctxT(t), "late", []byte("waiting"))
		res <- result{rep, err}
	}()
	eventually(t, 5*time.Second, "the request waits in the broker", func() bool { return b.Stats().Queued == 1 })
	rep, err := newClient(t, ep, ClientOptions{}).Request(ctxT(t), MMIService, []byte("late"))
	require.NoError(t, err)
	require.Equal(t, []string{"404"}, strs(rep))
	startWorker(t, ep, "late", echo)
	r := <-res
	require.NoError(t, r.err)
	require.Equal(t, []string{"waiting"}, strs(r.rep))
	require.Zero(t, b.Stats().Queued)
}

// Requests beyond MaxQueued are dropped and counted, and the queued ones served.
func TestMajordomoMaxQueued(t *testing.T) {
	opts := testBrokerOptions()
	opts.MaxQueued = 2
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", opts)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		c := newClient(t, ep, ClientOptions{Timeout: 2 * time.Second, Retries: 1})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Request(ctxT(t), "svc", []byte(fmt.Sprint(i)))
		}()
	}
	eventually(t, 5*time.Second, "two requests queued, one dropped", func() bool {
		st := b.Stats()
		return st.Queued == 2 && st.Dropped == 1
	})
	startWorker(t, ep, "svc", echo)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, ErrNoReply)
			failed++
		}
	}
	require.Equal(t, 1, failed, "exactly the dropped request fails")
}

// Run ends when its socket is closed, with an error matching socket.ErrClosed.
func TestBrokerStopsOnClose(t *testing.T) {
	s := newSocket(t, socket.Router)
	require.NoError(t, s.Bind("tcp://127.0.0.1:*"))
	b, err := NewBroker(s, BrokerOptions{})
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctxT(t)) }()
	require.NoError(t, s.Close())
	require.ErrorIs(t, <-errc, socket.ErrClosed)
	require.ErrorIs(t, b.Run(ctxT(t)), ErrRunning)
	_, err = NewBroker(newSocket(t, socket.Dealer), BrokerOptions{})
	require.Error(t, err)
}

// A broker on a RouterMandatory socket, whose sends to a vanished peer fail, drops
// the reply to a client that left and goes on serving.
func TestBrokerMandatoryRouterSurvivesVanishedClient(t *testing.T) {
	s, err := socket.New(socket.Router, socket.Options{RouterMandatory: true, Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Bind("tcp://127.0.0.1:*"))
	ep := s.LastEndpoint()
	b, err := NewBroker(s, testBrokerOptions())
	require.NoError(t, err)
	goRun(t, b.Run)
	release := make(chan struct{})
	startWorker(t, ep, "slow", func(ctx context.Context, req [][]byte) ([][]byte, error) {
		if string(req[0]) == "hold" {
			<-release
		}
		return req, nil
	})
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("slow") == 1 })
	gone := newSocket(t, socket.Req)
	require.NoError(t, gone.Connect(ep))
	require.NoError(t, gone.Send(ctxT(t), socket.NewMsg(frames(ClientHeader, "slow", "hold")...)))
	eventually(t, 5*time.Second, "the request reaches the worker", func() bool { return b.Stats().Requests == 1 })
	require.NoError(t, gone.Close())
	close(release)
	eventually(t, 5*time.Second, "the reply was handled", func() bool { return b.Stats().Replies == 1 })
	rep, err := newClient(t, ep, ClientOptions{Timeout: 5 * time.Second}).Request(ctxT(t), "slow", []byte("next"))
	require.NoError(t, err)
	require.Equal(t, []string{"next"}, strs(rep))
}
