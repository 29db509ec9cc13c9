package wire

import (
	"io"
	"net"
)

// Writer tuning.
const (
	minWriterBuf = 512     // smallest Writer buffer
	refBodyMin   = 8 << 10 // bodies at least this long are referenced, not copied
	refBatch     = 8       // referenced bodies may gather up to this many buffer sizes
)

// Writer is a buffered ZMTP 3.x frame encoder. Frame headers and small bodies
// are appended to one buffer; bodies of 8 KiB or more are referenced rather
// than copied and handed to the underlying writer together with the buffered
// bytes as a net.Buffers, so a net.Conn sends them with one writev.
//
// Writes to the underlying writer happen only when the pending bytes reach the
// buffer size, or on Flush. A Writer is not safe for concurrent use. After a
// write error every method returns that error.
type Writer struct {
	wr   io.Writer
	size int         // flush threshold
	ref  int         // bodies of at least ref bytes are referenced
	buf  []byte      // headers and small bodies
	mark int         // buf[mark:] is not yet in segs
	segs [][]byte    // pending output, in order, when bodies are referenced
	refd int         // bytes referenced in segs (not counted in buf)
	nb   net.Buffers // consumed by WriteTo; kept here so it does not escape per call
	err  error       // sticky write error
	v1   bool        // wr rewrites the output into ZMTP/1.0 framing (see useV1)

	// pooled: buf comes from writeBufs when the first byte is queued and goes back
	// when everything queued has been written, so an idle Writer holds no buffer
	// (see bufpool.go). Only Writers of the default size pool their buffers.
	pooled bool

	codec FrameCodec // seals every frame after a CURVE handshake; nil: frames in clear
	big   []byte     // a sealed frame too large for buf, kept for reuse up to maxSealKeep

	framer  Framer // encodes every frame in place of ZMTP's framing (see SetFramer); nil: ZMTP
	sealBuf []byte // with a framer and a codec: the sealed frame before framing
}

// NewWriter returns a Writer writing to w with a buffer of bufSize bytes.
// bufSize 0 means 64 KiB; sizes below 512 bytes are raised to 512. A Writer of
// the default size holds its buffer only while it has bytes queued: the buffer
// comes from a pool shared by all Writers and goes back once a flush has written
// everything, so that an idle connection costs no buffer.
func NewWriter(w io.Writer, bufSize int) *Writer {
	if bufSize == 0 {
		bufSize = defaultBufSize
	}
	bufSize = max(bufSize, minWriterBuf)
	wr := &Writer{
		wr:     w,
		size:   bufSize,
		ref:    min(refBodyMin, bufSize/2),
		pooled: bufSize == defaultBufSize,
	}
	if !wr.pooled {
		wr.buf = make([]byte, 0, bufSize+9)
	}
	return wr
}

// reserve makes sure w has a buffer to queue bytes in.
func (w *Writer) reserve() {
	if w.buf == nil {
		w.buf = takeWriteBuf()
	}
}

// release gives a pooled buffer back once nothing is queued in it.
func (w *Writer) release() {
	if w.pooled && len(w.buf) == 0 && len(w.segs) == 0 && w.buf != nil {
		giveWriteBuf(w.buf)
		w.buf = nil
		w.mark = 0
	}
}

// Buffered returns the number of bytes queued and not yet written, including
// referenced bodies.
func (w *Writer) Buffered() int { return len(w.buf) + w.refd }

// WriteMsg queues every frame of m, with MORE on all but the last. Bodies of
// 8 KiB or more are not copied: they are referenced until they are written,
// so the caller must not modify them before Flush returns. A message with no
// frames is ErrEmptyMsg.
func (w *Writer) WriteMsg(m Msg) error {
	if len(m.Frames) == 0 {
		return ErrEmptyMsg
	}
	last := len(m.Frames) - 1
	for i, f := range m.Frames {
		flags := FlagMore
		if i == last {
			flags = 0
		}
		if err := w.WriteFrame(flags, f); err != nil {
			return err
		}
	}
	return nil
}

// WriteFrame queues one frame. flags may hold FlagMore and FlagCommand; the
// LONG flag is set from len(body). Bodies of 8 KiB or more are referenced, as
// in WriteMsg.
func (w *Writer) WriteFrame(flags byte, body []byte) error {
	w.reserve()
	if w.framer != nil {
		if w.codec != nil {
			return w.writeSealedFramed(flags, body)
		}
		return w.writeFramed(flags&(FlagMore|FlagCommand), body)
	}
	if w.codec != nil {
		return w.writeSealed(flags, body)
	}
	if w.err != nil {
		return w.err
	}
	hdr := FrameHeaderSize(len(body))
	if len(body) >= w.ref {
		if len(w.buf)+hdr > w.size {
			if err := w.flush(); err != nil {
				return err
			}
		}
		w.buf = AppendFrameHeader(w.buf, flags, len(body))
		w.segs = append(w.segs, w.buf[w.mark:len(w.buf):len(w.buf)], body)
		w.mark = len(w.buf)
		w.refd += len(body)
	} else {
		if len(w.buf)+hdr+len(body) > w.size {
			if err := w.flush(); err != nil {
				return err
			}
		}
		w.buf = AppendFrameHeader(w.buf, flags, len(body))
		w.buf = append(w.buf, body...)
	}
	// Referenced bodies cost no copy while they wait, so let several gather into one
	// writev; copied bytes flush at the buffer size.
	if len(w.buf) >= w.size || w.Buffered() >= refBatch*w.size {
		return w.flush()
	}
	return nil
}

// WriteRaw queues pre-encoded bytes, such as a greeting or the output of an
// Append function. b is copied, so the caller may reuse it at once.
// With a Framer (SetFramer), b must be whole ZMTP frames, which are re-encoded.
func (w *Writer) WriteRaw(b []byte) error {
	if w.err != nil {
		return w.err
	}
	w.reserve()
	if w.framer != nil {
		return w.writeRawFramed(b)
	}
	for len(b) > 0 {
		if len(w.buf) >= w.size {
			if err := w.flush(); err != nil {
				return err
			}
		}
		n := min(len(b), w.size-len(w.buf))
		w.buf = append(w.buf, b[:n]...)
		b = b[n:]
	}
	if w.Buffered() >= w.size {
		return w.flush()
	}
	return nil
}

// Flush writes everything queued to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	err := w.flush()
	// Only here: the flushes inside WriteFrame and WriteRaw make room for more.
	w.release()
	return err
}

func (w *Writer) flush() error {
	if len(w.segs) == 0 {
		if len(w.buf) == 0 {
			return nil
		}
		n, err := w.wr.Write(w.buf)
		if err == nil && n < len(w.buf) {
			err = io.ErrShortWrite
		}
		w.buf = w.buf[:0]
		w.err = err
		return err
	}
	if w.mark < len(w.buf) {
		w.segs = append(w.segs, w.buf[w.mark:])
	}
	w.nb = w.segs
	_, err := w.nb.WriteTo(w.wr)
	clear(w.segs) // drop references to the caller's bodies
	w.segs = w.segs[:0]
	w.nb = nil
	w.buf = w.buf[:0]
	w.mark = 0
	w.refd = 0
	w.err = err
	return err
}

// FlushSome offers the queued bytes to write once, and keeps whatever write did not
// take for a later call or Flush. write may take fewer bytes than offered without an
// error: a non-blocking socket takes what fits. FlushSome reports whether everything
// was written. With referenced bodies queued it writes nothing and reports false:
// those go out with Flush. After a handshake with a ZMTP/1.0 peer it likewise writes
// nothing and reports false: write would bypass the rewriting into the old framing.
func (w *Writer) FlushSome(write func([]byte) (int, error)) (done bool, err error) {
	if w.err != nil {
		return false, w.err
	}
	if len(w.segs) > 0 || w.v1 {
		return false, nil
	}
	if len(w.buf) == 0 {
		w.release()
		return true, nil
	}
	n, err := write(w.buf)
	n = max(0, min(n, len(w.buf)))
	rest := copy(w.buf, w.buf[n:])
	w.buf = w.buf[:rest]
	if err != nil {
		w.err = err
		return false, err
	}
	w.release()
	return rest == 0, nil
}
