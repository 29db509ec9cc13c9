package wire

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Body buffers for large frames.
//
// ReadMsg gives every body over 4 KiB a buffer of its own. Those buffers come from
// pools of fixed size classes, a quarter of a power of two apart (5/4, 6/4, 7/4 and
// 8/4 of the power below), so at most a fifth of a buffer is spare. A receiver that is
// done with a message hands its buffers back with Msg.Release, and the next large body
// reuses a buffer that is already mapped and warm in the cache instead of a fresh
// allocation that the kernel must fault in page by page. Without Release the buffers are
// ordinary garbage.
const (
	minPooledShift = 12                  // classes start above 4 KiB (ownBufMin)
	maxPooledShift = 20                  // and end at 1 MiB (growStep)
	classesPerStep = 4                   // classes between two powers of two
	maxPooled      = 1 << maxPooledShift // largest pooled class
	numClasses     = (maxPooledShift - minPooledShift) * classesPerStep
)

// A pooled body is allocated whole before its bytes arrive, so the largest class must
// not exceed what readLarge allocates ahead of the bytes.
var _ [growStep - maxPooled]struct{}

// bodyPools holds free buffers per class, as pointers to their first byte, so that
// Put and Get do not allocate.
var bodyPools [numClasses]sync.Pool

// bodyClass returns the pool index and the capacity of the class that holds size
// bytes; ok is false for sizes that are not pooled.
func bodyClass(size int) (idx, capacity int, ok bool) {
	if size <= 1<<minPooledShift || size > maxPooled {
		return 0, 0, false
	}
	k := bits.Len(uint(size - 1)) // 2^(k-1) < size <= 2^k
	step := 1 << (k - 3)          // a quarter of 2^(k-1)
	q := (size + step - 1) / step // 5..8 quarters
	return (k-minPooledShift-1)*classesPerStep + q - 5, q * step, true
}

// allocBody returns a buffer of length size for a large body: a pooled one when a
// buffer of its class is free, else a new one with the class's capacity. Its contents
// are not zeroed; the caller overwrites all size bytes.
func allocBody(size int) []byte {
	idx, c, ok := bodyClass(size)
	if !ok {
		return make([]byte, size)
	}
	if p := bodyPools[idx].Get(); p != nil {
		b := unsafe.Slice((*byte)(p.(unsafe.Pointer)), c)[:size]
		poisonReuse(b)
		return b
	}
	b := make([]byte, size, c)
	if poisonEnabled {
		poisonReuse(b) // fresh memory may sit where a released buffer was
	}
	return b
}

// freeBody returns b's buffer to its class's pool when its capacity is exactly a
// class size, and reports whether it did.
func freeBody(b []byte) bool {
	idx, c, ok := bodyClass(cap(b))
	if !ok || c != cap(b) {
		return false
	}
	bodyPools[idx].Put(unsafe.Pointer(unsafe.SliceData(b)))
	return true
}

// pooledBody reports whether freeBody would take b.
func pooledBody(b []byte) bool {
	_, c, ok := bodyClass(cap(b))
	return ok && c == cap(b)
}

// holds reports whether f lies in c's slab.
func (c *bodyChunk) holds(f []byte) bool {
	if len(f) == 0 || len(c.buf) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(c.buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(f)))
	return p >= lo && p < lo+uintptr(len(c.buf))
}

// bodyChunk is a slab that ReadMsg copies small bodies into, one after another. Each
// message whose small bodies lie in a chunk claims it; the chunk goes back to a pool
// when its Reader has moved on to another chunk and every claiming message has been
// released. A message that is never released keeps the chunk out of the pool for
// good, and the chunk is then ordinary garbage.
//
// refs counts outstanding claims with a bias: it starts at chunkBias, each Release
// subtracts one, and the Reader adds the number of claims minus the bias when it
// retires the chunk. It reaches zero exactly once, after both have happened, and
// whoever brings it there recycles the chunk. The Reader counts claims in a plain
// field, so the hot path touches the shared counter only on release.
//
// A chunk also carries the properties of the connection its Reader reads, so that a
// message finds them through the one pointer it already has. A Reader's tag is a
// chunk without memory (noRefs) that only does that, for messages with no small body.
type bodyChunk struct {
	buf    []byte
	frames [][]byte    // Frames slices of the messages that claim the chunk
	props  *Properties // of the connection the chunk's Reader reads; read-only
	noRefs bool        // ownedOnly or a Reader's tag: never counted or pooled
	_      [64]byte    // refs is written by receivers on other cores: keep it off buf's line
	refs   atomic.Int64
	// parkedBy is the idle Reader that lets the last release retire the chunk for it
	// (Reader.parkChunk); whoever clears it owns that retirement. It names the Reader,
	// not just a flag, so that a Reader that wakes to find its chunk recycled and
	// parked again by another Reader does not take it back.
	parkedBy atomic.Pointer[Reader]
	_        [48]byte
}

const chunkBias = 1 << 62

// ownedOnly is the claim of a message whose only recyclable memory is large bodies
// with buffers of their own, read by a Reader without properties; it is never pooled
// or counted.
var ownedOnly = bodyChunk{noRefs: true}

// A Reader's first chunk is a small one: a connection that carries a few small
// messages, or answers one request and stays idle, then costs a few KiB rather than a
// full chunk. Any body ReadMsg copies into a chunk (at most ownBufMin bytes) fits
// either size.
const (
	smallChunkSize   = ownBufMin
	smallChunkFrames = 2 * chunkFramesMin
)

var chunkPool, smallChunkPool sync.Pool

// newBodyChunk returns a chunk from its pool, or a new one: a small one if small.
func newBodyChunk(small bool) *bodyChunk {
	pool, size, frames := &chunkPool, slabChunkSize, frameSlabLen
	if small {
		pool, size, frames = &smallChunkPool, smallChunkSize, smallChunkFrames
	}
	c, _ := pool.Get().(*bodyChunk)
	if c == nil {
		c = &bodyChunk{buf: make([]byte, size), frames: make([][]byte, frames)}
	} else {
		clear(c.frames) // let go of the bodies released messages pointed to
	}
	poisonReuse(c.buf)
	c.refs.Store(chunkBias)
	c.parkedBy.Store(nil)
	return c
}

// recycle puts c back into its pool once nothing refers to its memory.
func (c *bodyChunk) recycle() {
	c.props = nil
	if len(c.buf) == smallChunkSize {
		smallChunkPool.Put(c)
	} else {
		chunkPool.Put(c)
	}
}

// retire is called by the Reader when it stops carving from c, after claims messages
// claimed it.
func (c *bodyChunk) retire(claims int64) {
	if c.refs.Add(claims-chunkBias) == 0 {
		c.recycle()
	}
}

// release gives back one message's claim.
func (c *bodyChunk) release() {
	if poisonEnabled && c.refs.Load() <= 0 {
		panic("wire: Msg.Release called more often than messages were received")
	}
	switch n := c.refs.Add(-1); {
	case n == 0:
		c.recycle()
	case n == chunkBias:
		// The last outstanding message of a chunk its idle Reader parked
		// (Reader.parkChunk): retire it for the Reader.
		if rd := c.parkedBy.Load(); rd != nil && c.parkedBy.CompareAndSwap(rd, nil) {
			rd.unparkedBy(c)
			c.retire(0)
		}
	}
}
