package titanic

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/reliable/mdp"
)

// The service names of RFC 9.
const (
	ServiceRequest = "titanic.request"
	ServiceReply   = "titanic.reply"
	ServiceClose   = "titanic.close"
)

// The status codes of RFC 9, the first frame of every Titanic reply.
const (
	StatusOK      = "200" // request stored (with its uuid), reply ready (with the reply), closed
	StatusPending = "300" // the request has no reply yet
	StatusUnknown = "400" // no such request (never made, or closed)
	StatusFailed  = "500" // the request could not be stored, or was malformed
)

// DefaultRetryInterval is how often Titanic tries again the requests whose service
// has no worker or did not answer.
const DefaultRetryInterval = time.Second

// Options configures a Titanic.
type Options struct {
	// Worker configures the three workers Titanic registers with the broker.
	Worker mdp.WorkerOptions
	// Client configures the Majordomo client that carries stored requests to their
	// services.
	Client mdp.ClientOptions
	// RetryInterval is how often pending requests are tried again. Zero means
	// DefaultRetryInterval.
	RetryInterval time.Duration
	// Logger receives notable events (store failures, undeliverable requests). Nil
	// logs nothing.
	Logger *slog.Logger
}

// Stats counts what a Titanic did since it started.
type Stats struct {
	Stored     uint64 // requests stored (titanic.request answered 200)
	Dispatched uint64 // requests answered by their service, replies stored
	Attempts   uint64 // requests sent to a service (retries included)
	Rounds     uint64 // passes of the dispatcher over the pending requests
}

// Titanic is the Titanic service (RFC 9): three Majordomo workers for
// titanic.request, titanic.reply and titanic.close on one broker, and a dispatcher
// that carries each stored request to its service and stores the reply.
type Titanic struct {
	broker string
	store  *Store
	opts   Options
	wake   chan struct{}
	ran    atomic.Bool

	stored, dispatched, attempts, rounds atomic.Uint64
}

// New returns a Titanic serving the broker at endpoint from store. The store stays
// the caller's: Titanic never closes it.
func New(broker string, store *Store, opts Options) (*Titanic, error) {
	if store == nil {
		return nil, errors.New("titanic: nil store")
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Titanic{broker: broker, store: store, opts: opts, wake: make(chan struct{}, 1)}, nil
}

// Stats returns the counters.
func (t *Titanic) Stats() Stats {
	return Stats{Stored: t.stored.Load(), Dispatched: t.dispatched.Load(), Attempts: t.attempts.Load(), Rounds: t.rounds.Load()}
}

// Run serves until ctx ends, then returns ctx.Err() once every goroutine it started
// (the three workers and the dispatcher) has exited. A Titanic runs once. Requests
// stored by an earlier run are dispatched too.
func (t *Titanic) Run(ctx context.Context) error {
	if !t.ran.CompareAndSwap(false, true) {
		return errors.New("titanic: already running")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handlers := map[string]mdp.Handler{
		ServiceRequest: t.serveRequest,
		ServiceReply:   t.serveReply,
		ServiceClose:   t.serveClose,
	}
	var workers []*mdp.Worker
	for name, h := range handlers {
		w, err := mdp.NewWorker(t.broker, name, h, t.opts.Worker)
		if err != nil {
			return err
		}
		workers = append(workers, w)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(workers)+1)
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.Run(ctx)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- t.dispatch(ctx)
	}()
	err := <-errs // the first to stop stops the others
	cancel()
	wg.Wait()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return ctx.Err()
	}
	return err
}

// serveRequest stores [service, body...] and answers [200, uuid].
func (t *Titanic) serveRequest(_ context.Context, req [][]byte) ([][]byte, error) {
	if len(req) < 1 || len(req[0]) == 0 {
		return status(StatusFailed), nil
	}
	id, err := t.store.AddRequest(string(req[0]), req[1:])
	if err != nil {
		t.opts.Logger.Error("titanic: cannot store a request", "err", err)
		return status(StatusFailed), nil
	}
	t.stored.Add(1)
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return [][]byte{[]byte(StatusOK), []byte(id)}, nil
}

// serveReply answers [uuid] with [200, reply...], [300] or [400].
func (t *Titanic) serveReply(_ context.Context, req [][]byte) ([][]byte, error) {
	if len(req) != 1 {
		return status(StatusFailed), nil
	}
	reply, st, err := t.store.Reply(string(req[0]))
	switch {
	case err != nil:
		t.opts.Logger.Error("titanic: cannot read a reply", "err", err)
		return status(StatusFailed), nil
	case st == Done:
		return append(status(StatusOK), reply...), nil
	case st == Pending:
		return status(StatusPending), nil
	}
	return status(StatusUnknown), nil
}

// serveClose forgets [uuid] and answers [200].
func (t *Titanic) serveClose(_ context.Context, req [][]byte) ([][]byte, error) {
	if len(req) != 1 {
		return status(StatusFailed), nil
	}
	if err := t.store.CloseRequest(string(req[0])); err != nil {
		t.opts.Logger.Error("titanic: cannot close a request", "err", err)
		return status(StatusFailed), nil
	}
	return status(StatusOK), nil
}

func status(code string) [][]byte { return [][]byte{[]byte(code)} }

// dispatch sends the pending requests, oldest first, to their services whenever a
// request arrives and every RetryInterval, until ctx ends.
func (t *Titanic) dispatch(ctx context.Context) error {
	client, err := mdp.NewClient(t.broker, t.opts.Client)
	if err != nil {
		return err
	}
	defer client.Close()
	tick := time.NewTicker(t.opts.RetryInterval)
	defer tick.Stop()
	for {
		ids, err := t.store.Pending()
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := t.deliver(ctx, client, id); err != nil {
				return err
			}
		}
		t.rounds.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.wake:
		case <-tick.C:
		}
	}
}

// deliver sends one stored request to its service, if the broker says it has a
// worker, and stores the reply. A request that gets no reply stays pending. Only
// the end of ctx or a failing store is an error.
func (t *Titanic) deliver(ctx context.Context, client *mdp.Client, id string) error {
	service, body, ok, err := t.store.Request(id)
	if err != nil || !ok {
		return err
	}
	mmi, err := client.Request(ctx, mdp.MMIService, []byte(service))
	if err != nil || len(mmi) == 0 || string(mmi[0]) != mdp.MMIFound {
		return ctx.Err() // no worker, or no broker: try later
	}
	t.attempts.Add(1)
	reply, err := client.Request(ctx, service, body...)
	if err != nil {
		t.opts.Logger.Info("titanic: no reply yet", "service", service, "err", err)
		return ctx.Err()
	}
	if err := t.store.SetReply(id, reply); err != nil {
		return err
	}
	t.dispatched.Add(1)
	return nil
}
