package pirate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// The Paranoid Pirate Protocol's (RFC 6) two control messages, each one frame, sent by
// workers to the queue and by the queue to idle workers.
const (
	Ready     = "\x01" // PPP_READY: a worker is up and idle
	Heartbeat = "\x02" // PPP_HEARTBEAT: the sender is alive
)

// QueueOptions configures a Paranoid Pirate [Queue].
type QueueOptions struct {
	// HeartbeatInterval is how often the queue sends a heartbeat to each idle worker,
	// and the unit of Liveness. Zero means DefaultHeartbeatInterval. Workers must use
	// the same interval.
	HeartbeatInterval time.Duration
	// Liveness is how many intervals a worker may stay silent before the queue
	// forgets it. Zero means DefaultLiveness.
	Liveness int
}

func (o QueueOptions) normalize() QueueOptions {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if o.Liveness <= 0 {
		o.Liveness = DefaultLiveness
	}
	return o
}

// ErrRunning is returned by a second call of a Run or Serve method.
var ErrRunning = errors.New("pirate: already running")

// Queue is a Paranoid Pirate queue (RFC 6, the guide's ppqueue): a ROUTER frontend
// for clients (REQ, or Lazy Pirate clients) and a ROUTER backend for Paranoid Pirate
// workers. It hands each request to the worker that has been idle longest, sends
// heartbeats to idle workers, and forgets a worker it has not heard from for
// Liveness heartbeat intervals. Requests wait in the clients' queues (the frontend is
// read only while some worker is idle).
type Queue struct {
	frontend, backend *socket.Socket
	opts              QueueOptions
	started           atomic.Bool
	idle              atomic.Int64 // the number of idle workers, for Workers

	workers []queueWorker // idle workers, longest idle first
}

type queueWorker struct {
	id     []byte
	expiry time.Time
}

// NewQueue returns a queue between frontend and backend, which must both be ROUTER
// sockets, bound or connected by the caller. The queue never closes them.
func NewQueue(frontend, backend *socket.Socket, opts QueueOptions) (*Queue, error) {
	if frontend == nil || backend == nil {
		return nil, errors.New("pirate: nil frontend or backend socket")
	}
	if frontend.Type() != socket.Router || backend.Type() != socket.Router {
		return nil, fmt.Errorf("pirate: queue needs ROUTER sockets, got %v and %v", frontend.Type(), backend.Type())
	}
	return &Queue{frontend: frontend, backend: backend, opts: opts.normalize()}, nil
}

// Workers returns the number of idle workers the queue knows.
func (q *Queue) Workers() int { return int(q.idle.Load()) }

// done is a context that has ended: Recv with it returns at once when nothing waits.
var done = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// Run serves until ctx ends (returning ctx.Err()) or a socket fails, for instance
// because it was closed (returning an error that wraps socket.ErrClosed). It runs in
// the calling goroutine and starts none. A queue runs once.
func (q *Queue) Run(ctx context.Context) error {
	if !q.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	poller := socket.NewPoller()
	poller.Add(q.frontend, socket.PollIn)
	poller.Add(q.backend, socket.PollIn)
	w := poller.Watch()
	defer w.Stop()
	interval := q.opts.HeartbeatInterval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	// expire fires when the idle worker heard from longest ago expires: the idle
	// list is in the order workers were last heard from, so that is its first.
	expire := time.NewTimer(interval)
	defer expire.Stop()
	for {
		if len(q.workers) > 0 {
			expire.Reset(time.Until(q.workers[0].expiry))
		} else {
			expire.Stop()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-expire.C:
			q.purge(time.Now())
		case <-tick.C:
			if err := q.heartbeat(ctx, time.Now()); err != nil {
				return err
			}
		case <-w.C:
			for {
				more, err := q.serve(ctx)
				if err != nil {
					return err
				}
				if !more {
					break
				}
				// A full batch: send heartbeats if they are due before the next.
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-tick.C:
					if err := q.heartbeat(ctx, time.Now()); err != nil {
						return err
					}
				default:
				}
			}
		}
	}
}

// maxBatch bounds how many messages one wake-up handles from a socket, so that
// heartbeats are sent on time under load.
const maxBatch = 256

// serve handles what is waiting, up to a batch from each socket: worker messages
// first, then requests while some worker is idle. It reports whether a batch was
// full, so that more may be waiting.
func (q *Queue) serve(ctx context.Context) (more bool, err error) {
	n := 0
	for ; n < maxBatch; n++ {
		m, err := q.backend.Recv(done)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				break
			}
			return false, fmt.Errorf("pirate: backend: %w", err)
		}
		if err := q.fromWorker(ctx, m); err != nil {
			return false, err
		}
	}
	k := 0
	for ; k < maxBatch && len(q.workers) > 0; k++ {
		m, err := q.frontend.Recv(done)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				break
			}
			return false, fmt.Errorf("pirate: frontend: %w", err)
		}
		w := q.workers[0]
		q.workers = q.workers[1:]
		q.idle.Store(int64(len(q.workers)))
		frames := make([][]byte, 0, len(m.Frames)+1)
		frames = append(frames, w.id)
		frames = append(frames, m.Frames...)
		if err := q.backend.Send(ctx, socket.NewMsg(frames...)); fatal(err) {
			return false, fmt.Errorf("pirate: backend: %w", err)
		}
	}
	return n == maxBatch || k == maxBatch, nil
}

// fromWorker handles one message from the backend: [worker, READY or HEARTBEAT] or
// [worker, client, "", reply...]. Either marks its worker idle and alive, as in the
// guide's queue: the queue trusts the peers on its backend to be workers.
func (q *Queue) fromWorker(ctx context.Context, m socket.Msg) error {
	if len(m.Frames) < 2 {
		return nil // a ROUTER always gives the identity; nothing else is no message
	}
	id := m.Frames[0]
	if len(m.Frames) == 2 {
		// READY or HEARTBEAT, from a new worker or a known one (a heartbeat from
		// an unknown worker is one that outlived a restarted queue). Anything
		// else in one frame is invalid and ignored.
		if f := string(m.Frames[1]); f == Ready || f == Heartbeat {
			q.ready(id, time.Now())
		}
		return nil
	}
	q.ready(id, time.Now())
	if err := q.frontend.Send(ctx, socket.NewMsg(m.Frames[1:]...)); fatal(err) {
		return fmt.Errorf("pirate: frontend: %w", err)
	}
	return nil
}

// ready moves worker id to the end of the idle list with a fresh expiry.
func (q *Queue) ready(id []byte, now time.Time) {
	for i := range q.workers {
		if bytes.Equal(q.workers[i].id, id) {
			q.workers = append(q.workers[:i], q.workers[i+1:]...)
			break
		}
	}
	expiry := now.Add(time.Duration(q.opts.Liveness) * q.opts.HeartbeatInterval)
	q.workers = append(q.workers, queueWorker{id: bytes.Clone(id), expiry: expiry})
	q.idle.Store(int64(len(q.workers)))
}

// heartbeat forgets expired workers and sends a heartbeat to the others.
func (q *Queue) heartbeat(ctx context.Context, now time.Time) error {
	q.purge(now)
	for _, w := range q.workers {
		if err := q.backend.Send(ctx, socket.NewMsgString(string(w.id), Heartbeat)); fatal(err) {
			return fmt.Errorf("pirate: backend: %w", err)
		}
	}
	return nil
}

// purge forgets the workers that expired by now.
func (q *Queue) purge(now time.Time) {
	live := q.workers[:0]
	for _, w := range q.workers {
		if now.Before(w.expiry) {
			live = append(live, w)
		}
	}
	clear(q.workers[len(live):])
	q.workers = live
	q.idle.Store(int64(len(q.workers)))
}

// fatal reports an error that should stop the queue: any but a message for a
// peer that is gone, which a RouterMandatory socket reports and a plain ROUTER drops.
func fatal(err error) bool {
	return err != nil && !errors.Is(err, socket.ErrHostUnreachable)
}
