package ws

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	mrand "math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"github.com/brokerless/zmq/wire"
)

// ZWS 2.0 frame flags: the first byte of every binary message (RFC 45). They differ
// from ZMTP's, whose COMMAND bit is 0x04 and whose 0x02 says the size is long.
const (
	zwsMore    byte = 0x01
	zwsCommand byte = 0x02
)

// Errors of a peer that breaks RFC 6455 or ZWS 2.0. Each arrives wrapped in a
// *wire.ProtocolError, so that the socket drops the peer and does not redial it.
var (
	// ErrFragmented reports a fragmented message. ZWS peers send each frame in
	// one WebSocket frame; like libzmq, this transport does not reassemble.
	ErrFragmented = errors.New("ws: fragmented message")
	// ErrMask reports a frame masked the wrong way: a client must mask every
	// frame and a server none.
	ErrMask = errors.New("ws: frame masked the wrong way")
	// ErrBadFrame reports a frame RFC 6455 or ZWS 2.0 does not allow: reserved
	// bits, an unknown or text opcode, a control frame longer than 125 bytes, an
	// empty binary message, a ping whose payload is too long to echo.
	ErrBadFrame = errors.New("ws: bad frame")
)

// maxPingPayload is the longest ping payload echoed in a pong: what a ZMTP PING
// context can hold, since pings go through the engine as ZMTP PING commands.
const maxPingPayload = 16

// bufSize is the size of the read and write buffers.
const bufSize = 64 << 10

// Conn is a WebSocket connection whose upgrade is done, carrying ZWS 2.0. It is a
// net.Conn whose bytes are ZMTP 3 frames, so that the ZMTP codec in package wire and
// the socket's stream engine run over it unchanged:
//
//   - Read turns every binary message into the ZMTP frame it carries (its first byte
//     holds the MORE and COMMAND flags), a ping into a PING command, a pong into a
//     PONG command, and a close into io.EOF after echoing the close. Client frames
//     must be masked and server frames must not be; fragmented messages are refused,
//     as libzmq refuses them.
//   - Write parses the ZMTP frames it is given and sends each as one binary message,
//     except PING and PONG commands, which become ping and pong control frames as in
//     libzmq 4.3.4. A client masks what it sends.
//   - The socket's engine does not go through Write: as a transport.FramedConn, the
//     Conn gives the ZMTP writer its Framer, which encodes each frame as a ZWS
//     message straight into the writer's buffer, and the writer hands the result to
//     WriteFramed, or to TryWriteFramed for a write that does not wait.
//
// One goroutine may read while another writes. A close frame from the peer is
// echoed at once, or when a write under way ends. Close sends a close frame when no
// write is under way, then closes the connection.
type Conn struct {
	nc       net.Conn
	br       *bufio.Reader
	client   bool   // we mask what we send; the peer must not mask
	protocol string // the subprotocol agreed in the upgrade
	maxFrame int64  // see SetMaxFrame

	// Read state: synthesized ZMTP bytes not yet returned, then payload bytes of
	// the current binary message still on the wire.
	pend    [32]byte
	pendR   int
	pendW   int
	left    uint64
	mask    [4]byte
	masked  bool
	maskPos int
	eof     bool // a close frame was read and echoed

	// Write state, under wmu: out is what goes to the network at the end of
	// Write; hdr collects a ZMTP frame header split across calls, cmd a command
	// frame's body (commands are sent whole, to pick ping and pong out).
	wmu       sync.Mutex
	out       []byte
	hdr       [9]byte
	hdrN      int
	body      uint64 // body bytes of the current data frame still to come
	cmd       []byte
	cmdWant   int
	inCmd     bool
	wmask     [4]byte
	wmaskPos  int
	rng       *mrand.ChaCha8
	werr      error
	closeSent bool
	// closeDue is a close frame the reader could not send because a write was
	// under way: Write sends it when it finishes (0 means none).
	closeDue atomic.Uint32

	// Framed writes (framer.go), under wmu: fleft is the bytes of the frame under
	// way still to send, fhdr collects a frame header cut short; raw and the nb
	// fields make TryWriteFramed's non-blocking write without allocating.
	fr         framer
	fleft      uint64
	fhdr       [14]byte
	fhdrN      int
	rawChecked bool
	raw        syscall.RawConn
	nbBuf      []byte
	nbN        int
	nbErr      error
	nbWrite    func(fd uintptr) bool
}

// newConn wraps an upgraded connection. br holds bytes already read past the
// upgrade, or is nil.
func newConn(nc net.Conn, br *bufio.Reader, client bool, protocol string, maxFrame int64) *Conn {
	c := &Conn{nc: nc, client: client, protocol: protocol, maxFrame: maxFrame, out: make([]byte, 0, bufSize)}
	var r io.Reader = nc
	if br != nil && br.Buffered() > 0 {
		early, _ := br.Peek(br.Buffered())
		r = &prefixReader{early: append([]byte(nil), early...), r: nc}
	}
	c.br = bufio.NewReaderSize(r, bufSize)
	if client {
		var seed [32]byte
		rand.Read(seed[:])
		c.rng = mrand.NewChaCha8(seed)
		rand.Read(seed[:])
		c.fr = framer{client: true, rng: mrand.NewChaCha8(seed)}
	}
	return c
}

// prefixReader returns early, then reads r.
type prefixReader struct {
	early []byte
	r     io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.early) > 0 {
		n := copy(b, p.early)
		p.early = p.early[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// Protocol returns the subprotocol agreed in the upgrade, such as "ZWS2.0/NULL" or
// the bare "ZWS2.0".
func (c *Conn) Protocol() string { return c.protocol }

// Plain reports whether c runs over a plain TCP connection (ws://, not wss://). Its
// Read can then be interrupted by a read deadline anywhere, in the middle of a frame
// too, and a later Read goes on where the interrupted one stopped.
func (c *Conn) Plain() bool {
	_, ok := c.nc.(*net.TCPConn)
	return ok
}

// SetMaxFrame makes a binary message whose ZeroMQ frame is larger than n bytes
// fail Read with a *wire.ProtocolError wrapping wire.ErrFrameTooLarge, decided from
// the WebSocket header before any of the payload is read. n <= 0 means no limit.
// Call it before Read, not concurrently with it.
func (c *Conn) SetMaxFrame(n int64) { c.maxFrame = n }

func protoErr(err error, format string, args ...any) error {
	return &wire.ProtocolError{Code: wire.CodeZMTPUnspecified, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// Read implements net.Conn: it returns ZMTP frames, see Conn. It fills b with as
// many frames as are already buffered, and waits for the network only when it has
// nothing to return yet.
func (c *Conn) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if c.pendR < c.pendW {
			k := copy(b[n:], c.pend[c.pendR:c.pendW])
			c.pendR += k
			n += k
			continue
		}
		if c.left > 0 {
			if n > 0 && c.br.Buffered() == 0 {
				return n, nil
			}
			k := int(min(uint64(len(b)-n), c.left))
			k, err := c.br.Read(b[n : n+k])
			if c.masked {
				ws.Cipher(b[n:n+k], c.mask, c.maskPos)
				c.maskPos += k
			}
			c.left -= uint64(k)
			n += k
			if err != nil {
				return n, err
			}
			continue
		}
		if c.eof {
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		if k := c.smallFrames(b[n:]); k > 0 {
			n += k
			continue
		}
		ok, err := c.nextFrame(n > 0)
		if err != nil {
			if n > 0 && !isProtocol(err) {
				return n, nil // the error comes back on the next Read
			}
			return n, err
		}
		if !ok {
			return n, nil
		}
	}
	return n, nil
}

// smallFrames is Read's fast path: it turns the whole, well-formed binary messages of
// at most 256 bytes that are already buffered into ZMTP frames in b, for as long as
// they fit, and returns how many bytes it wrote. Anything else (a control frame, a
// large or partial message, a bad header) is left to nextFrame.
func (c *Conn) smallFrames(b []byte) int {
	n, used := 0, 0
	p, _ := c.br.Peek(c.br.Buffered()) // no I/O: the bytes are buffered
	for len(p) >= 2 {
		if p[0] != 0x80|byte(ws.OpBinary) || (p[1]&0x80 != 0) == c.client {
			break
		}
		size, hlen := int(p[1]&0x7f), 2
		if size == 126 {
			if len(p) < 4 {
				break
			}
			size, hlen = int(binary.BigEndian.Uint16(p[2:])), 4
		} else if size == 127 {
			break
		}
		var mask [4]byte
		if !c.client {
			if len(p) < hlen+4 {
				break
			}
			copy(mask[:], p[hlen:])
			hlen += 4
		}
		body := size - 1
		if size == 0 || body > math.MaxUint8 || len(p) < hlen+size || len(b)-n < 2+body ||
			(c.maxFrame > 0 && int64(body) > c.maxFrame) {
			break
		}
		flags := p[hlen] ^ mask[0]
		zflags := flags & zwsMore
		if flags&zwsCommand != 0 {
			zflags |= wire.FlagCommand
		}
		b[n], b[n+1] = zflags, byte(body)
		if c.client {
			copy(b[n+2:], p[hlen+1:hlen+size])
		} else {
			// Unmask while copying, from the payload's second byte on.
			k := bits.RotateLeft32(binary.LittleEndian.Uint32(mask[:]), -8)
			copyMasked(b[n+2:n+2+body], p[hlen+1:hlen+size], uint64(k)|uint64(k)<<32)
		}
		n += 2 + body
		used += hlen + size
		p = p[hlen+size:]
	}
	if used > 0 {
		c.br.Discard(used)
	}
	return n
}

// xorMaskSmall applies mask to b, a payload's bytes from position offset on, eight
// bytes at a time (masking and unmasking are the same XOR): for short payloads a call
// to ws.Cipher costs more than the work.
func xorMaskSmall(b []byte, mask [4]byte, offset int) {
	var m [8]byte
	for i := range m {
		m[i] = mask[(offset+i)&3]
	}
	w := binary.LittleEndian.Uint64(m[:])
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^w)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= m[i]
	}
}

// copyMasked copies src to dst, as long, XORing it with the mask word w (the mask
// key's bytes repeated, little-endian, in the order they apply from src[0] on) eight
// bytes at a time: the copy out of the read buffer and the unmasking in one pass.
func copyMasked(dst, src []byte, w uint64) {
	dst = dst[:len(src)]
	for len(src) >= 32 {
		d, s := dst[:32:32], src[:32:32] // one bounds check each for four words
		binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(s[0:])^w)
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:])^w)
		binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:])^w)
		binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:])^w)
		src, dst = src[32:], dst[32:]
	}
	for len(src) >= 8 {
		binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src)^w)
		src, dst = src[8:], dst[8:]
	}
	for i := range src {
		dst[i] = src[i] ^ byte(w)
		w >>= 8
	}
}

func isProtocol(err error) bool {
	var pe *wire.ProtocolError
	return errors.As(err, &pe)
}

// nextFrame decodes the next WebSocket frame header and queues the ZMTP bytes it
// turns into. With noWait it reports false rather than wait for bytes not yet
// buffered.
func (c *Conn) nextFrame(noWait bool) (bool, error) {
	p, ok, err := c.peek(2, noWait)
	if !ok {
		return false, err
	}
	fin, rsv, op := p[0]&0x80 != 0, p[0]&0x70, ws.OpCode(p[0]&0x0f)
	masked, size := p[1]&0x80 != 0, uint64(p[1]&0x7f)
	hlen := 2
	switch size {
	case 126:
		hlen += 2
	case 127:
		hlen += 8
	}
	if masked {
		hlen += 4
	}
	if rsv != 0 {
		return false, c.fail(ws.StatusProtocolError, ErrBadFrame, "reserved bits %#x set", rsv)
	}
	if masked == c.client {
		return false, c.fail(ws.StatusProtocolError, ErrMask, "masked=%v from a %s", masked, peerRole(c.client))
	}
	if !fin {
		if op.IsControl() { // RFC 6455 forbids it outright
			return false, c.fail(ws.StatusProtocolError, ErrBadFrame, "fragmented control frame, opcode %d", op)
		}
		return false, c.fail(ws.StatusPolicyViolation, ErrFragmented, "frame without FIN, opcode %d", op)
	}
	if p, ok, err = c.peek(hlen, noWait); !ok {
		return false, err
	}
	switch size {
	case 126:
		size = uint64(binary.BigEndian.Uint16(p[2:]))
	case 127:
		size = binary.BigEndian.Uint64(p[2:])
		if size > math.MaxInt64 {
			return false, c.fail(ws.StatusProtocolError, ErrBadFrame, "length %d", size)
		}
	}
	var mask [4]byte
	if masked {
		copy(mask[:], p[hlen-4:hlen])
	}
	switch op {
	case ws.OpBinary:
		if size == 0 {
			return false, c.fail(ws.StatusProtocolError, ErrBadFrame, "empty binary message")
		}
		if c.maxFrame > 0 && size-1 > uint64(c.maxFrame) {
			err := &wire.ProtocolError{Code: wire.CodeZMTPUnspecified, Err: wire.ErrFrameTooLarge, Detail: fmt.Sprintf("%d bytes, limit %d", size-1, c.maxFrame)}
			c.sendClose(ws.StatusMessageTooBig)
			return false, err
		}
		if p, ok, err = c.peek(hlen+1, noWait); !ok {
			return false, err
		}
		flags := p[hlen]
		if masked {
			flags ^= mask[0]
		}
		c.br.Discard(hlen + 1)
		zflags := flags & zwsMore
		if flags&zwsCommand != 0 {
			zflags |= wire.FlagCommand
		}
		body := size - 1
		if body > math.MaxUint8 {
			zflags |= wire.FlagLong
			c.pend[0] = zflags
			binary.BigEndian.PutUint64(c.pend[1:], body)
			c.pendR, c.pendW = 0, 9
		} else {
			c.pend[0], c.pend[1] = zflags, byte(body)
			c.pendR, c.pendW = 0, 2
		}
		c.left, c.mask, c.masked, c.maskPos = body, mask, masked, 1
		return true, nil
	case ws.OpPing, ws.OpPong, ws.OpClose:
		if size > 125 {
			return false, c.fail(ws.StatusProtocolError, ErrBadFrame, "control frame of %d bytes", size)
		}
		if p, ok, err = c.peek(hlen+int(size), noWait); !ok {
			return false, err
		}
		payload := p[hlen : hlen+int(size)]
		if masked {
			ws.Cipher(payload, mask, 0)
		}
		switch op {
		case ws.OpPing:
			if len(payload) > maxPingPayload {
				return false, c.fail(ws.StatusPolicyViolation, ErrBadFrame, "ping payload of %d bytes", len(payload))
			}
			// The engine answers a PING command with a PONG, which Write sends
			// as a pong frame echoing the payload.
			c.pendR, c.pendW = 0, len(wire.AppendPing(c.pend[:0], 0, payload))
		case ws.OpPong:
			c.pendR, c.pendW = 0, len(wire.AppendPong(c.pend[:0], payload[:min(len(payload), maxPingPayload)]))
		case ws.OpClose:
			code := ws.StatusNormalClosure
			if len(payload) >= 2 {
				code = ws.StatusCode(binary.BigEndian.Uint16(payload))
			}
			c.eof = true
			c.br.Discard(hlen + int(size))
			c.sendClose(code)
			return true, nil
		}
		c.br.Discard(hlen + int(size))
		return true, nil
	default:
		return false, c.fail(ws.StatusUnsupportedData, ErrBadFrame, "opcode %d", op)
	}
}

// peek returns the next n bytes without consuming them. With noWait and fewer than n
// bytes buffered it reports false and no error.
func (c *Conn) peek(n int, noWait bool) ([]byte, bool, error) {
	if noWait && c.br.Buffered() < n {
		return nil, false, nil
	}
	p, err := c.br.Peek(n)
	if err != nil {
		if errors.Is(err, io.EOF) && len(p) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, false, err
	}
	return p, true, nil
}

func peerRole(client bool) string {
	if client {
		return "server"
	}
	return "client"
}

// fail tells the peer why with a close frame and returns the protocol error.
func (c *Conn) fail(code ws.StatusCode, err error, format string, args ...any) error {
	c.sendClose(code)
	return protoErr(err, format, args...)
}

// closeWait bounds how long a close frame may take to write.
const closeWait = time.Second

// sendClose writes a close frame with code, once, unless a write is under way or a
// frame is half written: the close must not land inside another frame.
func (c *Conn) sendClose(code ws.StatusCode) {
	if !c.wmu.TryLock() {
		c.closeDue.CompareAndSwap(0, uint32(code))
		return
	}
	defer c.wmu.Unlock()
	c.sendCloseLocked(code)
}

// sendCloseLocked is sendClose with wmu held.
func (c *Conn) sendCloseLocked(code ws.StatusCode) {
	if c.closeSent || c.werr != nil || c.hdrN != 0 || c.body != 0 || c.inCmd || c.midFrame() {
		if c.closeSent || c.werr != nil {
			return
		}
		c.closeDue.CompareAndSwap(0, uint32(code)) // after the frame under way
		return
	}
	c.closeSent = true
	var body [2]byte
	binary.BigEndian.PutUint16(body[:], uint16(code))
	c.out = c.appendFrame(c.out[:0], ws.OpClose, body[:])
	c.nc.SetWriteDeadline(time.Now().Add(closeWait))
	c.nc.Write(c.out)
	c.out = c.out[:0]
	c.nc.SetWriteDeadline(time.Time{})
}

// appendFrame appends a whole frame with payload to b, masked if we are a client.
func (c *Conn) appendFrame(b []byte, op ws.OpCode, payload []byte) []byte {
	b = c.appendHeader(b, op, uint64(len(payload)))
	start := len(b)
	b = append(b, payload...)
	if c.client {
		ws.Cipher(b[start:], c.wmask, 0)
	}
	return b
}

// appendHeader appends the header of a final frame of size bytes, and picks a new
// mask if we are a client.
func (c *Conn) appendHeader(b []byte, op ws.OpCode, size uint64) []byte {
	b = append(b, 0x80|byte(op))
	var m byte
	if c.client {
		m = 0x80
	}
	switch {
	case size <= 125:
		b = append(b, m|byte(size))
	case size <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, m|126), uint16(size))
	default:
		b = binary.BigEndian.AppendUint64(append(b, m|127), size)
	}
	if c.client {
		binary.LittleEndian.PutUint32(c.wmask[:], uint32(c.rng.Uint64()))
		c.wmaskPos = 0
		b = append(b, c.wmask[:]...)
	}
	return b
}

// appendBody appends body bytes of the current message, masked if we are a client.
func (c *Conn) appendBody(b, p []byte) []byte {
	start := len(b)
	b = append(b, p...)
	if c.client {
		ws.Cipher(b[start:], c.wmask, c.wmaskPos)
		c.wmaskPos += len(p)
	}
	return b
}

// maxHeader is the largest WebSocket frame header with the ZWS flags byte.
const maxHeader = 15

// directWrite is the size from which a server sends a body chunk straight from the
// caller's slice rather than copying it.
const directWrite = 16 << 10

// Write implements net.Conn: p holds ZMTP frames, possibly split anywhere, which it
// sends as ZWS messages; see Conn.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closeSent {
		return 0, net.ErrClosed
	}
	total := len(p)
	for len(p) > 0 {
		if c.body == 0 && !c.inCmd && c.hdrN == 0 {
			if hl, size, ok := wholeFrame(p); ok {
				// A whole small data frame: framed and masked in one go.
				if len(c.out)+size+maxHeader > bufSize {
					if err := c.flushOut(); err != nil {
						return 0, err
					}
				}
				c.out = c.appendHeader(c.out, ws.OpBinary, uint64(size)+1)
				start := len(c.out)
				c.out = append(c.out, p[0]&wire.FlagMore)
				c.out = append(c.out, p[hl:hl+size]...)
				if c.client {
					if size < 256 {
						xorMaskSmall(c.out[start:], c.wmask, 0)
					} else {
						ws.Cipher(c.out[start:], c.wmask, 0)
					}
				}
				p = p[hl+size:]
				continue
			}
		}
		switch {
		case c.body > 0:
			k := int(min(uint64(len(p)), c.body))
			if !c.client && k >= directWrite {
				if err := c.flushOut(); err != nil {
					return 0, err
				}
				if _, err := c.nc.Write(p[:k]); err != nil {
					c.werr = err
					return 0, err
				}
			} else {
				// A copy (a client masks it) goes out a buffer at a time, so that
				// a large body or a large batch does not grow the buffer.
				k = min(k, max(bufSize-len(c.out), 0))
				if k == 0 {
					if err := c.flushOut(); err != nil {
						return 0, err
					}
					continue
				}
				c.out = c.appendBody(c.out, p[:k])
			}
			c.body -= uint64(k)
			p = p[k:]
		case c.inCmd:
			k := min(len(p), c.cmdWant-len(c.cmd))
			c.cmd = append(c.cmd, p[:k]...)
			p = p[k:]
			if len(c.cmd) == c.cmdWant {
				c.inCmd = false
				c.writeCommand(c.cmd)
			}
		default:
			c.hdr[c.hdrN] = p[0]
			c.hdrN++
			p = p[1:]
			flags := c.hdr[0]
			need := 2
			if flags&wire.FlagLong != 0 {
				need = 9
			}
			if c.hdrN < need {
				continue
			}
			c.hdrN = 0
			size := uint64(c.hdr[1])
			if need == 9 {
				size = binary.BigEndian.Uint64(c.hdr[1:9])
			}
			if flags&wire.FlagCommand != 0 {
				if size > math.MaxInt32 {
					c.werr = errors.New("ws: command frame too large")
					return 0, c.werr
				}
				c.cmd, c.cmdWant, c.inCmd = c.cmd[:0], int(size), true
				if size == 0 {
					c.inCmd = false
					c.writeCommand(c.cmd)
				}
				continue
			}
			zf := flags & wire.FlagMore
			c.out = c.appendHeader(c.out, ws.OpBinary, size+1)
			c.out = c.appendBody(c.out, []byte{zf})
			c.body = size
		}
	}
	if err := c.flushOut(); err != nil {
		return 0, err
	}
	if code := c.closeDue.Swap(0); code != 0 {
		c.sendCloseLocked(ws.StatusCode(code))
	}
	return total, nil
}

// wholeFrame reports whether p starts with a whole ZMTP data frame whose body is
// small enough to copy (see directWrite), and returns its header length and body size.
func wholeFrame(p []byte) (hl, size int, ok bool) {
	if len(p) < 2 || p[0]&wire.FlagCommand != 0 {
		return 0, 0, false
	}
	hl, n := 2, uint64(p[1])
	if p[0]&wire.FlagLong != 0 {
		if len(p) < 9 {
			return 0, 0, false
		}
		hl, n = 9, binary.BigEndian.Uint64(p[1:9])
	}
	if n >= directWrite || uint64(len(p)-hl) < n {
		return 0, 0, false
	}
	return hl, int(n), true
}

// writeCommand queues a whole ZMTP command frame's body: PING and PONG as control
// frames, anything else as a binary message with the COMMAND flag.
func (c *Conn) writeCommand(body []byte) {
	cmd, err := wire.ParseCommand(body)
	switch {
	case err == nil && cmd.Is(wire.CmdPing):
		_, ctx, _ := wire.ParsePing(cmd.Data)
		c.out = c.appendFrame(c.out, ws.OpPing, ctx)
	case err == nil && cmd.Is(wire.CmdPong):
		c.out = c.appendFrame(c.out, ws.OpPong, cmd.Data[:min(len(cmd.Data), maxPingPayload)])
	default:
		c.out = c.appendHeader(c.out, ws.OpBinary, uint64(len(body))+1)
		c.out = c.appendBody(c.out, []byte{zwsCommand})
		c.out = c.appendBody(c.out, body)
	}
}

// flushOut writes what Write has queued.
func (c *Conn) flushOut() error {
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.werr = err
	}
	return err
}

// Close sends a normal close frame (1000) if no write is under way, then closes the
// connection; a write under way would be cut off with it, so then the frame is not
// sent. It unblocks a Read or Write in progress.
func (c *Conn) Close() error {
	c.sendClose(ws.StatusNormalClosure)
	return c.nc.Close()
}

// LocalAddr implements net.Conn.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr implements net.Conn.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }
