package ws

import (
	"encoding/binary"
	"errors"
	"math"
	mrand "math/rand/v2"
	"net"
	"syscall"

	"github.com/gobwas/ws"

	"github.com/brokerless/zmq/internal/fdio"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// The message hot path: a transport.Conn over a Conn encodes every ZMTP frame as a
// ZWS message with the Conn's framer, straight into its write buffer (header, flags
// byte and body, masked in place by a client), and hands the buffer to WriteFramed or
// TryWriteFramed, many frames per system call. Conn.Write, which parses ZMTP bytes,
// serves other users of the net.Conn.

var _ transport.FramedConn = (*Conn)(nil)

// framer encodes ZMTP frames as ZWS 2.0 messages; see Conn.Framer. It has its own
// mask generator, since it runs on the writing goroutine without the Conn's lock.
type framer struct {
	client    bool
	rng       *mrand.ChaCha8
	spare     uint32 // the second half of the last 64 random bits, if haveSpare
	haveSpare bool
}

// Framer implements transport.FramedConn: every data frame becomes one binary
// message whose first byte holds the MORE and COMMAND flags, PING and PONG commands
// become ping and pong control frames, and a client masks what it sends, as Write
// does.
func (c *Conn) Framer() wire.Framer { return &c.fr }

// FrameOverhead implements wire.Framer.
func (f *framer) FrameOverhead(int) int { return maxHeader }

// AppendFrame implements wire.Framer.
func (f *framer) AppendFrame(dst []byte, flags byte, body []byte) []byte {
	if flags&wire.FlagCommand == 0 {
		return f.appendMessage(dst, flags&zwsMore, body)
	}
	if cmd, err := wire.ParseCommand(body); err == nil {
		switch {
		case cmd.Is(wire.CmdPing):
			_, ctx, _ := wire.ParsePing(cmd.Data)
			return f.appendControl(dst, ws.OpPing, ctx[:min(len(ctx), maxPingPayload)])
		case cmd.Is(wire.CmdPong):
			return f.appendControl(dst, ws.OpPong, cmd.Data[:min(len(cmd.Data), maxPingPayload)])
		}
	}
	return f.appendMessage(dst, zwsCommand, body)
}

// appendMessage appends a binary message: the ZWS flags byte zf, then body.
func (f *framer) appendMessage(dst []byte, zf byte, body []byte) []byte {
	dst, key := f.appendHeader(dst, ws.OpBinary, uint64(len(body))+1)
	start := len(dst)
	dst = append(dst, zf)
	dst = append(dst, body...)
	if f.client {
		maskKey(dst[start:], key)
	}
	return dst
}

// appendControl appends a control frame with payload (at most 125 bytes).
func (f *framer) appendControl(dst []byte, op ws.OpCode, payload []byte) []byte {
	dst, key := f.appendHeader(dst, op, uint64(len(payload)))
	start := len(dst)
	dst = append(dst, payload...)
	if f.client {
		maskKey(dst[start:], key)
	}
	return dst
}

// appendHeader appends the header of a final frame of size bytes and returns the
// mask key it holds, a fresh one, if we are a client.
func (f *framer) appendHeader(dst []byte, op ws.OpCode, size uint64) ([]byte, uint32) {
	var m byte
	if f.client {
		m = 0x80
	}
	switch {
	case size <= 125:
		dst = append(dst, 0x80|byte(op), m|byte(size))
	case size <= math.MaxUint16:
		dst = binary.BigEndian.AppendUint16(append(dst, 0x80|byte(op), m|126), uint16(size))
	default:
		dst = binary.BigEndian.AppendUint64(append(dst, 0x80|byte(op), m|127), size)
	}
	if !f.client {
		return dst, 0
	}
	key := f.nextMask()
	return binary.LittleEndian.AppendUint32(dst, key), key
}

// nextMask returns 32 bits from the generator, half of a 64-bit draw.
func (f *framer) nextMask() uint32 {
	if f.haveSpare {
		f.haveSpare = false
		return f.spare
	}
	r := f.rng.Uint64()
	f.spare, f.haveSpare = uint32(r>>32), true
	return uint32(r)
}

// maskKey masks b, a payload from its first byte, with the key written little-endian
// in the header: eight bytes at a time for short payloads, ws.Cipher for long ones.
func maskKey(b []byte, key uint32) {
	if len(b) > 256 {
		var m [4]byte
		binary.LittleEndian.PutUint32(m[:], key)
		ws.Cipher(b, m, 0)
		return
	}
	w := uint64(key) | uint64(key)<<32
	for len(b) >= 32 {
		x := b[:32:32] // one bounds check for four words
		binary.LittleEndian.PutUint64(x[0:], binary.LittleEndian.Uint64(x[0:])^w)
		binary.LittleEndian.PutUint64(x[8:], binary.LittleEndian.Uint64(x[8:])^w)
		binary.LittleEndian.PutUint64(x[16:], binary.LittleEndian.Uint64(x[16:])^w)
		binary.LittleEndian.PutUint64(x[24:], binary.LittleEndian.Uint64(x[24:])^w)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^w)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= byte(w)
		w >>= 8
	}
}

// WriteFramed implements transport.FramedConn: it writes p, whole ZWS frames from
// the framer (the first possibly the rest of one TryWriteFramed cut short), and then
// a close frame that the reader could not send meanwhile.
func (c *Conn) WriteFramed(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closeSent {
		return 0, net.ErrClosed
	}
	n, err := c.nc.Write(p)
	c.trackWrite(p, n)
	if err != nil {
		c.werr = err
		return n, err
	}
	if code := c.closeDue.Swap(0); code != 0 {
		c.sendCloseLocked(ws.StatusCode(code))
	}
	return n, nil
}

// TryWriteFramed implements transport.FramedConn: one non-blocking write of p on the
// connection's descriptor, which takes what fits in the socket buffer. Without a
// descriptor (wss), or while the reader is sending a close frame, it writes nothing.
func (c *Conn) TryWriteFramed(p []byte) (int, error) {
	if !c.wmu.TryLock() {
		return 0, nil
	}
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closeSent {
		return 0, net.ErrClosed
	}
	if !c.rawChecked {
		c.rawChecked = true
		if sc, ok := c.nc.(syscall.Conn); ok && fdio.Supported {
			c.raw, _ = sc.SyscallConn()
		}
		c.nbWrite = func(fd uintptr) bool {
			c.nbN, c.nbErr = fdio.Write(fd, c.nbBuf)
			return true // never wait for the descriptor to become writable
		}
	}
	if c.raw == nil {
		return 0, nil
	}
	c.nbBuf = p
	err := c.raw.Write(c.nbWrite)
	c.nbBuf = nil
	n, werr := max(c.nbN, 0), c.nbErr
	c.trackWrite(p, n)
	if errors.Is(werr, syscall.EAGAIN) || errors.Is(werr, syscall.EINTR) {
		werr = nil
	}
	if err == nil && werr != nil {
		err = &net.OpError{Op: "write", Net: c.nc.LocalAddr().Network(), Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: werr}
	}
	if err != nil {
		c.werr = err
		return n, err
	}
	if code := c.closeDue.Swap(0); code != 0 {
		c.sendCloseLocked(ws.StatusCode(code))
	}
	return n, nil
}

// midFrame reports whether the framed writes stopped inside a frame, where a close
// frame must not go. wmu must be held.
func (c *Conn) midFrame() bool { return c.fleft != 0 || c.fhdrN != 0 }

// trackWrite notes that the first n bytes of p, bytes from the framer, went out. The
// framer's bytes come in whole frames, so a write that starts between frames and
// takes all of p ends between frames too, and only other writes need track.
func (c *Conn) trackWrite(p []byte, n int) {
	if n < len(p) || c.midFrame() {
		c.track(p[:n])
	}
}

// track follows the WebSocket frames in p, bytes the framed writes sent, so that
// midFrame knows whether they stopped inside one. wmu must be held.
func (c *Conn) track(p []byte) {
	for len(p) > 0 {
		if c.fleft > 0 {
			k := min(uint64(len(p)), c.fleft)
			c.fleft -= k
			p = p[k:]
			continue
		}
		if c.fhdrN == 0 && len(p) >= 2 && len(p) >= headerLen(p[1]) {
			hl := headerLen(p[1])
			total := uint64(hl) + payloadLen(p[:hl])
			if uint64(len(p)) >= total {
				p = p[total:]
				continue
			}
			c.fleft = total - uint64(len(p))
			return
		}
		c.fhdr[c.fhdrN] = p[0]
		c.fhdrN++
		p = p[1:]
		if c.fhdrN >= 2 && c.fhdrN == headerLen(c.fhdr[1]) {
			c.fleft = payloadLen(c.fhdr[:c.fhdrN])
			c.fhdrN = 0
		}
	}
}

// headerLen returns the length of a WebSocket frame header from its second byte.
func headerLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// payloadLen returns the payload length of the whole frame header h.
func payloadLen(h []byte) uint64 {
	switch n := h[1] & 0x7f; n {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		return binary.BigEndian.Uint64(h[2:])
	default:
		return uint64(n)
	}
}
