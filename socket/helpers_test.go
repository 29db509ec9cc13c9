package socket

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// transports every socket behaviour runs over.
var transports = []string{"inproc", "ipc", "tcp", "ws"}

var epCounter atomic.Uint64

// bindEndpoint returns a fresh endpoint to bind for transport tr.
func bindEndpoint(t testing.TB, tr string) string {
	n := epCounter.Add(1)
	switch tr {
	case "inproc":
		return fmt.Sprintf("inproc://%s-%d", t.Name(), n)
	case "ipc":
		return fmt.Sprintf("ipc://@zmqtest-%d-%d", time.Now().UnixNano(), n)
	case "tcp":
		return "tcp://127.0.0.1:*"
	case "ws":
		return "ws://127.0.0.1:*/zmq"
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// run runs f once per transport as a subtest.
func run(t *testing.T, f func(t *testing.T, tr string)) {
	t.Helper()
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) { f(t, tr) })
	}
}

func newSocket(t testing.TB, typ Type, opts Options) *Socket {
	t.Helper()
	s, err := New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// bind binds s to a fresh endpoint of tr and returns the resolved endpoint.
func bind(t testing.TB, s *Socket, tr string) string {
	t.Helper()
	require.NoError(t, s.Bind(bindEndpoint(t, tr)))
	return s.LastEndpoint()
}

func connect(t testing.TB, s *Socket, ep string) {
	t.Helper()
	require.NoError(t, s.Connect(ep))
}

// ctxT returns a context that ends with a generous per-operation deadline, so a broken
// test fails instead of hanging.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func send(t testing.TB, s *Socket, frames ...string) {
	t.Helper()
	require.NoError(t, s.Send(ctxT(t), NewMsgString(frames...)))
}

func recvStrings(t testing.TB, s *Socket) []string {
	t.Helper()
	m, err := s.Recv(ctxT(t))
	require.NoError(t, err)
	out := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		out[i] = string(f)
	}
	return out
}

// expectNothing checks that nothing arrives within d. It is used only where the
// behaviour under test is an absence (a filtered message), never to wait for a
// condition.
func expectNothing(t testing.TB, s *Socket, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := s.Recv(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "unexpected message %q", m.Frames)
}
