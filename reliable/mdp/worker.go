package mdp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Handler serves one request: it gets the request's body and returns the reply's
// body. A Handler that returns an error sends no reply, and the worker registers with
// the broker afresh (in MDP 0.1 only a REPLY makes a busy worker idle again), so the
// client's retry can reach it or another worker. The context ends when the worker
// stops.
//
// The request's frames belong to the Handler, but over inproc they may share memory
// with the client's copy, which a retry sends again: read them, do not modify them.
type Handler func(ctx context.Context, request [][]byte) ([][]byte, error)

// WorkerOptions configures a [Worker].
type WorkerOptions struct {
	// HeartbeatInterval is how often the worker sends a heartbeat to the broker, and
	// the unit of Liveness. Zero means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// Liveness is how many intervals the worker waits, idle, without hearing from
	// the broker before it reconnects. Zero means DefaultLiveness.
	Liveness int
	// ReconnectInterval is the wait before reconnecting after the broker fell
	// silent. Zero means DefaultReconnectInterval.
	ReconnectInterval time.Duration
	// Socket configures each DEALER socket the worker makes.
	Socket socket.Options
}

// Worker is a Majordomo worker (the guide's mdwrkapi) for one service: a DEALER that
// registers with the broker (READY), serves one request at a time with its Handler,
// exchanges heartbeats with the broker, and reconnects with a fresh socket when the
// broker falls silent for Liveness intervals while the worker is idle, or tells it to
// disconnect.
//
// The Handler runs on a goroutine of its own, so the worker keeps sending heartbeats
// while it works: a handler may take longer than the broker's expiry time.
type Worker struct {
	endpoint, service string
	handler           Handler
	opts              WorkerOptions
	started           atomic.Bool
	connects          atomic.Int64

	jobs    chan job
	results chan result
}

type job struct {
	client []byte
	body   [][]byte
}

type result struct {
	client []byte
	reply  [][]byte
	err    error
}

// NewWorker returns a worker of service for the broker at endpoint, serving with h.
func NewWorker(endpoint, service string, h Handler, opts WorkerOptions) (*Worker, error) {
	if h == nil {
		return nil, errors.New("mdp: nil handler")
	}
	if service == "" || len(service) > 255 {
		return nil, errors.New("mdp: service name must have 1 to 255 bytes")
	}
	if strings.HasPrefix(service, MMIPrefix) {
		return nil, fmt.Errorf("mdp: service names starting %q belong to the broker", MMIPrefix)
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.Liveness <= 0 {
		opts.Liveness = DefaultLiveness
	}
	if opts.ReconnectInterval <= 0 {
		opts.ReconnectInterval = DefaultReconnectInterval
	}
	return &Worker{endpoint: endpoint, service: service, handler: h, opts: opts}, nil
}

// Connects returns how many times the worker has connected and sent READY: 1 after
// the first registration, one more after each reconnection.
func (w *Worker) Connects() int { return int(w.connects.Load()) }

// errLost ends a session whose broker fell silent; errDisconnect one the broker ended.
var (
	errLost       = errors.New("mdp: broker silent")
	errDisconnect = errors.New("mdp: broker sent DISCONNECT")
	// errHandler ends a session whose Handler failed: the broker would keep a
	// worker that never replies busy for ever, so it registers again.
	errHandler = errors.New("mdp: handler failed")
)

// Run serves until ctx ends, returning ctx.Err(), or until a socket cannot be made.
// On the way out it sends DISCONNECT to the broker, waiting at most one heartbeat
// interval for it to go out. Run starts one goroutine, for the Handler, and returns
// only when it has exited. A worker runs once.
func (w *Worker) Run(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	w.jobs = make(chan job, 1)
	w.results = make(chan result, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.handle(ctx)
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()
	disconnects := 0 // sessions in a row the broker ended
	for {
		start := time.Now()
		busy, err := w.session(ctx)
		if busy {
			// The handler still works on a request of the lost session; its
			// reply has nowhere to go. Wait for it before taking new work.
			select {
			case <-w.results:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		switch {
		case errors.Is(err, errDisconnect):
			// A restarted broker that does not know us says DISCONNECT to our
			// first heartbeat: register again at once, but not in a tight loop.
			if time.Since(start) > w.opts.HeartbeatInterval {
				disconnects = 0
			}
			if disconnects++; disconnects == 1 {
				continue
			}
		case errors.Is(err, errHandler):
			if ctx.Err() != nil {
				return ctx.Err() // the handler failed because the worker stops
			}
			disconnects = 0
			continue // DISCONNECT went out with the old session; READY at once
		case errors.Is(err, errLost):
			disconnects = 0
		default:
			return err
		}
		t := time.NewTimer(w.opts.ReconnectInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// handle runs the Handler on each job until ctx ends.
func (w *Worker) handle(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-w.jobs:
			reply, err := w.handler(ctx, j.body)
			select {
			case w.results <- result{client: j.client, reply: reply, err: err}:
			case <-ctx.Done():
				return
			}
		}
	}
}

func workerMsg(cmd string, frames ...[]byte) socket.Msg {
	m := make([][]byte, 0, 3+len(frames))
	m = append(m, nil, []byte(WorkerHeader), []byte(cmd))
	m = append(m, frames...)
	return socket.NewMsg(m...)
}

// session registers one socket and serves on it until the broker falls silent
// (errLost) or disconnects the worker (errDisconnect), or ctx ends. busy reports a
// request still with the handler.
func (w *Worker) session(ctx context.Context) (busy bool, err error) {
	s, err := socket.New(socket.Dealer, w.opts.Socket)
	if err != nil {
		return false, err
	}
	graceful := true
	defer func() {
		if graceful {
			sctx, cancel := context.WithTimeout(context.Background(), w.opts.HeartbeatInterval)
			s.Send(sctx, workerMsg(CmdDisconnect))
			s.Shutdown(sctx)
			cancel()
			return
		}
		s.Shutdown(done) // the broker is gone: abandon what is queued
	}()
	if err := s.Connect(w.endpoint); err != nil {
		graceful = false
		return false, err
	}
	w.connects.Add(1)
	if err := s.Send(ctx, workerMsg(CmdReady, []byte(w.service))); err != nil {
		return false, err
	}
	poller := socket.NewPoller()
	poller.Add(s, socket.PollIn)
	watch := poller.Watch()
	defer watch.Stop()
	tick := time.NewTicker(w.opts.HeartbeatInterval)
	defer tick.Stop()
	liveness := w.opts.Liveness
	fresh := false // heard from the broker since the last tick
	for {
		var results <-chan result
		if busy {
			results = w.results
		}
		select {
		case <-ctx.Done():
			return busy, ctx.Err()
		case <-tick.C:
			if fresh || busy {
				// A busy worker does not count the broker's silence: the
				// guide's broker heartbeats only idle workers.
				liveness = w.opts.Liveness
				fresh = false
			} else if liveness--; liveness <= 0 {
				graceful = false
				return busy, errLost
			}
			// A heartbeat never waits: one that finds the queue to a silent
			// broker full is skipped, and the silence counted as usual.
			if err := s.Send(done, workerMsg(CmdHeartbeat)); err != nil && !errors.Is(err, context.Canceled) {
				return busy, err
			}
		case r := <-results:
			busy = false
			if r.err != nil {
				return false, errHandler
			}
			frames := make([][]byte, 0, 2+len(r.reply))
			frames = append(frames, r.client, nil)
			frames = append(frames, r.reply...)
			if err := s.Send(ctx, workerMsg(CmdReply, frames...)); err != nil {
				return false, fmt.Errorf("mdp: send reply: %w", err)
			}
		case <-watch.C:
			for {
				m, err := s.Recv(done)
				if err != nil {
					if errors.Is(err, context.Canceled) && ctx.Err() == nil {
						break
					}
					return busy, err
				}
				fresh = true
				f := m.Frames
				if len(f) < 3 || len(f[0]) != 0 || string(f[1]) != WorkerHeader {
					continue // not MDP: ignored
				}
				switch string(f[2]) {
				case CmdRequest:
					// [client, "", body...]; a broker sends one request at a
					// time, so one that comes while busy is not MDP and dropped.
					if busy || len(f) < 5 || len(f[4]) != 0 {
						continue
					}
					busy = true
					w.jobs <- job{client: f[3], body: f[5:]}
				case CmdDisconnect:
					graceful = false
					return busy, errDisconnect
				}
				// HEARTBEAT, and anything else, only shows the broker alive.
			}
		}
	}
}
