package wire

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/brokerless/zmq/internal/raceflag"
	"github.com/stretchr/testify/require"
)

func TestBodyClass(t *testing.T) {
	_, _, ok := bodyClass(ownBufMin)
	require.False(t, ok, "slab-sized bodies are not pooled")
	_, _, ok = bodyClass(maxPooled + 1)
	require.False(t, ok, "bodies over 1 MiB are not pooled")

	prevIdx, prevCap := -1, 0
	for size := ownBufMin + 1; size <= maxPooled; size++ {
		idx, c, ok := bodyClass(size)
		require.True(t, ok, "size %d", size)
		require.GreaterOrEqual(t, c, size, "size %d", size)
		require.LessOrEqual(t, c-size, size/4, "size %d: at most a quarter spare", size)
		require.Less(t, idx, numClasses, "size %d", size)
		if c != prevCap {
			// Classes grow with the size, one index at a time.
			require.Equal(t, prevIdx+1, idx, "size %d", size)
			prevIdx, prevCap = idx, c
		} else {
			require.Equal(t, prevIdx, idx, "size %d", size)
		}
		// A class's own capacity maps back to the class: freeBody relies on it.
		idx2, c2, _ := bodyClass(c)
		require.Equal(t, idx, idx2)
		require.Equal(t, c, c2)
		if size > 64<<10 {
			size += 97 // the large range is checked more coarsely
		}
	}
	require.Equal(t, numClasses-1, prevIdx)
}

// readLargeMsg decodes one message with a 64 KiB body filled with fill.
func readLargeMsg(t *testing.T, fill byte) Msg {
	t.Helper()
	r := NewReader(bytes.NewReader(encodeMsgs(t, Msg{Frames: [][]byte{bytes.Repeat([]byte{fill}, 64<<10)}})), 0)
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Equal(t, bytes.Repeat([]byte{fill}, 64<<10), m.Frames[0])
	return m
}

func TestReleaseRecyclesReadBodies(t *testing.T) {
	// sync.Pool may drop any buffer (always under the race detector, one Put in four),
	// so reuse is expected at least once in many rounds, not every time.
	reused := 0
	for i := range 50 {
		m := readLargeMsg(t, byte(i))
		first := unsafe.SliceData(m.Frames[0])
		m.Release()
		require.Nil(t, m.Frames, "Release empties the message")
		m2 := readLargeMsg(t, byte(i+1)) // overwrites whatever buffer it was given
		if unsafe.SliceData(m2.Frames[0]) == first {
			reused++
		}
		m2.Release()
	}
	require.Positive(t, reused, "a released body is read into again")
}

func TestReleaseIgnoresForeignBuffers(t *testing.T) {
	// A message the application made carries no claim on its buffers, even when a
	// buffer's capacity is exactly a pool class: releasing it must not let the
	// Reader write into memory the application (or an inproc sender) still holds.
	mine := make([]byte, 64<<10)
	for i := range mine {
		mine[i] = 0xAA
	}
	for i := range 20 {
		m := Msg{Frames: [][]byte{mine}}
		m.Release()
		require.Nil(t, m.Frames)
		got := readLargeMsg(t, byte(i))
		require.NotEqual(t, unsafe.SliceData(mine), unsafe.SliceData(got.Frames[0]))
	}
	require.Equal(t, bytes.Repeat([]byte{0xAA}, 64<<10), mine)
}

func TestReleaseSmallBodiesIsHarmless(t *testing.T) {
	// Slab bodies are shared with other messages; Release must leave them alone.
	r := NewReader(bytes.NewReader(encodeMsgs(t, frames("a", "b"), frames("c"))), 0)
	var a, c Msg
	require.NoError(t, r.ReadMsg(&a, nil))
	require.NoError(t, r.ReadMsg(&c, nil))
	a.Release()
	require.Equal(t, frames("c").Frames, c.Frames)
}

func TestReleaseSavesAllocations(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random; make test runs this without it")
	}
	body := bytes.Repeat([]byte{7}, 64<<10)
	stream := encodeMsgs(t, Msg{Frames: [][]byte{body}})
	src := bytes.NewReader(stream)
	r := NewReader(src, 0)
	var m Msg
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(stream)
		if err := r.ReadMsg(&m, nil); err != nil {
			t.Fatal(err)
		}
		m.Release()
	})
	require.Zero(t, allocs, "a released 64 KiB body is reused")
}

func TestReleaseRecyclesSlabs(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random; make test runs this without it")
	}
	// 64-byte messages, every one released: once the first slabs come back, reading
	// allocates nothing.
	var want []Msg
	for i := range 4000 {
		want = append(want, Msg{Frames: [][]byte{bytes.Repeat([]byte{byte(i)}, 64)}})
	}
	stream := encodeMsgs(t, want...)
	src := bytes.NewReader(stream)
	r := NewReader(src, 0)
	var m Msg
	read := func() {
		src.Reset(stream)
		for range want {
			if err := r.ReadMsg(&m, nil); err != nil {
				t.Fatal(err)
			}
			m.Release()
		}
	}
	read() // warm up: the first slabs and frame lists
	allocs := testing.AllocsPerRun(5, read)
	// Frame lists come from the slabs too.
	require.Zero(t, allocs)
}

func TestReleaseKeepsRetainedMessagesIntact(t *testing.T) {
	// Some messages are released at once, others kept, multipart ones straddle slab
	// boundaries: every kept message must still read back intact after its slab's
	// other messages were released and the slabs reused.
	rng := rand.New(rand.NewPCG(1, 2))
	var want []Msg
	for i := range 6000 {
		var m Msg
		for f := range 1 + rng.IntN(4) {
			n := rng.IntN(700)
			if rng.IntN(50) == 0 {
				n = 5000 + rng.IntN(70000) // a pooled body now and then
			}
			b := bytes.Repeat([]byte{byte(i + f)}, n)
			m.Frames = append(m.Frames, b)
		}
		want = append(want, m)
	}
	r := NewReader(bytes.NewReader(encodeMsgs(t, want...)), 0)
	kept := map[int]Msg{}
	for i := range want {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		require.Equal(t, want[i].Frames, m.Frames, "msg %d", i)
		if rng.IntN(3) == 0 {
			kept[i] = m
		} else {
			m.Release()
		}
	}
	for i, m := range kept {
		require.Equal(t, want[i].Frames, m.Frames, "kept msg %d", i)
	}
}

func TestReleaseKeepsStraddlingMessage(t *testing.T) {
	// A multipart message whose small bodies begin in one slab and end in the next
	// claims only the second; the first must never be recycled under it, even when
	// every other message from that slab is released.
	rng := rand.New(rand.NewPCG(3, 4))
	var want []Msg
	straddles := map[int]bool{}
	used := 0              // where the Reader's slab is filled to, mirrored here
	size := smallChunkSize // a Reader's first slab is a small one
	for i := range 3000 {
		var m Msg
		first := true
		for f := range 1 + rng.IntN(3) {
			n := 1 + rng.IntN(1500)
			if used+n > size {
				used, size = 0, slabChunkSize
				if !first {
					straddles[i] = true
				}
			}
			used += n
			first = false
			m.Frames = append(m.Frames, bytes.Repeat([]byte{byte(i + f)}, n))
		}
		want = append(want, m)
	}
	require.Greater(t, len(straddles), 10)
	r := NewReader(bytes.NewReader(encodeMsgs(t, want...)), 0)
	kept := map[int]Msg{}
	for i := range want {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		if straddles[i] {
			kept[i] = m
		} else {
			m.Release()
		}
	}
	for i, m := range kept {
		require.Equal(t, want[i].Frames, m.Frames, "kept msg %d", i)
	}
}
