package pirate

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Handler serves one request: it gets the request's frames (without the reply
// envelope) and returns the reply's frames. A Handler that returns an error sends no
// reply; the client's retry will reach some worker again.
//
// The request's frames belong to the Handler, but over inproc they may share memory
// with the client's copy, which a retry sends again: read them, do not modify them.
type Handler func(ctx context.Context, request [][]byte) ([][]byte, error)

// WorkerOptions configures a Paranoid Pirate [Worker].
type WorkerOptions struct {
	// HeartbeatInterval is how often the worker sends a heartbeat to the queue, and
	// the unit of Liveness. Zero means DefaultHeartbeatInterval. It must match the
	// queue's.
	HeartbeatInterval time.Duration
	// Liveness is how many intervals the worker waits, idle, without hearing from
	// the queue before it decides the queue is gone and reconnects. Zero means
	// DefaultLiveness.
	Liveness int
	// ReconnectInterval is the first wait before reconnecting; each further failure
	// doubles it up to ReconnectIntervalMax. Zeros mean DefaultReconnectInterval and
	// DefaultReconnectIntervalMax.
	ReconnectInterval, ReconnectIntervalMax time.Duration
	// Socket configures each DEALER socket the worker makes.
	Socket socket.Options
}

func (o WorkerOptions) normalize() WorkerOptions {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.Liveness <= 0 {
		o.Liveness = DefaultLiveness
	}
	if o.ReconnectInterval <= 0 {
		o.ReconnectInterval = DefaultReconnectInterval
	}
	if o.ReconnectIntervalMax <= 0 {
		o.ReconnectIntervalMax = DefaultReconnectIntervalMax
	}
	if o.ReconnectIntervalMax < o.ReconnectInterval {
		o.ReconnectIntervalMax = o.ReconnectInterval
	}
	return o
}

// Worker is a Paranoid Pirate worker (RFC 6, the guide's ppworker): a DEALER that
// announces itself to a queue with READY, serves requests one at a time with its
// Handler, sends heartbeats while idle, and, when it has heard nothing from the queue
// for Liveness intervals, closes its socket and connects again with a fresh one,
// waiting longer after each failure.
type Worker struct {
	endpoint string
	handler  Handler
	opts     WorkerOptions
	started  atomic.Bool

	connects atomic.Int64
}

// NewWorker returns a worker for the queue at endpoint, serving requests with h.
func NewWorker(endpoint string, h Handler, opts WorkerOptions) (*Worker, error) {
	if h == nil {
		return nil, errors.New("pirate: nil handler")
	}
	return &Worker{endpoint: endpoint, handler: h, opts: opts.normalize()}, nil
}

// Connects returns how many times the worker has connected (and sent READY): 1 after
// the first connection, one more after each reconnection.
func (w *Worker) Connects() int { return int(w.connects.Load()) }

// errLost ends a session whose queue fell silent.
var errLost = errors.New("pirate: queue silent")

// Run serves until ctx ends, returning ctx.Err(), or until a socket cannot be made
// (a bad endpoint). It runs in the calling goroutine, as does the Handler, and
// starts none. A worker runs once.
func (w *Worker) Run(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	backoff := w.opts.ReconnectInterval
	for {
		heard, err := w.session(ctx)
		if !errors.Is(err, errLost) {
			return err
		}
		if heard {
			backoff = w.opts.ReconnectInterval
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, w.opts.ReconnectIntervalMax)
	}
}

// session connects one socket and serves on it until the queue falls silent
// (errLost) or ctx ends. heard reports whether anything came from the queue.
func (w *Worker) session(ctx context.Context) (heard bool, err error) {
	s, err := socket.New(socket.Dealer, w.opts.Socket)
	if err != nil {
		return false, err
	}
	lost := false
	defer func() {
		if lost {
			s.Shutdown(done) // abandon what is queued for a queue that is gone
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), w.opts.HeartbeatInterval)
		s.Shutdown(sctx)
		cancel()
	}()
	if err := s.Connect(w.endpoint); err != nil {
		return false, err
	}
	w.connects.Add(1)
	if err := s.Send(ctx, socket.NewMsgString(Ready)); err != nil {
		return false, err
	}
	poller := socket.NewPoller()
	poller.Add(s, socket.PollIn)
	watch := poller.Watch()
	defer watch.Stop()
	tick := time.NewTicker(w.opts.HeartbeatInterval)
	defer tick.Stop()
	liveness := w.opts.Liveness
	fresh := false // heard from the queue since the last tick
	for {
		select {
		case <-ctx.Done():
			return heard, ctx.Err()
		case <-tick.C:
			if fresh {
				liveness = w.opts.Liveness
				fresh = false
			} else if liveness--; liveness <= 0 {
				lost = true
				return heard, errLost
			}
			// A heartbeat never waits: one that finds the queue to a silent
			// peer full is skipped, and the silence counted as usual.
			if err := s.Send(done, socket.NewMsgString(Heartbeat)); err != nil && !errors.Is(err, context.Canceled) {
				return heard, err
			}
		case <-watch.C:
			for {
				m, err := s.Recv(done)
				if err != nil {
					if errors.Is(err, context.Canceled) && ctx.Err() == nil {
						break
					}
					return heard, err
				}
				heard, fresh = true, true
				if len(m.Frames) == 1 {
					continue // a heartbeat, or an invalid message: ignored
				}
				if err := w.serve(ctx, s, m); err != nil {
					return heard, err
				}
				// The queue only heartbeats idle workers: the time spent
				// serving does not count against it.
				tick.Reset(w.opts.HeartbeatInterval)
			}
		}
	}
}

// serve runs the handler on one request, [client, "", request...] (a reply envelope
// of any depth, ending at the first empty frame), and sends the reply in the same
// envelope.
func (w *Worker) serve(ctx context.Context, s *socket.Socket, m socket.Msg) error {
	env := 0
	for env < len(m.Frames) && len(m.Frames[env]) > 0 {
		env++
	}
	if env == len(m.Frames) {
		return nil // no envelope: not a request from a queue
	}
	env++ // the delimiter
	reply, err := w.handler(ctx, m.Frames[env:])
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	frames := make([][]byte, 0, env+len(reply))
	frames = append(frames, m.Frames[:env]...)
	frames = append(frames, reply...)
	if err := s.Send(ctx, socket.NewMsg(frames...)); err != nil {
		return fmt.Errorf("pirate: send reply: %w", err)
	}
	return nil
}
