package clone

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// setN has the server itself set n keys prefix0..prefix(n-1) to "v<i>".
func setN(t *testing.T, s *Server, prefix string, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, s.Set(t.Context(), fmt.Sprintf("%s%d", prefix, i), []byte(fmt.Sprintf("v%d", i)), 0))
	}
}

// sameState reports whether the replica is the server's state, key for key.
func sameState(c *Client, want map[string][]byte) bool {
	return maps.EqualFunc(c.State(), want, func(a, b []byte) bool { return string(a) == string(b) })
}

// changes records what OnUpdate reported, as the last value of each key.
type changes struct {
	mu   sync.Mutex
	last map[string]string
}

func (c *changes) record(kv KV) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = make(map[string]string)
	}
	if len(kv.Value) == 0 {
		delete(c.last, kv.Key)
	} else {
		c.last[kv.Key] = string(kv.Value)
	}
}

func (c *changes) equal(want map[string][]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.EqualFunc(c.last, want, func(a string, b []byte) bool { return a == string(b) })
}

// A client starts from a snapshot and follows the updates of every other client.
func TestSnapshotThenUpdates(t *testing.T) {
	s := newServer(t)
	setN(t, s, "/pre/", 100)
	eventually(t, func() bool { return s.Sequence() == 100 }, "server applied its sets")

	var seen changes
	opts := clientOpts(s, "")
	opts.OnUpdate = seen.record
	a := newClient(t, opts)
	require.Len(t, a.State(), 100)
	require.Equal(t, int64(100), a.Sequence())

	b := newClient(t, clientOpts(s, ""))
	for i := range 50 {
		require.NoError(t, b.Set(t.Context(), fmt.Sprintf("/b/%d", i), []byte("x"), 0))
	}
	require.NoError(t, b.Set(t.Context(), "/pre/0", nil, 0)) // a deletion
	eventually(t, func() bool { return a.Sequence() == 151 }, "a at sequence 151, is at %d", a.Sequence())
	require.Len(t, a.State(), 149)
	_, ok := a.Get("/pre/0")
	require.False(t, ok)
	v, ok := a.Get("/b/49")
	require.True(t, ok)
	require.Equal(t, "x", string(v))
	require.True(t, sameState(a, s.State()))
	require.True(t, seen.equal(s.State()), "OnUpdate reported the state")
	require.Zero(t, a.Resyncs())
	eventually(t, func() bool { return sameState(b, s.State()) }, "b converged")
}

// A client of a subtree holds only the keys under it.
func TestSubtree(t *testing.T) {
	s := newServer(t)
	setN(t, s, "/a/", 10)
	setN(t, s, "/b/", 20)
	c := newClient(t, clientOpts(s, "/b/"))
	require.Len(t, c.State(), 20)
	setN(t, s, "/a/x", 5)
	require.NoError(t, s.Set(t.Context(), "/b/last", []byte("L"), 0))
	eventually(t, func() bool { _, ok := c.Get("/b/last"); return ok }, "the /b/ update arrived")
	require.Zero(t, c.Resyncs(), "updates of other subtrees are no gap")
	require.Len(t, c.State(), 21)
	for k := range c.State() {
		require.True(t, strings.HasPrefix(k, "/b/"), k)
	}
}

// A key set with a TTL disappears from the server and every replica once it expires.
func TestTTL(t *testing.T) {
	s := newServer(t)
	c := newClient(t, clientOpts(s, ""))
	require.NoError(t, c.Set(t.Context(), "short", []byte("lived"), time.Second))
	require.NoError(t, c.Set(t.Context(), "long", []byte("lived"), 0))
	eventually(t, func() bool { return len(c.State()) == 2 }, "both keys arrived")
	v, _ := c.Get("short")
	require.Equal(t, "lived", string(v))
	eventually(t, func() bool { _, ok := c.Get("short"); return !ok }, "the ttl key expired")
	require.Equal(t, map[string][]byte{"long": []byte("lived")}, c.State())
	require.Equal(t, int64(3), c.Sequence(), "two sets and one expiry")
}

// Cutting the subscriber's connection loses what the server publishes meanwhile; the
// client notices and catches up with a new snapshot, whether it follows the whole
// tree (gap in the sequence) or a subtree (the reconnection itself).
func TestReconnectCatchesUp(t *testing.T) {
	for _, subtree := range []string{"", "/k/"} {
		t.Run(fmt.Sprintf("subtree=%q", subtree), func(t *testing.T) {
			s := newServer(t)
			setN(t, s, "/k/", 20)
			_, pub, _ := s.Endpoints()
			px := newProxy(t, strings.TrimPrefix(pub, "tcp://"))
			var seen changes
			opts := clientOpts(s, subtree)
			opts.Publisher = px.Endpoint()
			opts.Timeout = 30 * time.Second // no silence timeout: the test is about reconnecting
			opts.OnUpdate = seen.record
			c := newClient(t, opts)
			require.Len(t, c.State(), 20)

			px.Cut()
			// While cut, 200 updates and 5 deletions: the replica cannot see them.
			setN(t, s, "/k/", 200)
			for i := range 5 {
				require.NoError(t, s.Set(t.Context(), fmt.Sprintf("/k/%d", i), nil, 0))
			}
			eventually(t, func() bool { return s.Sequence() == 225 }, "server applied its sets")
			require.Len(t, c.State(), 20)
			px.Resume()

			eventually(t, func() bool { return sameState(c, s.State()) }, "replica converged: %d keys at %d", len(c.State()), c.Sequence())
			require.Len(t, c.State(), 195)
			require.Equal(t, int64(225), c.Sequence())
			require.GreaterOrEqual(t, c.Resyncs(), uint64(1))
			eventually(t, func() bool { return seen.equal(s.State()) }, "OnUpdate reported the catch-up")

			// And it keeps following afterwards.
			require.NoError(t, s.Set(t.Context(), "/k/after", []byte("a"), 0))
			eventually(t, func() bool { v, _ := c.Get("/k/after"); return string(v) == "a" }, "update after the catch-up")
		})
	}
}

// A restarted server (its state lost, its sequence back at zero) replaces the
// replica: keys the old server had and the new one lacks disappear.
func TestServerRestart(t *testing.T) {
	s1 := newServer(t)
	setN(t, s1, "/r/", 30)
	snap, pub, coll := s1.Endpoints()
	var seen changes
	opts := clientOpts(s1, "")
	opts.OnUpdate = seen.record
	c := newClient(t, opts)
	require.Len(t, c.State(), 30)
	require.NoError(t, s1.Close())

	s2, err := NewServer(ServerOptions{Snapshot: snap, Publisher: pub, Collector: coll, Heartbeat: 50 * time.Millisecond})
	require.NoError(t, err)
	defer s2.Close()
	require.NoError(t, s2.Set(t.Context(), "/r/0", []byte("new"), 0))
	require.NoError(t, s2.Set(t.Context(), "/r/fresh", []byte("f"), 0))

	eventually(t, func() bool { return sameState(c, s2.State()) }, "replica holds the new server's state: %d keys", len(c.State()))
	require.Equal(t, map[string][]byte{"/r/0": []byte("new"), "/r/fresh": []byte("f")}, c.State())
	require.Equal(t, int64(2), c.Sequence())
	eventually(t, func() bool { return seen.equal(s2.State()) }, "OnUpdate reported the deletions")

	// Updates through the new server reach the replica.
	require.NoError(t, c.Set(t.Context(), "/r/mine", []byte("m"), 0))
	eventually(t, func() bool { v, _ := c.Get("/r/mine"); return string(v) == "m" }, "update via the new server")
	require.Equal(t, int64(3), c.Sequence())
}

// NewClient gives up when no server answers.
func TestNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := NewClient(ctx, ClientOptions{
		Snapshot: "tcp://127.0.0.1:1", Publisher: "tcp://127.0.0.1:1", Collector: "tcp://127.0.0.1:1",
		Timeout: 100 * time.Millisecond,
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
