package pirate

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// Short heartbeats keep the failure tests fast; every wait in them is for a
// condition, bounded by a deadline.
const (
	testInterval = 100 * time.Millisecond
	testLiveness = 3
)

func testWorkerOptions() WorkerOptions {
	return WorkerOptions{
		HeartbeatInterval:    testInterval,
		Liveness:             testLiveness,
		ReconnectInterval:    testInterval,
		ReconnectIntervalMax: 4 * testInterval,
	}
}

// startQueue runs a queue with a frontend and backend bound on tr, until the test
// ends or stop is called, which also closes the queue's sockets.
func startQueue(t *testing.T, tr string) (q *Queue, frontendEP, backendEP string, stop func() error) {
	fe, frontendEP := bound(t, socket.Router, tr)
	be, backendEP := bound(t, socket.Router, tr)
	q, stop = runQueue(t, fe, be)
	return q, frontendEP, backendEP, stop
}

func runQueue(t *testing.T, fe, be *socket.Socket) (*Queue, func() error) {
	q, err := NewQueue(fe, be, QueueOptions{HeartbeatInterval: testInterval, Liveness: testLiveness})
	require.NoError(t, err)
	stopRun := goRun(t, q.Run)
	return q, func() error {
		err := stopRun()
		fe.Close()
		be.Close()
		return err
	}
}

func startWorker(t *testing.T, ep string, h Handler) (w *Worker, stop func() error) {
	w, err := NewWorker(ep, h, testWorkerOptions())
	require.NoError(t, err)
	return w, goRun(t, w.Run)
}

func TestParanoidPirate(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			q, fep, bep, _ := startQueue(t, tr)
			var mu sync.Mutex
			served := map[string]int{}
			for i := range 3 {
				name := fmt.Sprint("w", i)
				startWorker(t, bep, func(_ context.Context, req [][]byte) ([][]byte, error) {
					mu.Lock()
					served[name]++
					mu.Unlock()
					return append([][]byte{[]byte(name)}, req...), nil
				})
			}
			eventually(t, 5*time.Second, "three workers idle", func() bool { return q.Workers() == 3 })
			c, err := NewClient(fep, ClientOptions{Timeout: 5 * time.Second})
			require.NoError(t, err)
			defer c.Close()
			for i := range 30 {
				rep, err := c.Request(ctxT(t), socket.NewMsgString(fmt.Sprint(i)))
				require.NoError(t, err)
				require.Len(t, rep.Frames, 2)
				require.Equal(t, fmt.Sprint(i), string(rep.Frames[1]))
			}
			mu.Lock()
			defer mu.Unlock()
			// One request at a time goes to the worker idle longest: round robin.
			require.Equal(t, map[string]int{"w0": 10, "w1": 10, "w2": 10}, served)
		})
	}
}

// The queue forgets a worker that died idle within Liveness intervals of its death,
// and not before Liveness-1 intervals: its last heartbeat went out at most one
// interval before it died, and the queue expires a worker Liveness intervals after it
// last heard from it.
func TestParanoidPirateWorkerDeathDetected(t *testing.T) {
	q, _, bep, _ := startQueue(t, "tcp")
	_, stop0 := startWorker(t, bep, echo)
	startWorker(t, bep, echo)
	eventually(t, 5*time.Second, "two workers idle", func() bool { return q.Workers() == 2 })
	require.ErrorIs(t, stop0(), context.Canceled) // the worker is gone, with no word
	died := time.Now()
	eventually(t, 5*time.Second, "the queue forgets the dead worker", func() bool { return q.Workers() == 1 })
	took := time.Since(died)
	window := testLiveness * testInterval
	t.Logf("dead worker forgotten after %v (liveness × interval = %v)", took, window)
	require.GreaterOrEqual(t, took, window-testInterval, "forgotten before it could have expired")
	// The allowance is for timers and goroutines on a loaded machine (two shared
	// cores under -race), not for the protocol.
	require.LessOrEqual(t, took, window+testInterval, "not forgotten within liveness × interval")
	// The survivor stays: its heartbeats keep it alive for many windows.
	dl := time.Now().Add(3 * window)
	for time.Now().Before(dl) {
		require.Equal(t, 1, q.Workers())
		time.Sleep(testInterval / 4)
	}
}

// Workers killed mid-stream, idle or busy: every request is answered exactly once by
// the survivors, with its own reply.
func TestParanoidPirateWorkersKilledMidStream(t *testing.T) {
	q, fep, bep, _ := startQueue(t, "tcp")
	var mu sync.Mutex
	executed := map[string]int{} // request body -> times a survivor served it
	survivor := func(_ context.Context, req [][]byte) ([][]byte, error) {
		mu.Lock()
		executed[string(req[0])]++
		mu.Unlock()
		return req, nil
	}
	startWorker(t, bep, survivor)
	startWorker(t, bep, survivor)
	// A doomed worker holds the first request it gets until it is killed.
	gotOne := make(chan struct{})
	var once sync.Once
	_, killBusy := startWorker(t, bep, func(ctx context.Context, req [][]byte) ([][]byte, error) {
		once.Do(func() { close(gotOne) })
		<-ctx.Done()
		return nil, ctx.Err()
	})
	_, killIdle := startWorker(t, bep, echo)
	eventually(t, 5*time.Second, "four workers idle", func() bool { return q.Workers() == 4 })
	require.ErrorIs(t, killIdle(), context.Canceled)

	const clients, perClient = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for ci := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := NewClient(fep, ClientOptions{Timeout: 500 * time.Millisecond, Retries: 10})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for i := range perClient {
				body := fmt.Sprintf("c%d-%d", ci, i)
				rep, err := c.Request(ctxT(t), socket.NewMsgString(body))
				switch {
				case err != nil:
					errs <- fmt.Errorf("%s: %w", body, err)
				case len(rep.Frames) != 1 || string(rep.Frames[0]) != body:
					errs <- fmt.Errorf("%s: reply %q", body, rep.Frames)
				}
			}
		}()
	}
	<-gotOne
	require.ErrorIs(t, killBusy(), context.Canceled)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, executed, clients*perClient, "every request was served by a survivor")
	for body, n := range executed {
		// A survivor can serve a request twice only if a client gave up on a slow
		// survivor, which these timeouts leave no room for on a loopback.
		require.Equal(t, 1, n, "request %s", body)
	}
}

// A worker whose queue is gone for longer than the liveness window notices the
// silence and reconnects with a new socket; once a new queue is up on the same
// endpoints it registers and serves again.
func TestParanoidPirateQueueRestart(t *testing.T) {
	q, fep, bep, stopQ := startQueue(t, "tcp")
	w, _ := startWorker(t, bep, echo)
	eventually(t, 5*time.Second, "the worker registers", func() bool { return q.Workers() == 1 })
	require.Equal(t, 1, w.Connects())
	require.ErrorIs(t, stopQ(), context.Canceled)
	eventually(t, 10*time.Second, "the worker gives the silent queue up", func() bool { return w.Connects() >= 2 })
	// A new queue on the same ports.
	q2, _ := runQueue(t, rebind(t, fep), rebind(t, bep))
	eventually(t, 10*time.Second, "the worker registers with the new queue", func() bool { return q2.Workers() == 1 })
	c, err := NewClient(fep, ClientOptions{Timeout: time.Second, Retries: 3})
	require.NoError(t, err)
	defer c.Close()
	rep, err := c.Request(ctxT(t), socket.NewMsgString("after"))
	require.NoError(t, err)
	require.Equal(t, "after", string(rep.Frames[0]))
}

// rebind binds a new ROUTER at ep, the endpoint of a socket just closed.
func rebind(t *testing.T, ep string) *socket.Socket {
	s := newSocket(t, socket.Router)
	require.NoError(t, s.Bind(ep))
	return s
}

// Junk from the backend or the frontend costs the queue nothing: it keeps serving.
// A backend peer that sends something shaped like a reply is taken for a worker, as
// in the guide's queue, so a request it swallows is answered through a retry.
func TestParanoidPirateJunk(t *testing.T) {
	q, fep, bep, _ := startQueue(t, "tcp")
	startWorker(t, bep, echo)
	eventually(t, 5*time.Second, "the worker registers", func() bool { return q.Workers() == 1 })
	ctx := ctxT(t)
	junkWorker := newSocket(t, socket.Dealer)
	require.NoError(t, junkWorker.Connect(bep))
	for _, j := range [][]string{{"\x07"}, {""}, {"\x01\x01"}} {
		require.NoError(t, junkWorker.Send(ctx, socket.NewMsgString(j...)))
	}
	// A reply-shaped message (for a client that does not exist) makes the peer a
	// worker, which then swallows the requests it gets.
	require.NoError(t, junkWorker.Send(ctx, socket.NewMsgString("unknown-client", "", "reply")))
	eventually(t, 5*time.Second, "a reply-shaped message makes a worker", func() bool { return q.Workers() == 2 })
	junkClient := newSocket(t, socket.Dealer)
	require.NoError(t, junkClient.Connect(fep))
	require.NoError(t, junkClient.Send(ctx, socket.NewMsgString("no delimiter")))
	c, err := NewClient(fep, ClientOptions{Timeout: 2 * time.Second, Retries: 5})
	require.NoError(t, err)
	defer c.Close()
	for i := range 10 {
		rep, err := c.Request(ctx, socket.NewMsgString(fmt.Sprint(i)))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(i), string(rep.Frames[0]))
	}
}

// Run ends when a socket is closed, with an error matching socket.ErrClosed; a queue
// runs once and needs two ROUTER sockets.
func TestQueueStopsOnClose(t *testing.T) {
	fe, _ := bound(t, socket.Router, "tcp")
	be, _ := bound(t, socket.Router, "tcp")
	q, err := NewQueue(fe, be, QueueOptions{})
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- q.Run(ctxT(t)) }()
	require.NoError(t, be.Close())
	require.ErrorIs(t, <-errc, socket.ErrClosed)
	require.ErrorIs(t, q.Run(ctxT(t)), ErrRunning)
	_, err = NewQueue(fe, newSocket(t, socket.Dealer), QueueOptions{})
	require.Error(t, err)
}
