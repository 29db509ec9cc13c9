package wire

import (
	"errors"
	"io"
)

// Framer encodes frames in a transport's own framing in place of ZMTP's, for a
// connection whose messages carry frames themselves, such as a WebSocket under ZWS
// 2.0 (one binary message per frame). A Writer with a Framer (see SetFramer) hands it
// every frame and sends what it appends, so that a frame is encoded once, straight
// into the Writer's buffer, and many frames go out in one write.
type Framer interface {
	// AppendFrame appends one whole frame with flags (FlagMore, FlagCommand) and
	// body to dst and returns the extended slice.
	AppendFrame(dst []byte, flags byte, body []byte) []byte
	// FrameOverhead returns the most bytes AppendFrame adds to a body of n bytes.
	FrameOverhead(n int) int
}

// errRawFrames reports WriteRaw bytes that are not whole ZMTP frames on a Writer
// with a Framer, which re-encodes them frame by frame.
var errRawFrames = errors.New("wire: WriteRaw over a Framer needs whole ZMTP frames")

// SetFramer makes w encode every frame with f instead of ZMTP's framing. WriteMsg and
// WriteFrame hand their frames to f (sealed first, with a codec); WriteRaw then takes
// whole ZMTP frames, such as command frames from the Append functions, and hands
// each to f as it is. Bodies are always copied, never referenced. Call it before the
// first write; a nil f leaves w unchanged.
func (w *Writer) SetFramer(f Framer) {
	if f != nil {
		w.framer = f
	}
}

// writeFramed queues one frame encoded by the framer: into the buffer when it fits,
// else into a buffer of its own, written at once.
func (w *Writer) writeFramed(flags byte, body []byte) error {
	if w.err != nil {
		return w.err
	}
	n := len(body) + w.framer.FrameOverhead(len(body))
	if len(w.buf) > 0 && len(w.buf)+n > w.size {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if n <= w.size {
		w.buf = w.framer.AppendFrame(w.buf, flags, body)
		if len(w.buf) >= w.size {
			return w.flush()
		}
		return nil
	}
	big := w.framer.AppendFrame(w.big[:0], flags, body)
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

// writeRawFramed hands the whole ZMTP frames in b to the framer as they are.
func (w *Writer) writeRawFramed(b []byte) error {
	for len(b) > 0 {
		flags, size, n, err := ConsumeFrameHeader(b)
		if err != nil {
			return err
		}
		if n == 0 || size > uint64(len(b)-n) {
			return errRawFrames
		}
		if err := w.writeFramed(flags&(FlagMore|FlagCommand), b[n:n+int(size)]); err != nil {
			return err
		}
		b = b[n+int(size):]
	}
	return nil
}

// writeSealedFramed seals one frame and hands the sealed frame to the framer.
func (w *Writer) writeSealedFramed(flags byte, body []byte) error {
	if w.err != nil {
		return w.err
	}
	sealed, err := w.codec.Seal(w.sealBuf[:0], flags&(FlagMore|FlagCommand), body)
	if err != nil {
		w.err = err
		return err
	}
	if cap(sealed) <= maxSealKeep {
		w.sealBuf = sealed[:0]
	}
	f, size, n, err := ConsumeFrameHeader(sealed)
	if err != nil || n == 0 || size != uint64(len(sealed)-n) {
		w.err = errors.New("wire: codec sealed a malformed frame")
		return w.err
	}
	return w.writeFramed(f&(FlagMore|FlagCommand), sealed[n:])
}
