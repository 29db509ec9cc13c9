package device

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// TestMain fails the run if goroutines started by devices or sockets outlive the
// tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// transports every device behaviour runs over.
var transports = []string{"inproc", "ipc", "tcp"}

var epCounter atomic.Uint64

// bindEndpoint returns a fresh endpoint of transport tr to bind.
func bindEndpoint(t testing.TB, tr string) string {
	n := epCounter.Add(1)
	switch tr {
	case "inproc":
		return fmt.Sprintf("inproc://device-%s-%d", t.Name(), n)
	case "ipc":
		return fmt.Sprintf("ipc://@zmqdevice-%d-%d-%d", os.Getpid(), time.Now().UnixNano(), n)
	case "tcp":
		return "tcp://127.0.0.1:*"
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// matrix runs f once per transport as a subtest.
func matrix(t *testing.T, f func(t *testing.T, tr string)) {
	t.Helper()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) { f(t, tr) })
	}
}

func newSocket(t testing.TB, typ socket.Type, opts socket.Options) *socket.Socket {
	t.Helper()
	if opts.Linger == 0 {
		opts.Linger = time.Second
	}
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// bind binds s to a fresh endpoint of tr and returns the resolved endpoint.
func bind(t testing.TB, s *socket.Socket, tr string) string {
	t.Helper()
	require.NoError(t, s.Bind(bindEndpoint(t, tr)))
	return s.LastEndpoint()
}

func connect(t testing.TB, s *socket.Socket, ep string) {
	t.Helper()
	require.NoError(t, s.Connect(ep))
}

// testTimeout bounds every wait of a test, so a broken test fails instead of hanging.
const testTimeout = 10 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func send(t testing.TB, s *socket.Socket, frames ...string) {
	t.Helper()
	require.NoError(t, s.Send(ctxT(t), socket.NewMsgString(frames...)))
}

func recvStrings(t testing.TB, s *socket.Socket) []string {
	t.Helper()
	m, err := s.Recv(ctxT(t))
	require.NoError(t, err)
	return strs(m)
}

func strs(m socket.Msg) []string {
	out := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = string(f)
	}
	return out
}

// requireNothing checks that nothing arrives on s within a short window: the only way
// to observe an absence.
func requireNothing(t testing.TB, s *socket.Socket, window time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	m, err := s.Recv(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "received %q", strs(m))
}

// runDevice runs d in a goroutine until the test ends, and returns a function that
// stops it and returns Run's error.
func runDevice(t testing.TB, d *Device) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var err error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case err = <-done:
			case <-time.After(testTimeout):
				t.Fatalf("device did not stop within %v", testTimeout)
			}
		}
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// runUntilDone runs d in a goroutine and returns the error Run returns by itself,
// within the test timeout.
func runUntilDone(t testing.TB, d *Device) (wait func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return func() error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(testTimeout):
			cancel()
			<-done
			t.Fatalf("Run did not return by itself within %v", testTimeout)
			return nil
		}
	}
}

// waitPeers waits until s has n peers attached.
func waitPeers(t testing.TB, s *socket.Socket, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return s.Stats().Peers >= n }, testTimeout, time.Millisecond,
		"%s never had %d peers", s.Type(), n)
}
