package idempotent

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Handler serves one request (its frames after the id) and returns the reply. It has
// the shape of the handlers of packages reliable/pirate and reliable/mdp.
type Handler func(ctx context.Context, request [][]byte) ([][]byte, error)

// Store remembers the replies given to request ids. Its methods are called
// concurrently. Get reports ok false for an id it does not hold (never seen,
// evicted or expired).
type Store interface {
	Get(id []byte) (reply [][]byte, ok bool, err error)
	Put(id []byte, reply [][]byte) error
}

// ErrNoID is returned for a request that carries no id.
var ErrNoID = errors.New("idempotent: request has no id")

// Options configures a Receiver.
type Options struct {
	// Store remembers replies. Nil means a Memory store with Window and TTL.
	Store Store
	// Window and TTL configure the default Memory store (see NewMemory).
	Window int
	TTL    time.Duration

	// ID splits a request into its id and the frames the handler sees. Nil means
	// the first frame is the id (FirstFrameID).
	ID func(request [][]byte) (id []byte, body [][]byte, err error)
}

// Stats counts what a Receiver did.
type Stats struct {
	Applied    uint64 // requests the handler served successfully
	Failed     uint64 // requests the handler returned an error for (not remembered)
	Duplicates uint64 // requests answered from the store or from a request in flight
}

// Receiver wraps a Handler so that requests with the same id take effect once. Its
// methods are safe for concurrent use.
type Receiver struct {
	h     Handler
	store Store
	id    func([][]byte) ([]byte, [][]byte, error)

	mu       sync.Mutex
	inflight map[string]*call

	applied, failed, dups atomic.Uint64
}

// call is a request in progress; duplicates wait on done for its result.
type call struct {
	done  chan struct{}
	reply [][]byte
	err   error
}

// New returns a Receiver that serves requests with h.
func New(h Handler, opts Options) *Receiver {
	r := &Receiver{h: h, store: opts.Store, id: opts.ID, inflight: make(map[string]*call)}
	if r.store == nil {
		r.store = NewMemory(opts.Window, opts.TTL)
	}
	if r.id == nil {
		r.id = FirstFrameID
	}
	return r
}

// FirstFrameID is the default id layout: the first frame is the id, the rest the
// request.
func FirstFrameID(request [][]byte) ([]byte, [][]byte, error) {
	if len(request) == 0 || len(request[0]) == 0 {
		return nil, nil, ErrNoID
	}
	return request[0], request[1:], nil
}

// NewID returns a new random 16-byte request id.
func NewID() []byte {
	id := make([]byte, 16)
	rand.Read(id)
	return id
}

// NewRequest returns the frames of a request with id, in the default layout.
func NewRequest(id []byte, body ...[]byte) [][]byte {
	return append([][]byte{id}, body...)
}

// Stats returns the receiver's counters.
func (r *Receiver) Stats() Stats {
	return Stats{Applied: r.applied.Load(), Failed: r.failed.Load(), Duplicates: r.dups.Load()}
}

// Handle serves request: it runs the handler for an id seen for the first time, and
// returns the first reply for an id seen before (waiting for it if the first request
// is still running). Its signature fits pirate.Handler and mdp.Handler.
func (r *Receiver) Handle(ctx context.Context, request [][]byte) ([][]byte, error) {
	id, body, err := r.id(request)
	if err != nil {
		return nil, err
	}
	key := string(id)
	for {
		r.mu.Lock()
		if c, ok := r.inflight[key]; ok {
			r.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if c.err != nil {
				continue // the first attempt failed without effect: try ourselves
			}
			r.dups.Add(1)
			return c.reply, nil
		}
		reply, ok, err := r.store.Get(id)
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		if ok {
			r.mu.Unlock()
			r.dups.Add(1)
			return reply, nil
		}
		c := &call{done: make(chan struct{})}
		r.inflight[key] = c
		r.mu.Unlock()
		return r.run(ctx, key, id, body, c)
	}
}

func (r *Receiver) run(ctx context.Context, key string, id []byte, body [][]byte, c *call) ([][]byte, error) {
	defer func() {
		r.mu.Lock()
		delete(r.inflight, key)
		r.mu.Unlock()
		close(c.done)
	}()
	c.reply, c.err = r.h(ctx, body)
	if c.err != nil {
		r.failed.Add(1)
		return nil, c.err
	}
	r.applied.Add(1)
	if err := r.store.Put(id, c.reply); err != nil {
		// The effect happened but is not recorded: say so, and let the caller
		// decide; a retry would apply it again.
		return c.reply, errors.Join(errors.New("idempotent: reply not recorded"), err)
	}
	return c.reply, nil
}
