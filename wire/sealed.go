package wire

import "io"

// Frames protected by a FrameCodec (CURVE's MESSAGE) in a Reader and a Writer.
//
// After a handshake whose mechanism is a CodecMechanism, SetCodec switches a
// Reader and a Writer to the codec: every frame they carry is sealed, and the
// ordinary methods (ReadMsg, WriteMsg, WriteFrame) open and seal on the way.
// The choice is one field tested once per message or frame, so a NULL or
// PLAIN connection, which never sets a codec, takes the same path as before.

// SealOverhead is the number of bytes a CURVE MESSAGE adds to an application
// frame body: its name, nonce, MAC and flags byte (the frame header aside).
// A Reader whose frames are sealed accepts bodies of SetMaxFrame's limit
// plus this overhead.
const SealOverhead = curveMessageMin

// SetCodec makes r open every frame it reads from now on with c, the codec of
// the connection's security mechanism: ReadMsg then assembles messages from
// the opened frames and passes opened commands to its onCommand. The frame
// limit of SetMaxFrame then applies to the opened body. Call it once, after
// the handshake and before the first ReadMsg; a nil c leaves r unchanged.
//
// With a codec, MsgBuffered reports false: whether a buffered frame ends a
// message or is a command is sealed inside it. ReadBufferedMsg opens the frames
// that are whole in the buffer to find out.
func (r *Reader) SetCodec(c FrameCodec) {
	if c == nil {
		return
	}
	r.codec = c
	r.over = SealOverhead
}

// readMsgSealed is ReadMsg for a Reader with a codec. Opened bodies land where
// ReadMsg's bodies do: small ones in the current slab, those over 4 KiB in
// buffers of their own, so that Msg.Release recycles them alike.
func (r *Reader) readMsgSealed(m *Msg, onCommand func(Command) error) error {
	_, err := r.openMsg(m, onCommand, false)
	return err
}

// openMsg reads and opens sealed frames until a message is whole. With noWait it
// opens only frames already whole in the buffer, and reports false when it stops
// before the end of a message: the frames opened so far stay in r.frames, and the
// next call, waiting or not, goes on with the same message. Whether a frame ends a
// message is sealed inside it, so this is how a batch reader learns, without
// waiting, what is buffered.
func (r *Reader) openMsg(m *Msg, onCommand func(Command) error, noWait bool) (done bool, err error) {
	if len(r.frames) == 0 {
		r.owned = false
		r.claim = nil
		r.prepareChunk()
		if done, err := r.openShortMsg(m, onCommand); done || err != nil {
			return done, err
		}
	}
	frames := r.frames
	defer func() {
		if done || err != nil {
			clear(frames)
			frames = frames[:0]
		}
		r.frames = frames
	}()
	for {
		if noWait && !r.FrameBuffered() {
			return false, nil
		}
		// The outer flags are not trusted: libzmq leaves them clear, and what
		// counts (MORE, COMMAND) travels inside the box.
		outer, size, err := r.readHeader()
		if err != nil {
			if len(frames) > 0 {
				err = unexpected(err)
			}
			return false, err
		}
		sealed, pooled, err := r.readSealed(size)
		if err != nil {
			return false, err
		}
		if r.clearHB && outer&FlagCommand != 0 && isHeartbeat(sealed) {
			cmd, err := ParseCommand(sealed)
			if err == nil && onCommand != nil {
				err = onCommand(cmd)
			}
			if pooled {
				freeBody(sealed)
			}
			if err != nil {
				return false, err
			}
			continue
		}
		n := max(size-SealOverhead, 0) // the opened body's size, if it opens
		var dst []byte
		small := n <= ownBufMin
		switch {
		case small:
			// Open decrypts straight into the slab's free space.
			if r.chunk == nil || len(r.chunk.buf)-r.chunkUsed < n {
				r.nextChunk()
			}
			dst = r.chunk.buf[r.chunkUsed:r.chunkUsed]
		case n <= maxPooled:
			dst = allocBody(n)[:0]
		default:
			dst = make([]byte, 0, n)
		}
		flags, body, err := r.codec.Open(dst, sealed)
		if pooled {
			freeBody(sealed)
		}
		if err != nil {
			if !small {
				freeBody(dst)
			}
			return false, err
		}
		if flags&FlagCommand != 0 {
			// A command opened in the slab's free space is overwritten later;
			// one in a buffer of its own goes back to the pool.
			cmd, err := ParseCommand(body)
			if err == nil && onCommand != nil {
				err = onCommand(cmd)
			}
			if !small {
				freeBody(body)
			}
			if err != nil {
				return false, err
			}
			continue
		}
		switch {
		case len(body) == 0:
			body = emptyBody
		case small:
			r.claim = r.chunk
			body = body[:len(body):len(body)]
			r.chunkUsed += len(body)
		case pooledBody(body):
			r.owned = true
		default:
			body = body[:len(body):len(body)]
		}
		frames = append(frames, body)
		if flags&FlagMore == 0 {
			break
		}
	}
	r.finishMsg(m, frames)
	return true, nil
}

// openShortMsg is openMsg's fast path for what sealed traffic mostly is: short frames
// (at most 255 bytes sealed), whole in the buffer, each a message of its own. It
// opens such frames one after another straight into the current slab, passes
// commands to onCommand, and reports true with the first message in m, decoded as
// the general loop would decode it, without its frame list. It stops, reporting
// false, at a frame it does not take: a partial or long one, one with outer flags
// set (a clear heartbeat), or one whose body does not fit the slab; openMsg's loop
// reads that one. A frame with MORE it opens and leaves in r.frames, as the first
// of a message the loop goes on with. Call it only with no message begun.
func (r *Reader) openShortMsg(m *Msg, onCommand func(Command) error) (bool, error) {
	for {
		b := r.buf[r.r:r.w]
		if len(b) < 2 || b[0] != 0 {
			return false, nil
		}
		size := int(b[1])
		n := size - SealOverhead // the opened body's size, if it opens
		c := r.chunk
		if n < 0 || len(b) < 2+size || (r.max > 0 && int64(n) > r.max) || len(c.buf)-r.chunkUsed < n {
			return false, nil
		}
		r.r += 2 + size
		flags, body, err := r.codec.Open(c.buf[r.chunkUsed:r.chunkUsed], b[2:2+size])
		if err != nil {
			return false, err
		}
		if flags&FlagCommand != 0 {
			// Opened in the slab's free space, which the next frame overwrites.
			cmd, err := ParseCommand(body)
			if err == nil && onCommand != nil {
				err = onCommand(cmd)
			}
			if err != nil {
				return false, err
			}
			continue
		}
		if len(body) == 0 {
			body = emptyBody
		} else {
			body = body[:len(body):len(body)]
			r.chunkUsed += len(body)
		}
		if flags&FlagMore != 0 {
			if len(body) > 0 {
				r.claim = c
			}
			r.frames = append(r.frames, body)
			return false, nil
		}
		// prepareChunk left room for at least chunkFramesMin Frames entries.
		r.handOne(m, c, body)
		return true, nil
	}
}

// FrameBuffered reports whether the next frame is whole in the buffer, or has a
// header that ReadMsg refuses at once: with a codec, the next ReadBufferedMsg then
// makes progress (see MsgBuffered for a Reader without one).
func (r *Reader) FrameBuffered() bool {
	_, size, n, err := ConsumeFrameHeader(r.buf[r.r:r.w])
	return err != nil || (n > 0 && size <= uint64(r.w-r.r-n))
}

// SetClearHeartbeats makes a Reader with a codec also take PING and PONG commands
// that arrive unsealed, and pass them to ReadMsg's onCommand as they are; every other
// frame must still be sealed. ZWS 2.0 needs it: libzmq 4.3.4 carries heartbeats over
// WebSocket as ping and pong control frames, outside the mechanism, even with CURVE.
// Such heartbeats are as unprotected as the control frames they come from. Call it
// before the first ReadMsg.
func (r *Reader) SetClearHeartbeats(on bool) { r.clearHB = on }

// isHeartbeat reports whether body is a PING or PONG command in clear.
func isHeartbeat(body []byte) bool {
	return len(body) >= 5 && body[0] == 4 && (string(body[1:5]) == CmdPing || string(body[1:5]) == CmdPong)
}

// readSealed returns the body of the next sealed frame, valid until the next read.
// One that fits the buffer is a slice of it; a larger one is read into a pooled
// buffer (pooled is true, and the caller frees it once opened), so that a connection
// does not keep a buffer as large as its largest message. Past the largest pool
// class the buffer grows as the bytes arrive, as in readLarge.
func (r *Reader) readSealed(size int) (body []byte, pooled bool, err error) {
	if size <= r.size {
		body, err = r.readBody(size)
		return body, false, err
	}
	if size <= maxPooled {
		body, err = r.readLarge(allocBody(size)[:0], size)
		if err != nil {
			freeBody(body)
			return nil, false, err
		}
		return body, true, nil
	}
	body, err = r.readLarge(nil, size)
	return body, false, err
}

// SetCodec makes w seal every frame it writes from now on with c, the codec of
// the connection's security mechanism: WriteMsg and WriteFrame then queue
// sealed frames, commands included (FlagCommand travels inside the seal).
// WriteRaw still writes its bytes as they are. Call it once, after the
// handshake; a nil c leaves w unchanged.
func (w *Writer) SetCodec(c FrameCodec) {
	if c == nil {
		return
	}
	w.codec = c
}

// maxSealKeep is the largest buffer for one sealed frame that a Writer keeps
// between frames; larger frames get one of their own each time.
const maxSealKeep = 256 << 10

// writeSealed seals one frame into the buffer, or, when it does not fit the
// buffer, into a buffer of its own that is written at once. Nothing is
// referenced: the sealed bytes are new.
func (w *Writer) writeSealed(flags byte, body []byte) error {
	if w.err != nil {
		return w.err
	}
	n := w.codec.SealedSize(len(body))
	if len(w.buf)+n > w.size || len(w.segs) > 0 {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if n <= w.size {
		var err error
		if w.buf, err = w.codec.Seal(w.buf, flags&(FlagMore|FlagCommand), body); err != nil {
			w.err = err
			return err
		}
		if len(w.buf) >= w.size {
			return w.flush()
		}
		return nil
	}
	big, err := w.codec.Seal(w.big[:0], flags&(FlagMore|FlagCommand), body)
	if err != nil {
		w.err = err
		return err
	}
	if cap(big) <= maxSealKeep {
		w.big = big[:0]
	}
	m, err := w.wr.Write(big)
	if err == nil && m < len(big) {
		err = io.ErrShortWrite
	}
	w.err = err
	return err
}
