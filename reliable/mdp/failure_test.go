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

// rawWorker registers a bare DEALER as a worker of service, speaking MDP by hand.
func rawWorker(t *testing.T, ep, service string) *socket.Socket {
	t.Helper()
	s := newSocket(t, socket.Dealer)
	require.NoError(t, s.Connect(ep))
	require.NoError(t, s.Send(ctxT(t), socket.NewMsg(frames("", WorkerHeader, CmdReady, service)...)))
	return s
}

// recvCommand receives from a raw worker until a message other than a heartbeat.
func recvCommand(t *testing.T, s *socket.Socket) [][]byte {
	t.Helper()
	for {
		m, err := s.Recv(ctxT(t))
		require.NoError(t, err)
		if len(m.Frames) == 3 && string(m.Frames[2]) == CmdHeartbeat {
			continue
		}
		return m.Frames
	}
}

// Workers killed mid-stream — one crashing with a request in hand, one stopped while
// busy, one stopped while idle — leave every request answered exactly once, with its
// own reply, by the survivors.
func TestMajordomoWorkersKilledMidStream(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	var mu sync.Mutex
	executed := map[string]int{}
	survivor := func(_ context.Context, req [][]byte) ([][]byte, error) {
		mu.Lock()
		executed[string(req[0])]++
		mu.Unlock()
		return req, nil
	}
	startWorker(t, ep, "svc", survivor)
	startWorker(t, ep, "svc", survivor)
	crasher := rawWorker(t, ep, "svc")
	gotOne := make(chan struct{})
	var once sync.Once
	_, stopBusy := startWorker(t, ep, "svc", func(ctx context.Context, req [][]byte) ([][]byte, error) {
		once.Do(func() { close(gotOne) })
		<-ctx.Done()
		return nil, ctx.Err()
	})
	_, stopIdle := startWorker(t, ep, "svc", echo)
	eventually(t, 5*time.Second, "five workers register", func() bool { return b.Workers("svc") == 5 })
	require.ErrorIs(t, stopIdle(), context.Canceled)
	eventually(t, 5*time.Second, "the stopped worker's DISCONNECT", func() bool { return b.Workers("svc") == 4 })

	const clients, perClient = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for ci := range clients {
		c := newClient(t, ep, ClientOptions{Timeout: 500 * time.Millisecond, Retries: 10})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				body := fmt.Sprintf("c%d-%d", ci, i)
				rep, err := c.Request(ctxT(t), "svc", []byte(body))
				switch {
				case err != nil:
					errs <- fmt.Errorf("%s: %w", body, err)
				case len(rep) != 1 || string(rep[0]) != body:
					errs <- fmt.Errorf("%s: reply %q", body, rep)
				}
			}
		}()
	}
	// The crasher takes a request and dies without a word.
	req := recvCommand(t, crasher)
	require.Equal(t, CmdRequest, string(req[2]))
	require.NoError(t, crasher.Close())
	<-gotOne
	require.ErrorIs(t, stopBusy(), context.Canceled)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mu.Lock()
	require.Len(t, executed, clients*perClient, "every request was served by a survivor")
	for body, n := range executed {
		require.Equal(t, 1, n, "request %s", body)
	}
	mu.Unlock()
	eventually(t, 5*time.Second, "the crashed worker expires", func() bool { return b.Stats().Expired == 1 })
	require.Equal(t, 2, b.Workers("svc"))
}

// When the only worker dies with a request in hand, the client is told: ErrNoReply
// after its attempts, and MMI reports the service gone once the worker expired.
func TestMajordomoRequestFailsWithoutSurvivor(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	crasher := rawWorker(t, ep, "svc")
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("svc") == 1 })
	c := newClient(t, ep, ClientOptions{Timeout: 300 * time.Millisecond, Retries: 3})
	res := make(chan error, 1)
	go func() {
		_, err := c.Request(ctxT(t), "svc", []byte("doomed"))
		res <- err
	}()
	req := recvCommand(t, crasher)
	require.Equal(t, []string{"", WorkerHeader, CmdRequest}, strs(req[:3]))
	require.Equal(t, []string{"", "doomed"}, strs(req[4:]))
	require.NoError(t, crasher.Close())
	require.ErrorIs(t, <-res, ErrNoReply)
	eventually(t, 5*time.Second, "the worker expires", func() bool { return b.Workers("svc") == 0 })
	rep, err := c.Request(ctxT(t), MMIService, []byte("svc"))
	require.NoError(t, err)
	require.Equal(t, []string{"404"}, strs(rep))
	// The retries of the doomed request wait in the broker for a worker: exactly the
	// two attempts after the one the crasher took.
	require.Equal(t, 2, b.Stats().Queued)
}

// A silent worker is forgotten once Liveness intervals pass without a word from it
// (checked at the next heartbeat), and never before.
func TestMajordomoWorkerExpiry(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	rawWorker(t, ep, "svc") // registers, then never speaks again
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("svc") == 1 })
	registered := time.Now()
	eventually(t, 5*time.Second, "the worker expires", func() bool { return b.Workers("svc") == 0 })
	took := time.Since(registered)
	t.Logf("silent worker forgotten after %v", took)
	window := testLiveness * testInterval
	require.GreaterOrEqual(t, took, window-testInterval, "forgotten before it expired")
	// One interval for the heartbeat that checks, one for a loaded machine.
	require.LessOrEqual(t, took, window+2*testInterval)
	require.Equal(t, uint64(1), b.Stats().Expired)
}

// After a broker restart on the same endpoint, workers register again and a client
// whose request was caught by the restart gets its reply through its retries.
func TestMajordomoBrokerRestart(t *testing.T) {
	b, ep, stopB := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	var mu sync.Mutex
	executed := map[string]int{}
	w, _ := startWorker(t, ep, "svc", func(_ context.Context, req [][]byte) ([][]byte, error) {
		mu.Lock()
		executed[string(req[0])]++
		mu.Unlock()
		return req, nil
	})
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("svc") == 1 })
	c := newClient(t, ep, ClientOptions{Timeout: 300 * time.Millisecond, Retries: 50})
	rep, err := c.Request(ctxT(t), "svc", []byte("before"))
	require.NoError(t, err)
	require.Equal(t, []string{"before"}, strs(rep))

	require.ErrorIs(t, stopB(), context.Canceled)
	res := make(chan error, 1)
	go func() {
		rep, err := c.Request(ctxT(t), "svc", []byte("during"))
		if err == nil && (len(rep) != 1 || string(rep[0]) != "during") {
			err = fmt.Errorf("reply %q", rep)
		}
		res <- err
	}()
	// Let the client's first attempt go out into the void before the broker is back.
	eventually(t, 5*time.Second, "the worker notices the broker gone", func() bool { return w.Connects() >= 2 })
	b2, _, _ := startBroker(t, ep, testBrokerOptions())
	eventually(t, 10*time.Second, "the worker registers again", func() bool { return b2.Workers("svc") == 1 })
	require.NoError(t, <-res)
	rep, err = c.Request(ctxT(t), "svc", []byte("after"))
	require.NoError(t, err)
	require.Equal(t, []string{"after"}, strs(rep))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, executed["before"])
	require.Equal(t, 1, executed["after"])
	// "during" may have been carried out more than once: retries sent before the
	// worker was back waited in the new broker, each for the worker in turn.
	require.GreaterOrEqual(t, executed["during"], 1)
	t.Logf("the request caught by the restart was carried out %d times", executed["during"])
}
