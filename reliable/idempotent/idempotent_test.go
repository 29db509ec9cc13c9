package idempotent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter is a handler with an effect: it adds the request's amount to a total.
type counter struct {
	calls atomic.Int64
	total atomic.Int64
}

func (c *counter) handle(_ context.Context, req [][]byte) ([][]byte, error) {
	c.calls.Add(1)
	var n int64
	fmt.Sscan(string(req[0]), &n)
	t := c.total.Add(n)
	return [][]byte{[]byte(fmt.Sprint(t))}, nil
}

func TestDuplicateGetsFirstReply(t *testing.T) {
	var c counter
	r := New(c.handle, Options{})
	id := NewID()
	first, err := r.Handle(t.Context(), NewRequest(id, []byte("5")))
	require.NoError(t, err)
	require.Equal(t, "5", string(first[0]))
	for range 3 {
		again, err := r.Handle(t.Context(), NewRequest(id, []byte("5")))
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	other, err := r.Handle(t.Context(), NewRequest(NewID(), []byte("7")))
	require.NoError(t, err)
	require.Equal(t, "12", string(other[0]))
	require.Equal(t, int64(2), c.calls.Load())
	require.Equal(t, Stats{Applied: 2, Duplicates: 3}, r.Stats())
}

// Duplicates that arrive while the first request runs wait for it: the handler runs
// once and all get its reply.
func TestDuplicatesInFlight(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int64
	started := make(chan struct{})
	r := New(func(ctx context.Context, req [][]byte) ([][]byte, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return [][]byte{[]byte("done")}, nil
	}, Options{})
	id := NewID()
	const n = 20
	var wg sync.WaitGroup
	replies := make([]string, n)
	wg.Add(1)
	go func() {
		defer wg.Done()
		rep, err := r.Handle(t.Context(), NewRequest(id))
		if assert.NoError(t, err) {
			replies[0] = string(rep[0])
		}
	}()
	<-started
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := r.Handle(t.Context(), NewRequest(id))
			if assert.NoError(t, err) {
				replies[i] = string(rep[0])
			}
		}()
	}
	require.Eventually(t, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.inflight[string(id)] != nil
	}, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	require.Equal(t, int64(1), calls.Load())
	for i := range n {
		require.Equal(t, "done", replies[i], i)
	}
	require.Equal(t, Stats{Applied: 1, Duplicates: n - 1}, r.Stats())
}

// A handler error is not remembered: the retry runs the handler again.
func TestFailureIsRetried(t *testing.T) {
	var calls atomic.Int64
	r := New(func(ctx context.Context, req [][]byte) ([][]byte, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("busy, nothing done")
		}
		return [][]byte{[]byte("ok")}, nil
	}, Options{})
	id := NewID()
	_, err := r.Handle(t.Context(), NewRequest(id))
	require.ErrorContains(t, err, "busy")
	rep, err := r.Handle(t.Context(), NewRequest(id))
	require.NoError(t, err)
	require.Equal(t, "ok", string(rep[0]))
	require.Equal(t, Stats{Applied: 1, Failed: 1}, r.Stats())
}

func TestNoID(t *testing.T) {
	r := New(func(context.Context, [][]byte) ([][]byte, error) { panic("not reached") }, Options{})
	_, err := r.Handle(t.Context(), nil)
	require.ErrorIs(t, err, ErrNoID)
	_, err = r.Handle(t.Context(), [][]byte{{}})
	require.ErrorIs(t, err, ErrNoID)
}

// The window is exact: the oldest id is evicted by the window+1st, and its retry is
// applied again.
func TestMemoryWindow(t *testing.T) {
	var c counter
	const window = 8
	r := New(c.handle, Options{Window: window})
	ids := make([][]byte, window+1)
	for i := range ids {
		ids[i] = NewID()
		_, err := r.Handle(t.Context(), NewRequest(ids[i], []byte("1")))
		require.NoError(t, err)
	}
	require.Equal(t, window, r.store.(*Memory).Len())
	// ids[1:] are remembered, ids[0] is not.
	for _, id := range ids[1:] {
		_, err := r.Handle(t.Context(), NewRequest(id, []byte("1")))
		require.NoError(t, err)
	}
	require.Equal(t, int64(window+1), c.calls.Load())
	_, err := r.Handle(t.Context(), NewRequest(ids[0], []byte("1")))
	require.NoError(t, err)
	require.Equal(t, int64(window+2), c.calls.Load(), "the evicted id ran again")
}

func TestMemoryTTL(t *testing.T) {
	m := NewMemory(100, time.Minute)
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	require.NoError(t, m.Put([]byte("a"), [][]byte{[]byte("A")}))
	now = now.Add(30 * time.Second)
	require.NoError(t, m.Put([]byte("b"), [][]byte{[]byte("B")}))
	now = now.Add(30 * time.Second) // a is exactly a minute old: gone
	_, ok, _ := m.Get([]byte("a"))
	require.False(t, ok)
	rep, ok, _ := m.Get([]byte("b"))
	require.True(t, ok)
	require.Equal(t, "B", string(rep[0]))
	rep[0][0] = 'X' // a copy: the store keeps its own
	rep, _, _ = m.Get([]byte("b"))
	require.Equal(t, "B", string(rep[0]))
	require.Equal(t, 1, m.Len())
}
