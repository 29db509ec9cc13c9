package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/clone"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func startServer(t *testing.T) (*clone.Server, []string) {
	t.Helper()
	s, err := clone.NewServer(clone.ServerOptions{Snapshot: "tcp://127.0.0.1:*", Publisher: "tcp://127.0.0.1:*",
		Collector: "tcp://127.0.0.1:*", Heartbeat: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	snap, pub, coll := s.Endpoints()
	return s, []string{"-snapshot", snap, "-publisher", pub, "-collector", coll}
}

// -set then -dump prints the state, sorted, with the sequence.
func TestSetAndDump(t *testing.T) {
	s, eps := startServer(t)
	require.NoError(t, s.Set(t.Context(), "/client/a", []byte("1"), 0))
	require.NoError(t, s.Set(t.Context(), "/other/x", []byte("not ours"), 0))
	var out strings.Builder
	args := append(eps, "-set", "/client/c=3", "-set", "/client/b=2", "-dump")
	require.NoError(t, run(t.Context(), args, &out))
	require.Equal(t, "/client/a=1\n/client/b=2\n/client/c=3\nsequence 4\n", out.String())

	out.Reset()
	args = append(eps, "-set", "/client/a=", "-subtree", "", "-dump")
	require.NoError(t, run(t.Context(), args, &out))
	require.Equal(t, "/client/b=2\n/client/c=3\n/other/x=not ours\nsequence 5\n", out.String())
}

// Following prints the snapshot, then each update as it comes.
func TestFollow(t *testing.T) {
	s, eps := startServer(t)
	require.NoError(t, s.Set(t.Context(), "/client/a", []byte("1"), 0))
	var out syncBuilder
	done := make(chan error, 1)
	go func() { done <- run(t.Context(), append(eps, "-count", "3"), &out) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "1 /client/a=1") }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, s.Set(t.Context(), "/client/b", []byte("2"), 0))
	require.NoError(t, s.Set(t.Context(), "/client/a", nil, 0))
	require.NoError(t, <-done)
	require.Equal(t, "1 /client/a=1\n2 /client/b=2\n3 /client/a deleted\n", out.String())
}

func TestBadSet(t *testing.T) {
	require.ErrorContains(t, run(t.Context(), []string{"-set", "novalue"}, &strings.Builder{}), "KEY=VALUE")
}

type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
