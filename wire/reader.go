package wire

import (
	"errors"
	"io"
	"math"
	"sync/atomic"
)

// Reader tuning.
const (
	defaultBufSize = 64 << 10 // Reader and Writer buffer size when 0 is given
	minReaderBuf   = 4 << 10  // smallest Reader buffer: must hold any slab-copied body
	slabChunkSize  = 32 << 10 // ReadMsg copies small bodies into chunks of this size
	ownBufMin      = 4 << 10  // ReadMsg gives bodies larger than this their own buffer
	frameSlabLen   = 512      // ReadMsg carves Frames slices from arrays of up to this many
	minFrameSlab   = 16       // the first array after an idle time holds this many
	growStep       = 1 << 20  // first allocation for a body that does not fit the buffer
	maxEmptyReads  = 100      // consecutive (0, nil) reads before io.ErrNoProgress
	shortFill      = 512      // read size for the header after a large body (see Reader.short)
)

// Reader is a buffered ZMTP 3.x frame decoder over a byte stream. It reads
// from the underlying reader in large chunks (the buffer size given to
// NewReader) and decodes frames from its buffer.
//
// A Reader is not safe for concurrent use. After any error from ReadFrame or
// ReadMsg the position in the stream is undefined and the connection should be
// closed; I/O errors are sticky.
type Reader struct {
	rd      io.Reader
	buf     []byte // nil while a pooled buffer is given back (see idle)
	size    int    // len(buf) when there is one
	r, w    int    // buf[r:w] is buffered, unread data
	err     error  // sticky error from rd
	max     int64  // largest accepted frame body; <= 0: no limit
	scratch []byte

	// short is set after ReadMsg read a body into a buffer of its own, and cleared by
	// the next small body. While it is set, fill reads only a little past what it
	// needs, so that a stream of large messages does not pull most of the next body
	// into buf, to be copied out again, but reads it straight into its own buffer.
	short bool

	// ReadMsg state.
	owned      bool       // the message being assembled has a pooled body
	chunk      *bodyChunk // current body slab; chunk.buf[chunkUsed:] is free
	chunkUsed  int        //
	chunked    bool       // a chunk was taken since the stream was last idle: the next is a full one
	carved     int64      // messages that claimed chunk so far
	claim      *bodyChunk // the chunk the message being assembled claims
	slab       [][]byte   // Frames slab for messages that chunk.frames cannot take
	slabUsed   int        //
	framesUsed int        // chunk.frames[framesUsed:] is free
	frames     [][]byte   // frames of the message being assembled

	props *Properties // of the connection, given to every chunk and message
	tag   *bodyChunk  // claim without memory that carries props, or nil

	codec   FrameCodec // opens every frame after a CURVE handshake; nil: frames in clear
	over    int64      // what the codec adds to a frame body, allowed above max
	clearHB bool       // with a codec, PING and PONG may arrive unsealed: see SetClearHeartbeats

	// Idle state (see ReleaseWhenIdle): lazy is rd when it can wait for input without
	// a buffer, once the Reader may give its buffer back.
	lazy     IdleReader
	need     int                       // the byte count fill is waiting for, for space
	spaceFn  func() []byte             // r.space, made once
	idleFn   func()                    // r.idle, made once
	parked   atomic.Pointer[bodyChunk] // the slab parkChunk parked, until taken back or recycled
	slabNext int                       // length of the next Frames slab
}

// SetProperties makes every message ReadMsg returns from now on carry p, the
// properties of the connection (see Msg.Properties). Call it before the first
// ReadMsg.
func (r *Reader) SetProperties(p *Properties) {
	r.props = p
	r.tag = &bodyChunk{props: p, noRefs: true}
	if r.chunk != nil {
		r.chunk.props = p
	}
}

// NewReader returns a Reader reading from r with a buffer of bufSize bytes.
// bufSize 0 means 64 KiB; sizes below 4 KiB are raised to 4 KiB. A Reader of the
// default size takes its buffer from a pool shared by all Readers when it first
// reads; see ReleaseWhenIdle for when it gives it back.
func NewReader(r io.Reader, bufSize int) *Reader {
	if bufSize == 0 {
		bufSize = defaultBufSize
	}
	bufSize = max(bufSize, minReaderBuf)
	rd := &Reader{rd: r, size: bufSize, slabNext: minFrameSlab}
	if bufSize != defaultBufSize {
		rd.buf = make([]byte, bufSize)
	}
	return rd
}

// SetMaxFrame sets the largest frame body the Reader accepts, like libzmq's
// MAXMSGSIZE (which is also checked per frame). A larger frame is a
// *ProtocolError wrapping ErrFrameTooLarge, reported from the header alone,
// before anything is allocated for the body. n <= 0 means no limit; even then
// memory for a large body is allocated only as its bytes arrive. With a codec
// (SetCodec) the limit applies to the opened body: sealed frames may be
// SealOverhead bytes larger.
func (r *Reader) SetMaxFrame(n int64) { r.max = n }

// Buffered returns the number of bytes read from the stream but not yet decoded.
func (r *Reader) Buffered() int { return r.w - r.r }

// MsgBuffered reports whether a whole message, with any command frames before or
// inside it, is already in the buffer, so the next ReadMsg returns without reading
// from the stream. A reader that hands messages on in batches uses it to decide
// when to hand on what it has before it may block.
func (r *Reader) MsgBuffered() bool {
	if r.codec != nil {
		return false
	}
	b := r.buf[r.r:r.w]
	for {
		flags, size, n, err := ConsumeFrameHeader(b)
		if err != nil || n == 0 || size > uint64(len(b)-n) {
			return false
		}
		b = b[n+int(size):]
		if flags&FlagCommand == 0 && flags&FlagMore == 0 {
			return true
		}
	}
}

// ErrBufferFull is returned by ReadMore when the buffer holds unread bytes to its
// last byte: the message they begin does not fit, and only ReadMsg can read it.
var ErrBufferFull = errors.New("wire: read buffer full")

// ReadMore reads from the stream once, appending whatever arrives to the buffered
// bytes, and first moves the unread bytes to the start of the buffer when little room
// is left after them. It lets a caller wait for a whole message (MsgBuffered) before
// decoding anything, so that a wait it abandons, a deadline that expires, leaves the
// stream where it was. A timeout error is therefore not sticky, unlike any other
// read error. Without room for even one byte it returns ErrBufferFull.
func (r *Reader) ReadMore() error {
	if r.err != nil {
		return r.err
	}
	var n int
	var err error
	if r.r == r.w {
		r.r, r.w = 0, 0
	}
	if r.lazy != nil && r.r == r.w {
		// Nothing buffered: the buffer goes back while the stream is idle, as in fill.
		r.need = 1
		n, err = r.lazy.ReadWhenReady(r.spaceFn, r.idleFn)
		r.unparkChunk()
	} else {
		if r.buf == nil {
			r.buf = takeReadBuf()
		}
		if len(r.buf)-r.w < len(r.buf)/4 && r.r > 0 {
			r.w = copy(r.buf, r.buf[r.r:r.w])
			r.r = 0
		}
		if r.w == len(r.buf) {
			return ErrBufferFull
		}
		n, err = r.rd.Read(r.buf[r.w:])
	}
	r.w += n
	if err != nil {
		if t, ok := err.(interface{ Timeout() bool }); !ok || !t.Timeout() {
			r.err = err
		}
		return err
	}
	if n == 0 {
		return io.ErrNoProgress
	}
	return nil
}

// ReadCommands passes the whole command frames at the head of the buffer to
// onCommand, as ReadMsg would, and stops at the first data frame, an incomplete
// frame or the end of the buffered bytes, without reading from the stream. A caller
// that waits for a message with ReadMore uses it to answer a PING that arrived alone.
func (r *Reader) ReadCommands(onCommand func(Command) error) error {
	if r.codec != nil {
		return nil
	}
	for {
		flags, size, n, err := ConsumeFrameHeader(r.buf[r.r:r.w])
		if err != nil || n == 0 || flags&FlagCommand == 0 || size > uint64(r.w-r.r-n) {
			return nil
		}
		if (r.max > 0 && size > uint64(r.max)) || size > math.MaxInt {
			return nil // ReadMsg reports it
		}
		body := r.buf[r.r+n : r.r+n+int(size)]
		r.r += n + int(size)
		cmd, err := ParseCommand(body)
		if err != nil {
			return err
		}
		if onCommand != nil {
			if err := onCommand(cmd); err != nil {
				return err
			}
		}
	}
}

// fill reads until at least n (<= len(r.buf)) bytes are buffered. It returns
// the sticky read error if the stream ends first.
func (r *Reader) fill(n int) error {
	if r.w-r.r >= n {
		return nil
	}
	if r.buf == nil {
		r.buf = takeReadBuf() // r.r == r.w == 0 while there is none
	}
	if r.r+n > len(r.buf) {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	r.need = n
	for empty := 0; r.w-r.r < n; {
		if r.err != nil {
			return r.err
		}
		var m int
		var err error
		if r.lazy != nil && r.r == r.w {
			// Nothing is buffered, so the buffer can go back while the stream is
			// idle: between messages, or between frames.
			m, err = r.lazy.ReadWhenReady(r.spaceFn, r.idleFn)
			r.unparkChunk()
		} else {
			m, err = r.rd.Read(r.space())
		}
		r.w += m
		if err != nil {
			r.err = err
		}
		if m == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	return nil
}

// space returns the free part of the buffer that the next read of fill may fill,
// taking a buffer from the pool if the Reader gave its own back.
func (r *Reader) space() []byte {
	if r.buf == nil {
		r.buf = takeReadBuf()
	}
	end := len(r.buf)
	if r.short {
		end = min(end, r.r+max(r.need, shortFill))
	}
	return r.buf[r.w:end]
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF, for a stream that ends
// inside a greeting, frame or message.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadGreeting reads the peer's 64-byte greeting. It fails fast: a first byte
// other than FF is ErrNotZMTP as soon as it arrives, the signature is checked
// after 10 bytes (CheckSignature), and a major version below 3 is ErrVersion
// as soon as byte 10 arrives, so a ZMTP 1.0/2.0 peer, which sends a shorter
// greeting and then waits, does not stall the call.
func (r *Reader) ReadGreeting() (Greeting, error) {
	if err := r.fill(1); err != nil {
		return Greeting{}, err
	}
	if err := CheckSignature(r.buf[r.r:r.w]); err != nil && err != io.ErrUnexpectedEOF {
		return Greeting{}, err
	}
	if err := r.fill(signatureSize + 1); err != nil {
		return Greeting{}, unexpected(err)
	}
	if err := CheckSignature(r.buf[r.r:r.w]); err != nil {
		return Greeting{}, err
	}
	if major := r.buf[r.r+signatureSize]; major < 3 {
		return Greeting{Major: major}, protoErrf(CodeZMTPUnspecified, ErrVersion, "peer speaks ZMTP major version %d", major)
	}
	if err := r.fill(GreetingSize); err != nil {
		return Greeting{}, unexpected(err)
	}
	g, err := ParseGreeting(r.buf[r.r : r.r+GreetingSize])
	if err != nil {
		return g, err
	}
	r.r += GreetingSize
	return g, nil
}

// readHeader reads and checks the next frame header. It returns io.EOF only if
// the stream ends cleanly before the header.
func (r *Reader) readHeader() (flags byte, size int, err error) {
	if err := r.fill(1); err != nil {
		return 0, 0, err
	}
	need := 2
	if r.buf[r.r]&FlagLong != 0 {
		need = 9
	}
	if err := r.fill(need); err != nil {
		return 0, 0, unexpected(err)
	}
	flags, sz, n, err := ConsumeFrameHeader(r.buf[r.r:r.w])
	if err != nil {
		return 0, 0, err
	}
	if (r.max > 0 && sz > uint64(r.max+r.over)) || sz > math.MaxInt {
		return 0, 0, protoErrf(CodeZMTPUnspecified, ErrFrameTooLarge, "frame of %d bytes exceeds limit %d", sz-uint64(r.over), r.max)
	}
	r.r += n
	return flags, int(sz), nil
}

// readBody returns the next size bytes, valid until the next read: a slice of
// the buffer when they fit, otherwise of the reusable scratch buffer.
func (r *Reader) readBody(size int) ([]byte, error) {
	if size <= r.size {
		if err := r.fill(size); err != nil {
			return nil, unexpected(err)
		}
		b := r.buf[r.r : r.r+size : r.r+size]
		r.r += size
		return b, nil
	}
	var err error
	r.scratch, err = r.readLarge(r.scratch[:0], size)
	return r.scratch, err
}

// readLarge appends the next size bytes of the stream to dst, first from the
// buffer, then straight from the underlying reader. If dst must grow, the
// first allocation is at most growStep (1 MiB) and each later one at most
// doubles it, never past size, so a header that lies about its size cannot
// make the Reader allocate much more than the peer has actually sent. When dst
// starts empty with no capacity, the result has capacity exactly size.
func (r *Reader) readLarge(dst []byte, size int) ([]byte, error) {
	dst = dst[:0]
	for empty := 0; len(dst) < size; {
		if len(dst) == cap(dst) {
			c := min(max(2*cap(dst), growStep), size)
			nd := make([]byte, len(dst), c)
			copy(nd, dst)
			dst = nd
		}
		free := dst[len(dst):min(cap(dst), size)]
		if r.r < r.w {
			k := copy(free, r.buf[r.r:r.w])
			r.r += k
			dst = dst[:len(dst)+k]
			continue
		}
		if r.err != nil {
			return dst, unexpected(r.err)
		}
		m, err := r.rd.Read(free)
		dst = dst[:len(dst)+m]
		if err != nil {
			r.err = err
		}
		if m == 0 && err == nil {
			if empty++; empty >= maxEmptyReads {
				r.err = io.ErrNoProgress
			}
		} else {
			empty = 0
		}
	}
	return dst, nil
}

// ReadFrame returns the next frame, data or command. flags holds only FlagMore
// and FlagCommand (LONG and reserved bits are masked off). body is valid only
// until the next call of a Read method: it may point into the Reader's buffer.
// A frame larger than the buffer is read into a reusable scratch buffer that
// the Reader keeps. At a clean end of stream between frames it returns io.EOF;
// inside a frame, io.ErrUnexpectedEOF.
func (r *Reader) ReadFrame() (flags byte, body []byte, err error) {
	flags, size, err := r.readHeader()
	if err != nil {
		return 0, nil, err
	}
	body, err = r.readBody(size)
	if err != nil {
		return 0, nil, err
	}
	return flags &^ FlagLong, body, nil
}

// ReadMsg reads the next whole data message into m, replacing m.Frames with a
// new slice (the previous slice and its bodies are left untouched, so messages
// may be kept). Bodies are copied out of the Reader: small ones into shared
// 32 KiB slabs, reused only once every message in them has been released
// (Msg.Release), those over 4 KiB into buffers of their own, read directly
// from the stream into memory from pools that Msg.Release refills. The Frames
// slice itself is carved from a shared array too, so in steady state ReadMsg
// allocates almost nothing per message. Keeping one message alive keeps its
// slab alive.
//
// A command frame met before or between the frames of a message is parsed and
// passed to onCommand (its Command is valid only during the call), and does
// not disturb the message being assembled (zmq-spec gotcha 13). If onCommand
// returns an error, ReadMsg returns it. A nil onCommand ignores commands.
// A malformed command is a *ProtocolError wrapping ErrMalformedCommand.
//
// At a clean end of stream between messages ReadMsg returns io.EOF; inside a
// message, io.ErrUnexpectedEOF. On error m is not modified.
func (r *Reader) ReadMsg(m *Msg, onCommand func(Command) error) error {
	if r.codec != nil {
		return r.readMsgSealed(m, onCommand)
	}
	if r.readShortMsg(m) {
		return nil
	}
	r.owned = false
	r.claim = nil
	r.prepareChunk()
	frames := r.frames[:0]
	defer func() {
		clear(frames)
		r.frames = frames[:0]
	}()
	for {
		flags, size, err := r.readHeader()
		if err != nil {
			if len(frames) > 0 {
				err = unexpected(err)
			}
			return err
		}
		if flags&FlagCommand != 0 {
			body, err := r.readBody(size)
			if err != nil {
				return err
			}
			cmd, err := ParseCommand(body)
			if err != nil {
				return err
			}
			if onCommand != nil {
				if err := onCommand(cmd); err != nil {
					return err
				}
			}
			continue
		}
		body, err := r.readMsgBody(size)
		if err != nil {
			return err
		}
		frames = append(frames, body)
		if flags&FlagMore == 0 {
			break
		}
	}
	r.finishMsg(m, frames)
	return nil
}

// readShortMsg is ReadMsg's fast path for the commonest message: one data frame of
// at most 255 bytes, whole in the buffer, that fits the current chunk. It decodes
// it as ReadMsg would, without the frame list, and reports false, having done
// nothing, for anything else.
func (r *Reader) readShortMsg(m *Msg) bool {
	b := r.buf[r.r:r.w]
	if len(b) < 2 || b[0]&flagsKnown != 0 {
		return false // no whole header, or MORE, LONG or COMMAND
	}
	size := int(b[1])
	c := r.chunk
	if size == 0 || len(b) < 2+size || (r.max > 0 && int64(size) > r.max+r.over) ||
		c == nil || len(c.frames)-r.framesUsed < chunkFramesMin || len(c.buf)-r.chunkUsed < size {
		return false
	}
	body := c.buf[r.chunkUsed : r.chunkUsed+size : r.chunkUsed+size]
	copy(body, b[2:2+size])
	r.r += 2 + size
	r.chunkUsed += size
	r.owned, r.claim, r.short = false, nil, false
	r.handOne(m, c, body)
	return true
}

// handOne makes body, in chunk c or empty, the only frame of m, with a Frames slice
// carved from c, which m then claims. c must have a Frames entry free.
func (r *Reader) handOne(m *Msg, c *bodyChunk, body []byte) {
	f := c.frames[r.framesUsed : r.framesUsed+1 : r.framesUsed+1]
	f[0] = body
	r.framesUsed++
	r.carved++
	m.Frames, m.claim = f, c
}

// ReadBufferedMsg is ReadMsg for a message that is already whole in the buffer
// (see MsgBuffered): it reads it and reports true, or reports false and reads
// nothing. A reader that hands messages on in batches uses it to decode what is
// buffered without looking at each message's frames twice.
//
// With a codec (SetCodec), where a message ends is sealed inside its frames: then
// ReadBufferedMsg opens every frame that is whole in the buffer, and when the
// message is not whole yet it reports false having read its first frames, which
// the next ReadMsg or ReadBufferedMsg goes on from.
func (r *Reader) ReadBufferedMsg(m *Msg, onCommand func(Command) error) (bool, error) {
	if r.codec != nil {
		return r.openMsg(m, onCommand, true)
	}
	if r.readShortMsg(m) {
		return true, nil
	}
	if !r.MsgBuffered() {
		return false, nil
	}
	return true, r.ReadMsg(m, onCommand)
}

// finishMsg hands the frames of the message just assembled to m, with the claim
// that lets Release recycle their memory.
func (r *Reader) finishMsg(m *Msg, frames [][]byte) {
	if c := r.chunk; c != nil && (r.claim == c || r.claim == nil) && len(c.frames)-r.framesUsed >= len(frames) {
		// The Frames slice comes from the chunk too, and the message claims it even
		// without a small body: released messages then leave no garbage at all.
		n := len(frames)
		f := c.frames[r.framesUsed : r.framesUsed+n : r.framesUsed+n]
		r.framesUsed += n
		copy(f, frames)
		m.Frames = f
		m.claim = c
		r.carved++
		r.claim = nil // the message is whole: an idle Reader may park the chunk
		return
	}
	m.Frames = r.carveFrames(frames)
	m.claim = r.claim
	switch {
	case r.claim != nil:
		r.carved++
	case r.tag != nil:
		// No small body (at most large or empty ones): the tag carries the
		// properties, and lets Release recycle owned bodies.
		m.claim = r.tag
	case r.owned:
		m.claim = &ownedOnly
	}
	r.claim = nil
}

// emptyBody is the body of every empty frame ReadMsg returns: non-nil, with
// no capacity, so it can be shared.
var emptyBody = []byte{}

// readMsgBody returns the next size bytes in memory the caller may keep.
func (r *Reader) readMsgBody(size int) ([]byte, error) {
	if size == 0 {
		return emptyBody, nil
	}
	if size > ownBufMin {
		r.short = true
		if size <= maxPooled {
			// Pooled classes end at growStep, so this allocates no more ahead of the
			// bytes than readLarge would. The class's spare capacity is kept: Release
			// knows a pooled buffer by it.
			r.owned = true
			return r.readLarge(allocBody(size)[:0], size)
		}
		b, err := r.readLarge(nil, size)
		return b[:len(b):len(b)], err
	}
	r.short = false
	if err := r.fill(size); err != nil {
		return nil, unexpected(err)
	}
	if r.chunk == nil || len(r.chunk.buf)-r.chunkUsed < size {
		r.nextChunk()
	}
	r.claim = r.chunk
	b := r.chunk.buf[r.chunkUsed : r.chunkUsed+size : r.chunkUsed+size]
	r.chunkUsed += size
	r.r += copy(b, r.buf[r.r:r.r+size])
	return b, nil
}

// chunkFramesMin is the room for Frames that ReadMsg wants in the current chunk
// before it starts a message; messages with more frames than are left get a slice
// of their own.
const chunkFramesMin = 16

// prepareChunk starts a new chunk before a message when the current one has no
// chunk or too little room left for Frames.
func (r *Reader) prepareChunk() {
	if r.chunk == nil || len(r.chunk.frames)-r.framesUsed < chunkFramesMin {
		r.nextChunk()
	}
}

// nextChunk starts a new body chunk and retires the current one, which is recycled
// once every message that claimed it has been released. If the message being
// assembled already has bodies in the current chunk, that chunk is never recycled
// (the message claims only the new one) and is left to the garbage collector.
func (r *Reader) nextChunk() {
	if old := r.chunk; old != nil {
		if r.claim == old {
			r.claim = nil
		} else {
			old.retire(r.carved)
		}
	}
	r.chunk = newBodyChunk(!r.chunked)
	r.chunked = true
	r.chunk.props = r.props
	r.chunkUsed = 0
	r.framesUsed = 0
	r.carved = 0
}

// carveFrames copies frames into a slice carved from the shared Frames slab.
func (r *Reader) carveFrames(frames [][]byte) [][]byte {
	n := len(frames)
	if len(r.slab)-r.slabUsed < n {
		r.slab = make([][]byte, max(r.slabNext, n))
		r.slabUsed = 0
		r.slabNext = min(2*r.slabNext, frameSlabLen)
	}
	s := r.slab[r.slabUsed : r.slabUsed+n : r.slabUsed+n]
	r.slabUsed += n
	copy(s, frames)
	return s
}
