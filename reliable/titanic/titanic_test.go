package titanic

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/idempotent"
	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const beat = 50 * time.Millisecond

// runner runs a function in a goroutine until stopped, and checks how it ended.
type runner struct {
	cancel context.CancelFunc
	done   chan error
}

func start(f func(ctx context.Context) error) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- f(ctx) }()
	return r
}

func (r *runner) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	require.ErrorIs(t, <-r.done, context.Canceled)
}

// startBroker runs a Majordomo broker on endpoint (a wildcard the first time) and
// returns its resolved endpoint.
func startBroker(t *testing.T, endpoint string) (string, *runner) {
	t.Helper()
	s, err := socket.New(socket.Router, socket.Options{Linger: -1})
	require.NoError(t, err)
	require.NoError(t, s.Bind(endpoint))
	b, err := mdp.NewBroker(s, mdp.BrokerOptions{HeartbeatInterval: beat})
	require.NoError(t, err)
	r := start(func(ctx context.Context) error {
		defer s.Close()
		return b.Run(ctx)
	})
	return s.LastEndpoint(), r
}

func titanicOptions() Options {
	return Options{
		Worker:        mdp.WorkerOptions{HeartbeatInterval: beat, ReconnectInterval: beat},
		Client:        mdp.ClientOptions{Timeout: time.Second, Retries: 3},
		RetryInterval: beat,
	}
}

func startTitanic(t *testing.T, broker, dir string) (*Titanic, *runner, *Store) {
	t.Helper()
	st, err := Open(dir)
	require.NoError(t, err)
	ti, err := New(broker, st, titanicOptions())
	require.NoError(t, err)
	r := start(func(ctx context.Context) error {
		defer st.Close()
		return ti.Run(ctx)
	})
	return ti, r, st
}

// echo is a service that counts its executions.
type echo struct{ calls atomic.Int64 }

func (e *echo) handle(_ context.Context, req [][]byte) ([][]byte, error) {
	e.calls.Add(1)
	return append([][]byte{[]byte("echo")}, req...), nil
}

func startService(t *testing.T, broker, name string, h mdp.Handler) *runner {
	t.Helper()
	w, err := mdp.NewWorker(broker, name, h, mdp.WorkerOptions{HeartbeatInterval: beat, ReconnectInterval: beat})
	require.NoError(t, err)
	return start(w.Run)
}

func newClient(t *testing.T, broker string) *Client {
	t.Helper()
	c, err := NewClient(broker, mdp.ClientOptions{Timeout: 500 * time.Millisecond, Retries: 20})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitReply polls titanic.reply until the reply is there.
func waitReply(t *testing.T, ctx context.Context, c *Client, id string) [][]byte {
	t.Helper()
	for {
		r, err := c.Reply(ctx, id)
		if err == nil {
			return r
		}
		require.ErrorIs(t, err, ErrPending)
		select {
		case <-ctx.Done():
			require.NoError(t, ctx.Err(), "no reply to %s", id)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestRequestReplyClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	defer br.stop(t)
	ti, tr, _ := startTitanic(t, broker, t.TempDir())
	defer tr.stop(t)
	var e echo
	sr := startService(t, broker, "echo", e.handle)
	defer sr.stop(t)
	c := newClient(t, broker)

	id, err := c.Request(ctx, "echo", []byte("hello"), []byte("world"))
	require.NoError(t, err)
	require.Len(t, id, 32)
	require.Equal(t, [][]byte{[]byte("echo"), []byte("hello"), []byte("world")}, waitReply(t, ctx, c, id))
	require.NoError(t, c.CloseRequest(ctx, id))
	_, err = c.Reply(ctx, id)
	require.ErrorIs(t, err, ErrUnknown)
	_, err = c.Reply(ctx, "no-such-request")
	require.ErrorIs(t, err, ErrUnknown)
	require.Equal(t, int64(1), e.calls.Load())
	st := ti.Stats()
	require.Equal(t, Stats{Stored: 1, Dispatched: 1, Attempts: 1}, Stats{Stored: st.Stored, Dispatched: st.Dispatched, Attempts: st.Attempts})
}

// A request stays pending while its service has no worker, and is carried out once
// a worker comes.
func TestPendingUntilServiceAppears(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	defer br.stop(t)
	ti, tr, _ := startTitanic(t, broker, t.TempDir())
	defer tr.stop(t)
	c := newClient(t, broker)
	id, err := c.Request(ctx, "late", []byte("x"))
	require.NoError(t, err)
	// The dispatcher asks the broker (mmi.service) at every retry interval; after
	// three more rounds the request is still pending and nothing was sent.
	r0 := ti.Stats().Rounds
	require.Eventually(t, func() bool { return ti.Stats().Rounds >= r0+3 }, 10*time.Second, time.Millisecond)
	_, err = c.Reply(ctx, id)
	require.ErrorIs(t, err, ErrPending)
	require.Zero(t, ti.Stats().Attempts)
	var e echo
	sr := startService(t, broker, "late", e.handle)
	defer sr.stop(t)
	require.Equal(t, [][]byte{[]byte("echo"), []byte("x")}, waitReply(t, ctx, c, id))
	require.Equal(t, int64(1), e.calls.Load())
}

// Requests acknowledged by Titanic survive a restart of Titanic and of the broker:
// 20 requests are stored while their service is absent, both processes restart, the
// service comes, and each request is carried out exactly once.
func TestDurableAcrossRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	_, tr, _ := startTitanic(t, broker, dir)
	// A client that retries titanic.request stores the request again (Titanic is
	// at least once): give each attempt time enough on a loaded machine that the
	// store holds exactly the acknowledged ids.
	c, err := NewClient(broker, mdp.ClientOptions{Timeout: 10 * time.Second, Retries: 3})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	const n = 20
	ids := make([]string, n)
	for i := range n {
		id, err := c.Request(ctx, "work", []byte(fmt.Sprint(i)))
		require.NoError(t, err)
		ids[i] = id
	}

	tr.stop(t) // Titanic down: its store file closed
	br.stop(t) // broker down: every queue in it lost
	st, err := Open(dir)
	require.NoError(t, err)
	pending, err := st.Pending()
	require.NoError(t, err)
	require.Equal(t, ids, pending, "all 20 requests on disk, in order")
	require.NoError(t, st.Close())

	_, br = startBroker(t, broker) // the same endpoint
	defer br.stop(t)
	ti, tr, _ := startTitanic(t, broker, dir)
	defer tr.stop(t)
	var e echo
	sr := startService(t, broker, "work", e.handle)
	defer sr.stop(t)

	for i, id := range ids {
		require.Equal(t, [][]byte{[]byte("echo"), []byte(fmt.Sprint(i))}, waitReply(t, ctx, c, id))
	}
	require.Equal(t, int64(n), e.calls.Load(), "each request carried out once")
	require.Equal(t, uint64(n), ti.Stats().Dispatched)
	for _, id := range ids {
		require.NoError(t, c.CloseRequest(ctx, id))
	}
	_, err = c.Reply(ctx, ids[0])
	require.ErrorIs(t, err, ErrUnknown)
}

// A reply stored before a restart is still there after it.
func TestRepliesSurviveRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	defer br.stop(t)
	_, tr, _ := startTitanic(t, broker, dir)
	var e echo
	sr := startService(t, broker, "echo", e.handle)
	c := newClient(t, broker)
	id, err := c.Request(ctx, "echo", []byte("kept"))
	require.NoError(t, err)
	waitReply(t, ctx, c, id)
	sr.stop(t)
	tr.stop(t)

	ti, tr, _ := startTitanic(t, broker, dir)
	defer tr.stop(t)
	require.Equal(t, [][]byte{[]byte("echo"), []byte("kept")}, waitReply(t, ctx, c, id))
	require.Zero(t, ti.Stats().Attempts, "nothing to send again")
	require.Equal(t, int64(1), e.calls.Load())
}

func TestMalformedRequests(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	defer br.stop(t)
	_, tr, _ := startTitanic(t, broker, t.TempDir())
	defer tr.stop(t)
	m, err := mdp.NewClient(broker, mdp.ClientOptions{Timeout: 500 * time.Millisecond, Retries: 20})
	require.NoError(t, err)
	defer m.Close()
	for _, tc := range []struct {
		service string
		body    [][]byte
	}{
		{ServiceRequest, nil},
		{ServiceRequest, [][]byte{{}}},
		{ServiceReply, nil},
		{ServiceReply, [][]byte{[]byte("a"), []byte("b")}},
		{ServiceClose, nil},
	} {
		r, err := m.Request(ctx, tc.service, tc.body...)
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte(StatusFailed)}, r, "%s %q", tc.service, tc.body)
	}
}

func TestStoreCorruptRecords(t *testing.T) {
	for _, b := range [][]byte{nil, {5}, {1, 10, 'a'}, {1, 1, 'a', 'b'}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		_, err := decodeFrames(b)
		require.ErrorIs(t, err, ErrCorrupt, "%x", b)
	}
	f := [][]byte{[]byte("a"), {}, []byte("ccc")}
	got, err := decodeFrames(encodeFrames(f))
	require.NoError(t, err)
	require.Equal(t, f, got)
}

// The durable dedup store keeps an idempotent receiver's replies across a reopen.
func TestDedupSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	require.NoError(t, err)
	d := st.Dedup()
	require.NoError(t, d.Put([]byte("id1"), [][]byte{[]byte("r1")}))
	require.NoError(t, st.Close())
	st, err = Open(dir)
	require.NoError(t, err)
	defer st.Close()
	r, ok, err := st.Dedup().Get([]byte("id1"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, [][]byte{[]byte("r1")}, r)
	require.NoError(t, st.Forget([]byte("id1")))
	_, ok, err = st.Dedup().Get([]byte("id1"))
	require.NoError(t, err)
	require.False(t, ok)
}

// An idempotent receiver on the durable store applies a request once even when the
// retry comes after a restart of the process.
func TestIdempotentReceiverSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	var e echo
	id := idempotent.NewID()
	req := idempotent.NewRequest(id, []byte("pay 10"))
	for round := range 2 {
		st, err := Open(dir)
		require.NoError(t, err)
		r := idempotent.New(e.handle, idempotent.Options{Store: st.Dedup()})
		reply, err := r.Handle(t.Context(), req)
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("echo"), []byte("pay 10")}, reply)
		require.Equal(t, idempotent.Stats{Applied: uint64(1 - round), Duplicates: uint64(round)}, r.Stats())
		require.NoError(t, st.Close())
	}
	require.Equal(t, int64(1), e.calls.Load())
}

// A service whose reply is lost (it comes after Titanic gave the attempt up) gets
// the request again from Titanic: at least once. An idempotent receiver in the
// service makes the effect happen once.
func TestLostServiceReplyWithIdempotentService(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	broker, br := startBroker(t, "tcp://127.0.0.1:*")
	defer br.stop(t)
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	opts := titanicOptions()
	opts.Client = mdp.ClientOptions{Timeout: 2 * time.Second, Retries: 1}
	ti, err := New(broker, st, opts)
	require.NoError(t, err)
	tr := start(func(ctx context.Context) error {
		defer st.Close()
		return ti.Run(ctx)
	})
	defer tr.stop(t)

	var e echo
	r := idempotent.New(e.handle, idempotent.Options{})
	var served atomic.Int64
	sr := startService(t, broker, "pay", func(ctx context.Context, req [][]byte) ([][]byte, error) {
		reply, err := r.Handle(ctx, req)
		if served.Add(1) == 1 {
			// Hold the first reply until Titanic has given up on it and sent the
			// request again: the reply then goes to an abandoned socket.
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for ti.Stats().Attempts < 2 {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-tick.C:
				}
			}
		}
		return reply, err
	})
	defer sr.stop(t)

	c := newClient(t, broker)
	id, err := c.Request(ctx, "pay", idempotent.NewID(), []byte("10"))
	require.NoError(t, err)
	reply := waitReply(t, ctx, c, id)
	require.Equal(t, [][]byte{[]byte("echo"), []byte("10")}, reply)
	n := served.Load()
	require.GreaterOrEqual(t, n, int64(2), "the request was delivered again")
	require.Equal(t, uint64(n), ti.Stats().Attempts, "each attempt reached the service")
	require.Equal(t, int64(1), e.calls.Load(), "the effect happened once")
	require.Equal(t, idempotent.Stats{Applied: 1, Duplicates: uint64(n - 1)}, r.Stats())
}
