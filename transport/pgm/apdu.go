package pgm

import (
	"encoding/binary"
	"errors"

	"github.com/brokerless/zmq/wire"
)

// libzmq carries messages inside PGM as a byte stream of ZMTP/1.0 frames
// (length = body+1 in one byte when the body is at most 253 bytes, else 0xFF
// and a u64 BE; then a flags byte, 0x01 = MORE; then the body) cut into
// APDUs, each one ODATA payload, starting with the u16 BE offset of the first
// message that starts in it, or 0xFFFF when none does.

// noStart is the APDU offset meaning "no message starts here".
const noStart = 0xFFFF

// ZMTP/1.0 flags.
const v1More = 0x01

// Framing errors.
var (
	ErrEmptyMsg  = errors.New("pgm: message has no frames")
	ErrAPDU      = errors.New("pgm: malformed APDU")
	ErrFrame     = errors.New("pgm: malformed ZMTP/1.0 frame")
	ErrMsgSize   = errors.New("pgm: message larger than MaxMsgSize")
	ErrResync    = errors.New("pgm: stream out of step with message offsets; partial message dropped")
	errSmallRoom = errors.New("pgm: APDU room below 3 bytes")
)

// Framer cuts a stream of messages into APDUs of at most Room bytes (the
// 2-byte offset included), as libzmq's pgm_sender does. It is not safe for
// concurrent use.
type Framer struct {
	room  int
	buf   []byte
	first int // offset of the first message start in buf, or -1
}

// NewFramer returns a Framer producing APDUs of at most room bytes
// (1428 for epgm with a 1500-byte TPDU; see APDURoom).
func NewFramer(room int) *Framer {
	if room < 3 {
		panic(errSmallRoom)
	}
	f := &Framer{room: room, buf: make([]byte, 2, room)}
	f.first = -1
	return f
}

// Buffered returns how many stream bytes wait in the current APDU.
func (f *Framer) Buffered() int { return len(f.buf) - 2 }

// Write appends m to the stream and calls emit for every APDU that fills up.
// The bytes passed to emit are valid only during the call. The last, partly
// filled APDU stays buffered until Flush or a later Write fills it.
func (f *Framer) Write(m wire.Msg, emit func(apdu []byte) error) error {
	if len(m.Frames) == 0 {
		return ErrEmptyMsg
	}
	// The buffer always has room for at least one byte here (full APDUs are
	// emitted at once), so the message's first byte lands in this APDU and
	// the offset never points past the payload.
	if f.first < 0 {
		f.first = len(f.buf) - 2
	}
	var hdr [10]byte
	for i, fr := range m.Frames {
		h := hdr[:0]
		if n := len(fr); n <= 253 {
			h = append(h, byte(n+1))
		} else {
			h = append(h, 0xFF)
			h = binary.BigEndian.AppendUint64(h, uint64(n)+1)
		}
		if i < len(m.Frames)-1 {
			h = append(h, v1More)
		} else {
			h = append(h, 0)
		}
		if err := f.put(h, emit); err != nil {
			return err
		}
		if err := f.put(fr, emit); err != nil {
			return err
		}
	}
	return nil
}

func (f *Framer) put(p []byte, emit func([]byte) error) error {
	for len(p) > 0 {
		n := copy(f.buf[len(f.buf):f.room], p)
		f.buf = f.buf[:len(f.buf)+n]
		p = p[n:]
		if len(f.buf) == f.room {
			if err := f.emit(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *Framer) emit(emit func([]byte) error) error {
	off := uint16(noStart)
	if f.first >= 0 {
		off = uint16(f.first)
	}
	binary.BigEndian.PutUint16(f.buf, off)
	err := emit(f.buf)
	f.buf = f.buf[:2]
	f.first = -1
	return err
}

// Flush emits the partly filled APDU, if any.
func (f *Framer) Flush(emit func(apdu []byte) error) error {
	if len(f.buf) == 2 {
		return nil
	}
	return f.emit(emit)
}

// Decoder reassembles whole messages from the APDUs of one source, in
// sequence order, as libzmq's pgm_receiver does: it ignores APDUs until one
// holds a message start (a late joiner starts at a message boundary), then
// decodes ZMTP/1.0 frames and delivers each complete, possibly multipart,
// message. After a loss the caller calls Reset: the partial message is
// dropped and decoding resumes at the next message start.
type Decoder struct {
	// MaxMsgSize bounds a message's total body bytes; <= 0 means no bound.
	MaxMsgSize int64

	joined   bool
	st       uint8
	hn       int
	hdr      [8]byte
	size     uint64
	flags    byte
	body     []byte
	frames   [][]byte
	msgBytes int64
}

const (
	stLen = iota
	stLong
	stFlags
	stBody
)

// Joined reports whether the decoder has found a message start.
func (d *Decoder) Joined() bool { return d.joined }

// Reset drops any partial message and waits for the next message start.
func (d *Decoder) Reset() {
	*d = Decoder{MaxMsgSize: d.MaxMsgSize}
}

func (d *Decoder) atBoundary() bool {
	return d.st == stLen && len(d.frames) == 0
}

func (d *Decoder) dropPartial() {
	d.st, d.hn, d.body, d.frames, d.msgBytes = stLen, 0, nil, nil, 0
}

// Feed decodes one APDU and calls deliver for each message it completes;
// the message's frames are owned by the receiver of deliver. A non-nil
// error means data was dropped (a malformed APDU or frame, an oversized
// message, or a stream out of step with the offsets); the decoder is ready
// for the next APDU either way.
func (d *Decoder) Feed(apdu []byte, deliver func(wire.Msg)) error {
	if len(apdu) < 2 {
		d.Reset()
		return ErrAPDU
	}
	off := int(binary.BigEndian.Uint16(apdu))
	data := apdu[2:]
	if off != noStart && off > len(data) {
		// libzmq asserts on this; we drop the APDU and resynchronise.
		d.Reset()
		return ErrAPDU
	}
	if !d.joined {
		if off == noStart {
			return nil
		}
		d.joined = true
		return d.consume(data[off:], deliver)
	}
	var err error
	if off != noStart {
		if err = d.consume(data[:off], deliver); err == nil && !d.atBoundary() {
			err = ErrResync
		}
		if err != nil {
			d.dropPartial()
			d.joined = true
		}
		data = data[off:]
	}
	if e := d.consume(data, deliver); e != nil {
		return e
	}
	return err
}

func (d *Decoder) consume(data []byte, deliver func(wire.Msg)) error {
	for len(data) > 0 {
		switch d.st {
		case stLen:
			b := data[0]
			data = data[1:]
			switch b {
			case 0:
				d.Reset()
				return ErrFrame
			case 0xFF:
				d.st, d.hn = stLong, 0
			default:
				d.size = uint64(b) - 1
				d.st = stFlags
			}
		case stLong:
			n := copy(d.hdr[d.hn:], data)
			d.hn += n
			data = data[n:]
			if d.hn == 8 {
				v := binary.BigEndian.Uint64(d.hdr[:])
				if v == 0 || v > 1<<62 {
					d.Reset()
					return ErrFrame
				}
				d.size = v - 1
				d.st = stFlags
			}
		case stFlags:
			d.flags = data[0]
			data = data[1:]
			if d.MaxMsgSize > 0 && d.size > uint64(d.MaxMsgSize-d.msgBytes) {
				d.Reset()
				return ErrMsgSize
			}
			d.msgBytes += int64(d.size)
			// Grow with the bytes that arrive, not with the claimed size.
			d.body = make([]byte, 0, min(d.size, 64<<10))
			d.st = stBody
			if d.size == 0 {
				d.endFrame(deliver)
			}
		case stBody:
			n := min(d.size-uint64(len(d.body)), uint64(len(data)))
			d.body = append(d.body, data[:n]...)
			data = data[n:]
			if uint64(len(d.body)) == d.size {
				d.endFrame(deliver)
			}
		}
	}
	return nil
}

func (d *Decoder) endFrame(deliver func(wire.Msg)) {
	d.frames = append(d.frames, d.body)
	d.body = nil
	d.st = stLen
	if d.flags&v1More == 0 {
		m := wire.Msg{Frames: d.frames}
		d.frames = nil
		d.msgBytes = 0
		deliver(m)
	}
}
