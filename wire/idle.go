package wire

import (
	"errors"
	"io"
)

// IdleReader is a byte stream that can wait for input without a buffer to read it
// into, such as a network connection with a file descriptor (package transport
// makes one of a TCP or unix connection). A Reader over an IdleReader can give its
// buffer back while the stream is idle: see Reader.ReleaseWhenIdle.
type IdleReader interface {
	io.Reader
	// ReadWhenReady reads like Read, into the slice that space returns. When no
	// input can be read at once it calls idle before it waits for some, and then
	// calls space again for the slice to read into: space may return a different
	// slice each time, and idle may give back the memory the previous one lay in.
	ReadWhenReady(space func() []byte, idle func()) (n int, err error)
}

// ReleaseWhenIdle makes r give its read buffer back to a pool shared by all Readers
// whenever it has decoded every byte it read and the stream has nothing more for it
// yet, and take one again when input arrives, so that an idle connection holds no
// read buffer. At the same time r lets the slab it copies small message bodies into
// go back to its pool as soon as every message carved from it has been released
// (Msg.Release), rather than keeping it for the next message, and starts the next
// slab and Frames array small.
//
// It has effect only on a Reader of the default buffer size over an IdleReader, and
// only until the stream is switched to ZMTP/1.0 framing. Call it after the handshake,
// once nothing returned by ReadFrame or ReadGreeting is in use any more, and not
// concurrently with a read.
func (r *Reader) ReleaseWhenIdle() {
	lazy, ok := r.rd.(IdleReader)
	if !ok || r.size != defaultBufSize {
		return
	}
	r.lazy = lazy
	if r.spaceFn == nil {
		r.spaceFn = r.space
		r.idleFn = r.idle
	}
}

// idle is called by the IdleReader when it is about to wait for input. With nothing
// buffered the buffer goes back to its pool, and between messages so does the slab,
// once the messages in it are released.
func (r *Reader) idle() {
	if r.r != r.w {
		return
	}
	if r.buf != nil {
		giveReadBuf(r.buf)
		r.buf = nil
		r.r, r.w = 0, 0
	}
	r.scratch = nil
	r.slabNext = minFrameSlab
	// The next slab is a small one again: a connection that carries a request now
	// and then, as most of a busy server's many connections do, then holds a few KiB
	// per message in flight rather than a full slab. A stream that stays busy takes
	// a full slab after its first small one, as after the handshake.
	r.chunked = false
	r.parkChunk()
}

// parkChunk hands the current slab over to the releases of its messages: the last of
// them recycles it, unless unparkChunk takes it back first. The slab of a message
// still being assembled stays. A slab whose messages are all released already is
// recycled at once.
//
// The slab's refs then count its outstanding messages above the bias, and its
// parkedBy decides the race between the last release and the Reader's return: whoever
// clears it retires the slab, and the Reader, if it loses, never touches it again.
// While parked the Reader holds the slab only through parked, which the release that
// retires it clears: an idle connection whose messages have all been released keeps
// no slab reachable, so the collector frees it once the pool lets go of it.
func (r *Reader) parkChunk() {
	c := r.chunk
	if c == nil || r.claim == c {
		return
	}
	c.refs.Add(r.carved)
	r.carved = 0
	r.chunk = nil
	r.parked.Store(c)
	c.parkedBy.Store(r)
	if c.refs.Load() == chunkBias && c.parkedBy.CompareAndSwap(r, nil) {
		r.parked.Store(nil)
		c.retire(0)
	}
}

// unparkChunk takes the parked slab back when input arrives, unless a release has
// recycled it meanwhile: then the next message starts a new one.
func (r *Reader) unparkChunk() {
	c := r.parked.Load()
	if c == nil {
		return
	}
	r.parked.Store(nil)
	if c.parkedBy.CompareAndSwap(r, nil) {
		r.chunk = c
	}
}

// unparkedBy is called by the release that retires c for the idle Reader rd: rd
// forgets c before c goes back to the pool, so that no other Reader can have parked
// it again by then.
func (rd *Reader) unparkedBy(c *bodyChunk) {
	rd.parked.CompareAndSwap(c, nil)
}

// ErrReleased is returned by reads from a Reader after Release.
var ErrReleased = errors.New("wire: read from a released Reader")

// Release gives r's read buffer back to the pool shared by all Readers and retires
// its body slab, which goes back to its pool once every message carved from it has
// been released: a connection that ends leaves its memory to the next one rather than
// to the garbage collector. Messages r returned stay valid; a message it was still
// assembling is dropped, and every later read returns ErrReleased. Call it once the
// stream is done with, not concurrently with a read.
func (r *Reader) Release() {
	if r.err == nil {
		r.err = ErrReleased
	}
	if len(r.buf) == defaultBufSize {
		giveReadBuf(r.buf)
	}
	r.buf, r.r, r.w = nil, 0, 0
	clear(r.frames)
	r.frames = r.frames[:0]
	// No slab is parked here: every read takes its slab back (unparkChunk) before
	// it returns.
	if c := r.chunk; c != nil {
		c.retire(r.carved)
	}
	r.chunk, r.claim, r.carved, r.chunkUsed, r.framesUsed = nil, nil, 0, 0, 0
}
