package mdp

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// TestMain fails the run if goroutines of sockets, brokers or workers outlive the
// tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// transports every basic behaviour runs over.
var transports = []string{"inproc", "ipc", "tcp"}

var epCounter atomic.Uint64

// bindEndpoint returns a fresh endpoint of transport tr to bind.
func bindEndpoint(t testing.TB, tr string) string {
	n := epCounter.Add(1)
	switch tr {
	case "inproc":
		return fmt.Sprintf("inproc://mdp-%s-%d", t.Name(), n)
	case "ipc":
		return fmt.Sprintf("ipc://@mdp-%d-%d-%d", os.Getpid(), time.Now().UnixNano(), n)
	case "tcp":
		return "tcp://127.0.0.1:*"
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// testTimeout bounds every wait of a test, so that a broken test fails instead of
// hanging.
const testTimeout = 20 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newSocket(t testing.TB, typ socket.Type) *socket.Socket {
	t.Helper()
	s, err := socket.New(typ, socket.Options{Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// goRun runs f in a goroutine until stop, which cancels its context and waits for
// it, returning its error. stop is also registered as a cleanup.
func goRun(t testing.TB, f func(ctx context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- f(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = <-errc
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// eventually polls cond every few milliseconds until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// echo is a Handler that returns the request.
func echo(_ context.Context, req [][]byte) ([][]byte, error) { return req, nil }

// Short heartbeats keep the failure tests fast; every wait in them is for a
// condition, bounded by a deadline.
const (
	testInterval = 100 * time.Millisecond
	testLiveness = 3
)

func testBrokerOptions() BrokerOptions {
	return BrokerOptions{HeartbeatInterval: testInterval, Liveness: testLiveness}
}

func testWorkerOptions() WorkerOptions {
	return WorkerOptions{HeartbeatInterval: testInterval, Liveness: testLiveness, ReconnectInterval: testInterval}
}

// startBroker runs a broker on a ROUTER bound to ep until the test ends or stop is
// called, which also closes its socket.
func startBroker(t *testing.T, ep string, opts BrokerOptions) (b *Broker, endpoint string, stop func() error) {
	t.Helper()
	s := newSocket(t, socket.Router)
	require.NoError(t, s.Bind(ep))
	b, err := NewBroker(s, opts)
	require.NoError(t, err)
	stopRun := goRun(t, b.Run)
	return b, s.LastEndpoint(), func() error {
		err := stopRun()
		s.Close()
		return err
	}
}

func startWorker(t *testing.T, ep, service string, h Handler) (w *Worker, stop func() error) {
	t.Helper()
	w, err := NewWorker(ep, service, h, testWorkerOptions())
	require.NoError(t, err)
	return w, goRun(t, w.Run)
}

func newClient(t *testing.T, ep string, opts ClientOptions) *Client {
	t.Helper()
	c, err := NewClient(ep, opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// frames makes a frame list of strings.
func frames(s ...string) [][]byte {
	f := make([][]byte, len(s))
	for i := range s {
		f[i] = []byte(s[i])
	}
	return f
}

// strs turns frames into strings, for readable comparisons.
func strs(f [][]byte) []string {
	s := make([]string, len(f))
	for i := range f {
		s[i] = string(f[i])
	}
	return s
}
