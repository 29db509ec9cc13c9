package wire

import (
	"encoding/binary"
	"io"
)

// ZMTP/1.0 framing (13/ZMTP, zmq-spec §1.3): a length that counts the flags byte and
// the body, one byte for 1..254 or FF and a u64 otherwise, then the flags byte (only
// MORE is defined), then the body. A length of 0 is invalid.
//
// A ZMTP/1.0 connection reuses the ZMTP 3.x Reader and Writer unchanged: the frame
// headers are rewritten between the two framings below them (v1Decoder under the
// Reader, v1Encoder under the Writer), so the 3.x path carries no test for the old
// framing, and every rule of the Reader (MaxMsgSize checked from the header, memory
// allocated only as bytes arrive, recycling) applies to 1.0 peers unchanged.

// V1FrameHeaderSize returns the length of a ZMTP/1.0 header for a body of size
// bytes: 2, or 10 when size+1 does not fit in one byte below FF. Like libzmq, the
// short form is used for bodies of at most 253 bytes.
func V1FrameHeaderSize(size int) int {
	if size+1 < 0xFF {
		return 2
	}
	return 10
}

// AppendV1FrameHeader appends a ZMTP/1.0 frame header for a body of size bytes to
// b. Only the MORE bit of flags is kept.
func AppendV1FrameHeader(b []byte, flags byte, size uint64) []byte {
	flags &= FlagMore
	if size+1 < 0xFF {
		return append(b, byte(size+1), flags)
	}
	return append(binary.BigEndian.AppendUint64(append(b, 0xFF), size+1), flags)
}

// ConsumeV1FrameHeader parses a ZMTP/1.0 frame header at the start of b. It
// returns the flags (only MORE kept, as libzmq keeps only MORE), the body size
// and the header length n. n == 0 with err == nil means b does not yet hold a
// whole header. A length of 0 is a *ProtocolError wrapping ErrMalformedFrame.
// The size is not bounded here: the caller checks it against its limit.
func ConsumeV1FrameHeader(b []byte) (flags byte, size uint64, n int, err error) {
	if len(b) < 1 {
		return 0, 0, 0, nil
	}
	length, n := uint64(b[0]), 2
	if b[0] == 0xFF {
		if len(b) < 10 {
			return 0, 0, 0, nil
		}
		length, n = binary.BigEndian.Uint64(b[1:9]), 10
	} else if len(b) < 2 {
		return 0, 0, 0, nil
	}
	if length == 0 {
		return 0, 0, 0, protoErr(CodeZMTPUnspecified, ErrMalformedFrame, "ZMTP/1.0 frame of length 0")
	}
	return b[n-1] & FlagMore, length - 1, n, nil
}

// v1Decoder reads a ZMTP/1.0 stream and yields the same frames in ZMTP 3.x
// framing, for a Reader above it. Bodies pass through; only headers are rewritten.
type v1Decoder struct {
	src        io.Reader
	in         []byte // raw input; in[ir:iw] is not yet decoded
	ir, iw     int
	out        [16]byte // rewritten headers (and injected frames); out[outR:outW] not yet returned
	outR, outW int
	body       uint64 // raw body bytes of the current frame not yet passed on
	err        error  // sticky: from src, or a malformed header
}

// v1InBuf is the size of a v1Decoder's raw input buffer.
const v1InBuf = 16 << 10

func newV1Decoder(src io.Reader, pending []byte, err error) *v1Decoder {
	d := &v1Decoder{src: src, in: make([]byte, max(v1InBuf, len(pending))), err: err}
	d.iw = copy(d.in, pending)
	return d
}

// Read returns the next bytes of the rewritten stream. It blocks on src only when
// it has nothing at all to return.
func (d *v1Decoder) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.outR < d.outW {
			k := copy(p[n:], d.out[d.outR:d.outW])
			d.outR += k
			n += k
			continue
		}
		if d.body > 0 {
			want := p[n:]
			if uint64(len(want)) > d.body {
				want = want[:d.body]
			}
			if d.ir < d.iw {
				k := copy(want, d.in[d.ir:d.iw])
				d.ir += k
				d.body -= uint64(k)
				n += k
				continue
			}
			if n > 0 {
				return n, nil
			}
			if d.err != nil {
				return 0, d.err
			}
			k, err := d.src.Read(want)
			d.body -= uint64(k)
			if err != nil {
				d.err = err
			}
			return k, err
		}
		flags, size, hn, err := ConsumeV1FrameHeader(d.in[d.ir:d.iw])
		if err != nil {
			d.err = err
		}
		if hn == 0 || err != nil {
			if n > 0 {
				return n, nil
			}
			if err := d.readMore(); err != nil {
				return 0, err
			}
			continue
		}
		d.ir += hn
		d.body = size
		d.outR, d.outW = 0, len(appendV2Header(d.out[:0], flags, size))
	}
	return n, nil
}

// appendV2Header is AppendFrameHeader for a size that may exceed an int: a size
// above 2^63-1 is passed on for the Reader to reject as too large.
func appendV2Header(b []byte, flags byte, size uint64) []byte {
	if size > 255 {
		return binary.BigEndian.AppendUint64(append(b, flags|FlagLong), size)
	}
	return append(b, flags, byte(size))
}

// readMore reads raw input from src, or returns the sticky error. readMore is
// called only when the buffered input holds no whole header, so an end of stream
// with input buffered ends inside a frame: io.ErrUnexpectedEOF.
func (d *v1Decoder) readMore() error {
	for empty := 0; d.err == nil; {
		if d.ir > 0 {
			d.iw = copy(d.in, d.in[d.ir:d.iw])
			d.ir = 0
		}
		m, err := d.src.Read(d.in[d.iw:])
		d.iw += m
		if err != nil {
			d.err = err
		}
		if m > 0 {
			return nil
		}
		if err == nil {
			if empty++; empty >= maxEmptyReads {
				d.err = io.ErrNoProgress
			}
		}
	}
	if d.err == io.EOF && d.ir < d.iw {
		return io.ErrUnexpectedEOF
	}
	return d.err
}

// v1Encoder takes the ZMTP 3.x output of a Writer and writes it to dst in ZMTP/1.0
// framing. Command frames, which ZMTP/1.0 does not have, are dropped.
type v1Encoder struct {
	dst  io.Writer
	hdr  [9]byte // the 3.x header being collected
	hn   int
	body uint64 // body bytes of the current frame still to come
	drop bool   // the current frame is a command
	out  []byte // encoded output not yet written to dst
}

// v1Direct is the body chunk size from which v1Encoder writes a body straight to
// dst instead of copying it.
const v1Direct = 8 << 10

// Write rewrites p and writes the result to dst before it returns. p must be the
// continuation of a valid 3.x frame stream, as a Writer produces.
func (e *v1Encoder) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if e.body > 0 {
			k := len(p)
			if uint64(k) > e.body {
				k = int(e.body)
			}
			if !e.drop {
				if k >= v1Direct {
					if err := e.flush(); err != nil {
						return 0, err
					}
					if _, err := e.dst.Write(p[:k]); err != nil {
						return 0, err
					}
				} else {
					e.out = append(e.out, p[:k]...)
				}
			}
			p = p[k:]
			e.body -= uint64(k)
			continue
		}
		e.hdr[e.hn] = p[0]
		e.hn++
		p = p[1:]
		flags, size, n, err := ConsumeFrameHeader(e.hdr[:e.hn])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			continue
		}
		e.hn = 0
		e.body = size
		e.drop = flags&FlagCommand != 0
		if !e.drop {
			e.out = AppendV1FrameHeader(e.out, flags, size)
		}
	}
	if err := e.flush(); err != nil {
		return 0, err
	}
	return total, nil
}

func (e *v1Encoder) flush() error {
	if len(e.out) == 0 {
		return nil
	}
	_, err := e.dst.Write(e.out)
	e.out = e.out[:0]
	return err
}

// useV1 switches r to ZMTP/1.0 framing from the current position on: bytes already
// buffered are decoded as 1.0 frames too. With subscribeAll the first message r then
// returns is a subscription to everything (a single frame 01), which libzmq injects
// for an unversioned peer of a PUB or XPUB socket, since such peers never subscribe.
func (r *Reader) useV1(subscribeAll bool) {
	d := newV1Decoder(r.rd, r.buf[r.r:r.w], r.err)
	if subscribeAll {
		d.outW = copy(d.out[:], []byte{0x00, 0x01, 0x01})
	}
	r.rd, r.err = d, nil
	r.r, r.w = 0, 0
	r.lazy = nil // d reads the stream now
}

// useV1 switches w to ZMTP/1.0 framing. Nothing may be buffered in w.
func (w *Writer) useV1() {
	w.wr = &v1Encoder{dst: w.wr}
	w.v1 = true
}
