package mdp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/socket"
)

// BrokerOptions configures a [Broker].
type BrokerOptions struct {
	// HeartbeatInterval is how often the broker sends a heartbeat to each worker,
	// and the unit of Liveness. Zero means DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// Liveness is how many intervals a worker may stay silent before the broker
	// forgets it. Zero means DefaultLiveness.
	Liveness int
	// MaxQueued bounds the requests the broker holds, over all services, while
	// their services have no idle worker. A request beyond it is dropped (and
	// counted in BrokerStats.Dropped); its client's retry may find room. Zero means
	// DefaultMaxQueued. The socket's MaxMsgSize bounds each request's size.
	MaxQueued int
	// Logger receives the broker's notable events (workers registering, expiring,
	// malformed messages) at debug and info level. Nil logs nothing.
	Logger *slog.Logger
}

// BrokerStats counts what a broker has done.
type BrokerStats struct {
	Workers   int    // workers registered now, idle or busy
	Queued    int    // requests waiting for a worker now
	Requests  uint64 // client requests received, MMI included
	Replies   uint64 // replies sent to clients, MMI included
	Expired   uint64 // workers forgotten for silence
	Dropped   uint64 // requests dropped because MaxQueued was reached
	Malformed uint64 // messages that were not MDP 0.1, ignored
}

// Broker is a Majordomo 0.1 broker (RFC 7, the guide's mdbroker) on one ROUTER
// socket that clients and workers both connect to. It keeps, for each service, the
// idle workers (longest idle first) and the requests waiting for one; answers MMI
// requests (RFC 8) itself; heartbeats every worker and forgets a worker silent for
// Liveness intervals; and tells a worker it does not know to disconnect, so that
// workers of a restarted broker register again.
type Broker struct {
	sock    *socket.Socket
	opts    BrokerOptions
	log     *slog.Logger
	started atomic.Bool

	services map[string]*service
	workers  map[string]*worker
	queued   int

	mu    sync.Mutex // guards stats and count
	stats BrokerStats
	count map[string]int // registered workers by service
}

type service struct {
	name     string
	requests []request // oldest first
	idle     []*worker // longest idle first
}

type request struct {
	client []byte
	body   [][]byte
}

type worker struct {
	id      string // routing id, as a map key
	service *service
	expiry  time.Time
	idle    bool
}

// NewBroker returns a broker on s, which must be a ROUTER socket, bound (or
// connected) by the caller. The broker never closes it.
func NewBroker(s *socket.Socket, opts BrokerOptions) (*Broker, error) {
	if s == nil {
		return nil, errors.New("mdp: nil socket")
	}
	if s.Type() != socket.Router {
		return nil, fmt.Errorf("mdp: broker needs a ROUTER socket, got %v", s.Type())
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.Liveness <= 0 {
		opts.Liveness = DefaultLiveness
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Broker{
		sock:     s,
		opts:     opts,
		log:      log,
		services: make(map[string]*service),
		workers:  make(map[string]*worker),
		count:    make(map[string]int),
	}, nil
}

// Workers returns how many workers are registered for service now.
func (b *Broker) Workers(service string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count[service]
}

// Stats returns the broker's counters.
func (b *Broker) Stats() BrokerStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

const maxBatch = 256

// Run serves until ctx ends (returning ctx.Err()) or the socket fails, for instance
// because it was closed (returning an error that wraps socket.ErrClosed). It runs in
// the calling goroutine and starts none. A broker runs once.
func (b *Broker) Run(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	poller := socket.NewPoller()
	poller.Add(b.sock, socket.PollIn)
	watch := poller.Watch()
	defer watch.Stop()
	tick := time.NewTicker(b.opts.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := b.heartbeat(ctx, time.Now()); err != nil {
				return err
			}
		case <-watch.C:
			for {
				more, err := b.serve(ctx)
				if err != nil {
					return err
				}
				if !more {
					break
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-tick.C:
					if err := b.heartbeat(ctx, time.Now()); err != nil {
						return err
					}
				default:
				}
			}
		}
	}
}

// serve handles up to a batch of waiting messages, and reports a full batch.
func (b *Broker) serve(ctx context.Context) (more bool, err error) {
	for range maxBatch {
		m, err := b.sock.Recv(done)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return false, nil
			}
			return false, fmt.Errorf("mdp: broker: %w", err)
		}
		if err := b.handle(ctx, m); err != nil {
			return false, err
		}
	}
	return true, nil
}

// send sends frames on the broker's socket. A message for a peer that is gone is
// dropped, whether the ROUTER drops it (the default) or reports it
// (Options.RouterMandatory): a client that left must not stop the broker.
func (b *Broker) send(ctx context.Context, frames ...[]byte) error {
	err := b.sock.Send(ctx, socket.NewMsg(frames...))
	if err != nil && !errors.Is(err, socket.ErrHostUnreachable) {
		return fmt.Errorf("mdp: broker: %w", err)
	}
	return nil
}

// handle dispatches one message, [sender, "", header, ...].
func (b *Broker) handle(ctx context.Context, m socket.Msg) error {
	f := m.Frames
	if len(f) < 4 || len(f[1]) != 0 {
		b.malformed("short message or no delimiter", f)
		return nil
	}
	switch string(f[2]) {
	case ClientHeader:
		return b.fromClient(ctx, f[0], string(f[3]), f[4:])
	case WorkerHeader:
		return b.fromWorker(ctx, f[0], string(f[3]), f[4:])
	}
	b.malformed("unknown header", f)
	return nil
}

func (b *Broker) malformed(why string, f [][]byte) {
	b.mu.Lock()
	b.stats.Malformed++
	b.mu.Unlock()
	b.log.Debug("mdp: ignored a malformed message", "reason", why, "frames", len(f))
}

// fromClient queues a client's request for its service, or answers MMI.
func (b *Broker) fromClient(ctx context.Context, client []byte, name string, body [][]byte) error {
	b.mu.Lock()
	b.stats.Requests++
	b.mu.Unlock()
	if strings.HasPrefix(name, MMIPrefix) {
		code := MMINotImplemented
		if name == MMIService {
			code = MMINotFound
			if len(body) > 0 && b.countOf(string(body[0])) > 0 {
				code = MMIFound
			}
		}
		return b.reply(ctx, client, name, [][]byte{[]byte(code)})
	}
	if b.queued >= b.opts.MaxQueued {
		b.mu.Lock()
		b.stats.Dropped++
		b.mu.Unlock()
		return nil
	}
	s := b.service(name)
	s.requests = append(s.requests, request{client: client, body: body})
	b.queued++
	return b.dispatch(ctx, s)
}

func (b *Broker) countOf(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count[name]
}

// reply sends a client its reply from service.
func (b *Broker) reply(ctx context.Context, client []byte, service string, body [][]byte) error {
	frames := make([][]byte, 0, 4+len(body))
	frames = append(frames, client, nil, []byte(ClientHeader), []byte(service))
	frames = append(frames, body...)
	b.mu.Lock()
	b.stats.Replies++
	b.mu.Unlock()
	return b.send(ctx, frames...)
}

// service returns the service called name, making it if need be.
func (b *Broker) service(name string) *service {
	s := b.services[name]
	if s == nil {
		s = &service{name: name}
		b.services[name] = s
	}
	return s
}

// dispatch hands s's waiting requests to its idle workers.
func (b *Broker) dispatch(ctx context.Context, s *service) error {
	for len(s.requests) > 0 && len(s.idle) > 0 {
		r := s.requests[0]
		s.requests[0] = request{}
		s.requests = s.requests[1:]
		b.queued--
		w := s.idle[0]
		s.idle[0] = nil
		s.idle = s.idle[1:]
		w.idle = false
		frames := make([][]byte, 0, 6+len(r.body))
		frames = append(frames, []byte(w.id), nil, []byte(WorkerHeader), []byte(CmdRequest), r.client, nil)
		frames = append(frames, r.body...)
		if err := b.send(ctx, frames...); err != nil {
			return err
		}
	}
	b.setQueued()
	b.forget(s)
	return nil
}

// forget drops a service with neither workers nor requests, so that names clients
// make up do not accumulate.
func (b *Broker) forget(s *service) {
	if len(s.requests) == 0 && len(s.idle) == 0 && b.countOf(s.name) == 0 {
		delete(b.services, s.name)
	}
}

func (b *Broker) setQueued() {
	b.mu.Lock()
	b.stats.Queued = b.queued
	b.mu.Unlock()
}

// fromWorker handles a worker's command.
func (b *Broker) fromWorker(ctx context.Context, sender []byte, cmd string, body [][]byte) error {
	id := string(sender)
	w := b.workers[id]
	if w != nil {
		w.expiry = b.expiry(time.Now())
	}
	switch cmd {
	case CmdReady:
		if w != nil || len(body) < 1 || strings.HasPrefix(string(body[0]), MMIPrefix) {
			// READY twice, without a service, or for a name the broker keeps:
			// a protocol error, which ends the worker's registration.
			if w != nil {
				b.remove(w)
			}
			return b.disconnect(ctx, sender)
		}
		s := b.service(string(body[0]))
		w = &worker{id: id, service: s, expiry: b.expiry(time.Now())}
		b.workers[id] = w
		b.mu.Lock()
		b.count[s.name]++
		b.stats.Workers = len(b.workers)
		b.mu.Unlock()
		b.log.Info("mdp: worker registered", "service", s.name)
		return b.idle(ctx, w)
	case CmdReply:
		if w == nil || w.idle {
			if w != nil {
				b.remove(w)
			}
			return b.disconnect(ctx, sender)
		}
		if len(body) < 2 || len(body[1]) != 0 {
			b.malformed("reply without a client envelope", body)
			return b.idle(ctx, w)
		}
		if err := b.reply(ctx, body[0], w.service.name, body[2:]); err != nil {
			return err
		}
		return b.idle(ctx, w)
	case CmdHeartbeat:
		if w == nil {
			return b.disconnect(ctx, sender)
		}
		return nil
	case CmdDisconnect:
		if w != nil {
			b.remove(w)
		}
		return nil
	}
	b.malformed("unknown worker command", body)
	return nil
}

func (b *Broker) expiry(now time.Time) time.Time {
	return now.Add(time.Duration(b.opts.Liveness) * b.opts.HeartbeatInterval)
}

// idle puts w at the end of its service's idle list and dispatches.
func (b *Broker) idle(ctx context.Context, w *worker) error {
	w.idle = true
	w.service.idle = append(w.service.idle, w)
	return b.dispatch(ctx, w.service)
}

// disconnect tells the worker at id to disconnect.
func (b *Broker) disconnect(ctx context.Context, id []byte) error {
	return b.send(ctx, id, nil, []byte(WorkerHeader), []byte(CmdDisconnect))
}

// remove forgets w.
func (b *Broker) remove(w *worker) {
	delete(b.workers, w.id)
	s := w.service
	if w.idle {
		for i, x := range s.idle {
			if x == w {
				s.idle = append(s.idle[:i], s.idle[i+1:]...)
				break
			}
		}
	}
	b.mu.Lock()
	if b.count[s.name]--; b.count[s.name] <= 0 {
		delete(b.count, s.name)
	}
	b.stats.Workers = len(b.workers)
	b.mu.Unlock()
	b.forget(s)
}

// heartbeat forgets silent workers and sends the others a heartbeat.
func (b *Broker) heartbeat(ctx context.Context, now time.Time) error {
	for _, w := range b.workers {
		if now.After(w.expiry) {
			b.log.Info("mdp: worker expired", "service", w.service.name)
			b.remove(w)
			b.mu.Lock()
			b.stats.Expired++
			b.mu.Unlock()
			continue
		}
		if err := b.send(ctx, []byte(w.id), nil, []byte(WorkerHeader), []byte(CmdHeartbeat)); err != nil {
			return err
		}
	}
	return nil
}
