package queue

import (
	"fmt"
	"sync"
	"testing"

	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func msg(s string) wire.Msg { return wire.Msg{Frames: [][]byte{[]byte(s)}} }

func TestFIFOAndLimit(t *testing.T) {
	q := New(3)
	for i := 0; i < 3; i++ {
		ok, full := q.Push(msg(fmt.Sprint(i)))
		require.True(t, ok)
		require.Equal(t, i == 2, full)
	}
	ok, full := q.Push(msg("x"))
	require.False(t, ok)
	require.True(t, full)
	for i := 0; i < 3; i++ {
		m, ok, empty := q.Pop()
		require.True(t, ok)
		require.Equal(t, fmt.Sprint(i), string(m.Frames[0]))
		require.Equal(t, i == 2, empty)
	}
	_, ok, _ = q.Pop()
	require.False(t, ok)
}

func TestUnlimitedGrows(t *testing.T) {
	q := New(0)
	for i := 0; i < 10000; i++ {
		ok, full := q.Push(msg(fmt.Sprint(i)))
		require.True(t, ok)
		require.False(t, full)
	}
	out := q.PopAll(nil)
	require.Len(t, out, 10000)
	for i, m := range out {
		require.Equal(t, fmt.Sprint(i), string(m.Frames[0]))
	}
}

func TestNotifications(t *testing.T) {
	q := New(4)
	var readable, writable int
	q.OnReadable(func() { readable++ })
	q.OnWritable(func() { writable++ })

	q.Push(msg("a"))
	q.Push(msg("b"))
	require.Equal(t, 1, readable, "only the empty to non-empty transition notifies the consumer")
	q.Push(msg("c"))
	q.Push(msg("d"))
	ok, _ := q.Push(msg("e"))
	require.False(t, ok)

	q.Pop()
	require.Equal(t, 0, writable, "above the low-water mark (limit+1)/2 = 2")
	q.Pop()
	require.Equal(t, 1, writable, "at the low-water mark the producer hears once")
	q.Pop()
	q.Pop()
	require.Equal(t, 1, writable)
	q.Push(msg("f"))
	require.Equal(t, 2, readable)
}

func TestSetLimitWakesProducer(t *testing.T) {
	q := New(1)
	woken := 0
	q.OnWritable(func() { woken++ })
	q.Push(msg("a"))
	ok, _ := q.Push(msg("b"))
	require.False(t, ok)
	q.SetLimit(3)
	require.Equal(t, 1, woken)
	ok, _ = q.Push(msg("b"))
	require.True(t, ok)
}

func TestReplaceOldestAndForce(t *testing.T) {
	q := New(2)
	q.Push(msg("a"))
	q.Push(msg("b"))
	dropped, ok := q.ReplaceOldest(msg("c"))
	require.True(t, ok)
	require.True(t, dropped)
	require.True(t, q.PushForce(msg("d")))
	var got []string
	for _, m := range q.PopAll(nil) {
		got = append(got, string(m.Frames[0]))
	}
	require.Equal(t, []string{"b", "c", "d"}, got)
}

func TestCloseKeepsQueuedMessages(t *testing.T) {
	q := New(10)
	q.Push(msg("a"))
	q.Close()
	ok, full := q.Push(msg("b"))
	require.False(t, ok)
	require.False(t, full, "a closed queue is not full: the producer must stop, not wait")
	require.False(t, q.PushForce(msg("c")))
	m, ok, empty := q.Pop()
	require.True(t, ok)
	require.True(t, empty)
	require.Equal(t, "a", string(m.Frames[0]))
	require.True(t, q.Closed())
}

func TestConcurrentProducerConsumer(t *testing.T) {
	q := New(16)
	room := make(chan struct{}, 1)
	ready := make(chan struct{}, 1)
	q.OnWritable(func() {
		select {
		case room <- struct{}{}:
		default:
		}
	})
	q.OnReadable(func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	const n = 20000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < n; {
			if ok, _ := q.Push(msg(fmt.Sprint(i))); ok {
				i++
				continue
			}
			<-room
		}
	})
	for i := 0; i < n; {
		m, ok, _ := q.Pop()
		if !ok {
			<-ready
			continue
		}
		require.Equal(t, fmt.Sprint(i), string(m.Frames[0]))
		i++
	}
	wg.Wait()
}

func BenchmarkPushPop(b *testing.B) {
	q := New(1000)
	m := msg("x")
	b.ReportAllocs()
	for b.Loop() {
		q.Push(m)
		q.Pop()
	}
}

func TestPushBatch(t *testing.T) {
	q := New(3)
	reads := 0
	q.OnReadable(func() { reads++ })
	n, full := q.PushBatch([]wire.Msg{msg("a"), msg("b"), msg("c"), msg("d")})
	require.Equal(t, 3, n, "only what fits under the limit is taken")
	require.True(t, full)
	require.Equal(t, 1, reads, "one notification per batch")
	q.Close()
	n, full = q.PushBatch([]wire.Msg{msg("e")})
	require.Zero(t, n)
	require.False(t, full)
}

func TestAtLimitFollowsTheCount(t *testing.T) {
	q := New(3)
	require.False(t, q.AtLimit())
	q.Push(msg("a"))
	q.Push(msg("b"))
	require.False(t, q.AtLimit())
	q.Push(msg("c"))
	require.True(t, q.AtLimit())
	_, ok, _ := q.Pop()
	require.True(t, ok)
	require.False(t, q.AtLimit(), "one pop makes room again")
	q.PushForce(msg("d"))
	require.True(t, q.AtLimit())
	q.SetLimit(10)
	require.False(t, q.AtLimit(), "a higher limit makes room")
	q.SetLimit(2)
	require.True(t, q.AtLimit())
	q.PopAll(nil)
	require.False(t, q.AtLimit())
	n, full := q.PushBatch([]wire.Msg{msg("e"), msg("f"), msg("g")})
	require.Equal(t, 2, n)
	require.True(t, full)
	require.True(t, q.AtLimit())
	require.Equal(t, 2, q.Discard())
	require.False(t, q.AtLimit())
	require.False(t, New(0).AtLimit(), "an unlimited queue is never at its limit")
}
