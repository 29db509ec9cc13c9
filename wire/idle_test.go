package wire

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/raceflag"
)

// idleStream is an IdleReader fed by a channel: each receive is bytes that arrive
// together. When nothing is pending it calls idle, then onIdle (the test's look at the
// Reader while it waits), and waits.
type idleStream struct {
	in      chan []byte
	pending []byte
	onIdle  func()
}

func (s *idleStream) Read(p []byte) (int, error) {
	return s.ReadWhenReady(func() []byte { return p }, func() {})
}

func (s *idleStream) ReadWhenReady(space func() []byte, idle func()) (int, error) {
	if len(s.pending) == 0 {
		select {
		case b, ok := <-s.in:
			if !ok {
				return 0, io.EOF
			}
			s.pending = b
		default:
			idle()
			if s.onIdle != nil {
				s.onIdle()
			}
			b, ok := <-s.in
			if !ok {
				return 0, io.EOF
			}
			s.pending = b
		}
	}
	n := copy(space(), s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

func TestWriterHoldsBufferOnlyWhileQueued(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 0)
	require.Nil(t, w.buf, "a new Writer holds no buffer")
	require.NoError(t, w.WriteMsg(frames("a", "bc")))
	require.NotNil(t, w.buf)
	require.NoError(t, w.Flush())
	require.Nil(t, w.buf, "flushed: the buffer went back")

	// A referenced body goes out in the same flush, and then the buffer goes back.
	big := bytes.Repeat([]byte{7}, 16<<10)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{big}}))
	require.NoError(t, w.Flush())
	require.Nil(t, w.buf)

	// A partial FlushSome keeps the rest, and the last piece gives the buffer back.
	require.NoError(t, w.WriteMsg(frames("hello")))
	done, err := w.FlushSome(func(b []byte) (int, error) { return out.Write(b[:2]) })
	require.NoError(t, err)
	require.False(t, done)
	require.NotNil(t, w.buf)
	done, err = w.FlushSome(out.Write)
	require.NoError(t, err)
	require.True(t, done)
	require.Nil(t, w.buf)

	// The flushes that make room while queueing keep the buffer for what follows.
	kib := Msg{Frames: [][]byte{make([]byte, 1024)}}
	for range 100 {
		require.NoError(t, w.WriteMsg(kib))
	}
	require.Equal(t, writeBufSize, cap(w.buf), "still the pooled buffer")
	require.NoError(t, w.Flush())
	require.Nil(t, w.buf)

	r := NewReader(&out, 0)
	want := []Msg{frames("a", "bc"), {Frames: [][]byte{big}}, frames("hello")}
	for range 100 {
		want = append(want, kib)
	}
	for _, want := range want {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		require.Equal(t, want.Frames, m.Frames)
	}

	// A Writer of another size keeps its own buffer.
	w = NewWriter(io.Discard, 4096)
	require.NoError(t, w.WriteMsg(frames("x")))
	require.NoError(t, w.Flush())
	require.NotNil(t, w.buf)
}

func TestReaderGivesBackWhileIdle(t *testing.T) {
	s := &idleStream{in: make(chan []byte, 4)}
	r := NewReader(s, 0)
	r.ReleaseWhenIdle()
	type look struct {
		buf    bool
		parked bool
	}
	looks := make(chan look, 8)
	s.onIdle = func() { looks <- look{buf: r.buf != nil, parked: r.parked.Load() != nil} }

	s.in <- encodeMsgs(t, frames("one"))
	var m1 Msg
	require.NoError(t, r.ReadMsg(&m1, nil))
	c := m1.claim
	require.NotNil(t, c)

	// The next read finds nothing: the buffer goes back and the slab is parked.
	read := make(chan Msg)
	go func() {
		var m Msg
		if err := r.ReadMsg(&m, nil); err == nil {
			read <- m
		}
		close(read)
	}()
	require.Equal(t, look{buf: false, parked: true}, <-looks)
	require.Same(t, r, c.parkedBy.Load())

	// Releasing the one message in it recycles the parked slab.
	require.Equal(t, "one", string(m1.Frames[0]))
	m1.Release()
	require.Nil(t, c.parkedBy.Load())
	require.Zero(t, c.refs.Load(), "recycled")
	require.Nil(t, r.parked.Load(), "the idle Reader still holds the recycled slab: the collector cannot free it")

	// Input arrives: the Reader takes a buffer and a new slab.
	s.in <- encodeMsgs(t, frames("two", "2"))
	m2 := <-read
	require.Equal(t, [][]byte{[]byte("two"), []byte("2")}, m2.Frames)
	require.NotNil(t, m2.claim)
	require.NotNil(t, r.buf)
	m2.Release()
	close(s.in)
	var m Msg
	require.Equal(t, io.EOF, r.ReadMsg(&m, nil))
}

func TestReaderKeepsParkedSlabOfKeptMessages(t *testing.T) {
	s := &idleStream{in: make(chan []byte)}
	r := NewReader(s, 0)
	r.ReleaseWhenIdle()
	waiting := make(chan bool)
	s.onIdle = func() { waiting <- r.parked.Load() != nil }
	var kept []Msg
	for i := range 3 {
		read := make(chan Msg)
		go func() {
			var m Msg
			if err := r.ReadMsg(&m, nil); err == nil {
				read <- m
			}
			close(read)
		}()
		parked := <-waiting
		require.Equal(t, i > 0, parked, "a slab exists from the first message on")
		s.in <- encodeMsgs(t, frames(fmt.Sprint("msg ", i)))
		m, ok := <-read
		require.True(t, ok)
		kept = append(kept, m)
	}
	// Nobody released a message, so the Reader took its slab back each time.
	require.Same(t, kept[0].claim, kept[2].claim)
	for i, m := range kept {
		require.Equal(t, fmt.Sprint("msg ", i), string(m.Frames[0]))
	}
	for i := range kept {
		kept[i].Release()
	}
	close(s.in)
	var m Msg
	require.Equal(t, io.EOF, r.ReadMsg(&m, nil))
}

// TestReaderParkRacesRelease releases each message on another goroutine while the
// Reader parks and takes back its slab, so that the race detector and the bodies'
// contents can catch a slab recycled while in use.
func TestReaderParkRacesRelease(t *testing.T) {
	s := &idleStream{in: make(chan []byte, 1)}
	r := NewReader(s, 0)
	r.ReleaseWhenIdle()
	const n = 2000
	msgs := make(chan Msg, 16)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			s.in <- encodeMsgs(t, frames(fmt.Sprintf("message %d", i), "tail"))
		}
		close(s.in)
	})
	wg.Go(func() {
		for i := 0; ; i++ {
			m, ok := <-msgs
			if !ok {
				return
			}
			if string(m.Frames[0]) != fmt.Sprintf("message %d", i) || string(m.Frames[1]) != "tail" {
				panic(fmt.Sprintf("message %d arrived as %q", i, m.Frames))
			}
			m.Release()
		}
	})
	for range n {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		msgs <- m
	}
	close(msgs)
	var m Msg
	require.Equal(t, io.EOF, r.ReadMsg(&m, nil))
	wg.Wait()
}

// TestReaderDoesNotTakeBackARecycledSlab: a Reader parks its slab, a release recycles
// it, and another Reader has it and has parked it in turn by the time the first wakes:
// the first must take a new slab, not the other's.
func TestReaderDoesNotTakeBackARecycledSlab(t *testing.T) {
	s := &idleStream{in: make(chan []byte, 1)}
	r := NewReader(s, 0)
	r.ReleaseWhenIdle()
	s.in <- encodeMsgs(t, frames("one"))
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	c := m.claim
	other := &Reader{}
	var parkedBy *Reader
	var refs int64
	var taken *bodyChunk
	s.onIdle = func() {
		// The Reader waits for more with its slab parked. Meanwhile the release
		// recycles it, and another Reader takes a slab (this one, as the pool
		// hands it straight back), carves a message and parks it.
		parkedBy = c.parkedBy.Load()
		m.Release()
		refs = c.refs.Load()
		taken = newBodyChunk(len(c.buf) == smallChunkSize)
		taken.refs.Add(1)
		taken.parkedBy.Store(other)
		s.in <- encodeMsgs(t, frames("two"))
	}
	var m2 Msg
	require.NoError(t, r.ReadMsg(&m2, nil))
	require.Same(t, r, parkedBy)
	require.Zero(t, refs, "recycled by the release")
	if !raceflag.Enabled { // the race detector makes pools drop at random
		require.Same(t, c, taken)
	}
	require.NotSame(t, taken, m2.claim, "the other Reader's slab")
	require.Same(t, other, taken.parkedBy.Load())
	require.Equal(t, "two", string(m2.Frames[0]))
}

func TestReaderRelease(t *testing.T) {
	t.Run("slab in use", func(t *testing.T) {
		s := &idleStream{in: make(chan []byte, 4)}
		r := NewReader(s, 0)
		r.ReleaseWhenIdle()
		s.in <- encodeMsgs(t, frames("one"), frames("two"))
		var m1, m2 Msg
		require.NoError(t, r.ReadMsg(&m1, nil))
		require.NoError(t, r.ReadMsg(&m2, nil))
		c := m1.claim
		require.NotNil(t, c)

		r.Release()
		require.Nil(t, r.buf, "the read buffer went back to its pool")
		require.Nil(t, r.chunk)
		require.ErrorIs(t, r.ReadMsg(new(Msg), nil), ErrReleased)
		require.ErrorIs(t, r.ReadMore(), ErrReleased)

		// The messages stay valid; the last release recycles the slab.
		require.Equal(t, "one", string(m1.Frames[0]))
		require.Equal(t, "two", string(m2.Frames[0]))
		m1.Release()
		require.NotZero(t, c.refs.Load())
		m2.Release()
		require.Zero(t, c.refs.Load(), "recycled")
	})
	t.Run("parked slab", func(t *testing.T) {
		s := &idleStream{in: make(chan []byte, 4)}
		r := NewReader(s, 0)
		r.ReleaseWhenIdle()
		parked := make(chan struct{}, 1)
		s.onIdle = func() { parked <- struct{}{} }
		s.in <- encodeMsgs(t, frames("one"))
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		c := m.claim
		// The stream ends while the Reader waits with its slab parked.
		done := make(chan error)
		go func() { done <- r.ReadMsg(new(Msg), nil) }()
		<-parked
		close(s.in)
		require.ErrorIs(t, <-done, io.EOF)

		r.Release()
		require.Nil(t, r.parked.Load())
		require.NotZero(t, c.refs.Load(), "the message still claims the slab")
		m.Release()
		require.Zero(t, c.refs.Load(), "recycled")
	})
}

func TestReaderFirstSlabIsSmall(t *testing.T) {
	// A connection's first messages go into a small slab; once it is full, a Reader
	// takes full ones.
	var msgs []Msg
	for i := range 40 {
		msgs = append(msgs, frames(strings.Repeat("x", 200+i)))
	}
	r := NewReader(bytes.NewReader(encodeMsgs(t, msgs...)), 0)
	var sizes []int
	for range msgs {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		if n := len(m.claim.buf); len(sizes) == 0 || sizes[len(sizes)-1] != n {
			sizes = append(sizes, n)
		}
	}
	require.Equal(t, []int{smallChunkSize, slabChunkSize}, sizes)
}

func TestReaderSlabAfterIdleIsSmall(t *testing.T) {
	// A Reader that went idle starts its next slab small again, as a connection's
	// first: a connection that carries a request now and then holds a few KiB per
	// message in flight, not a full slab. A stream that stays busy then moves on to
	// full slabs.
	s := &idleStream{in: make(chan []byte, 4)}
	r := NewReader(s, 0)
	r.ReleaseWhenIdle()
	burst := func(n int) []Msg {
		var msgs []Msg
		for i := range n {
			msgs = append(msgs, frames(strings.Repeat("y", 100+i)))
		}
		return msgs
	}
	idled := make(chan struct{}, 1)
	s.onIdle = func() { idled <- struct{}{} }
	// slabSizes sends n messages in one piece once the Reader waits for them, and
	// lists the sizes of the slabs they lie in, each once.
	slabSizes := func(n int) []int {
		sizes := make(chan []int)
		go func() {
			var seen []int
			for range n {
				var m Msg
				if err := r.ReadMsg(&m, nil); err != nil {
					break
				}
				if k := len(m.claim.buf); len(seen) == 0 || seen[len(seen)-1] != k {
					seen = append(seen, k)
				}
				m.Release() // a parked slab is recycled: the next read needs a new one
			}
			sizes <- seen
		}()
		<-idled
		s.in <- encodeMsgs(t, burst(n)...)
		return <-sizes
	}
	require.Equal(t, []int{smallChunkSize, slabChunkSize}, slabSizes(40))
	// Idle between bursts: each starts small again.
	for range 3 {
		require.Equal(t, []int{smallChunkSize, slabChunkSize}, slabSizes(40))
	}
	require.Equal(t, []int{smallChunkSize}, slabSizes(3))
	go func() { <-idled; close(s.in) }()
	require.Equal(t, io.EOF, r.ReadMsg(new(Msg), nil))
}
