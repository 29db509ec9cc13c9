package wire

import (
	"encoding/binary"
)

// Inner flag bits of a CURVE MESSAGE, as libzmq 4.3 sets them (zmq-spec
// gotcha 4).
const (
	curveFlagMore    = 0x01
	curveFlagCommand = 0x02
)

// curveCodec is CURVE's FrameCodec: every frame after the handshake is a
// MESSAGE command, sent in a ZMTP data frame, whose box holds a flags byte
// and the application frame. Seal writes the box straight into the frame it
// appends and Open decrypts straight into dst, so neither copies the body
// through a buffer of its own or allocates.
type curveCodec struct {
	send curveStream // boxes we seal: nonce prefix CurveZMQMESSAGEC for a client
	recv curveStream // boxes we open

	sendNonce uint64 // next short nonce to send
	recvNonce uint64 // last short nonce received
}

// newCurveCodec returns the codec of a connection whose handshake ended with
// shared key key, next nonce to send sendNonce and last received nonce
// recvNonce.
func newCurveCodec(key *[32]byte, server bool, sendNonce, recvNonce uint64) *curveCodec {
	c := &curveCodec{sendNonce: sendNonce, recvNonce: recvNonce}
	sendPrefix, recvPrefix := nonceMsgC, nonceMsgS
	if server {
		sendPrefix, recvPrefix = nonceMsgS, nonceMsgC
	}
	c.send.init(key, sendPrefix)
	c.recv.init(key, recvPrefix)
	return c
}

// SealedSize returns the size of the frame (header included) that carries a
// body of n bytes: the MESSAGE name, nonce, MAC and flags add 33 bytes.
func (c *curveCodec) SealedSize(n int) int {
	size := curveMessageMin + n
	return FrameHeaderSize(size) + size
}

// Seal appends a data frame holding a MESSAGE command that carries flags and
// body. See FrameCodec.
func (c *curveCodec) Seal(dst []byte, flags byte, body []byte) ([]byte, error) {
	if c.sendNonce == 1<<64-1 {
		return dst, ErrNonceExhausted
	}
	inner := byte(0)
	if flags&FlagMore != 0 {
		inner |= curveFlagMore
	}
	if flags&FlagCommand != 0 {
		inner |= curveFlagCommand
	}
	dst = AppendFrameHeader(dst, 0, curveMessageMin+len(body))
	dst = append(dst, byte(len(cmdMessage)))
	dst = append(dst, cmdMessage...)
	dst = binary.BigEndian.AppendUint64(dst, c.sendNonce)
	start := len(dst)
	dst = grow(dst, boxOverhead+1+len(body))
	c.send.seal(dst[start:], c.sendNonce, inner, body)
	c.sendNonce++
	return dst, nil
}

// Open checks and decrypts a MESSAGE. See FrameCodec.
func (c *curveCodec) Open(dst []byte, frame []byte) (byte, []byte, error) {
	if len(frame) < 1+len(cmdMessage) || int(frame[0]) != len(cmdMessage) || string(frame[1:1+len(cmdMessage)]) != cmdMessage {
		return 0, dst, protoErr(CodeUnexpectedCommand, ErrUnexpectedCommand, "frame is not a CURVE MESSAGE")
	}
	if len(frame) < curveMessageMin {
		return 0, dst, protoErrf(CodeMalformedCommandMessage, ErrMalformedCommand, "CURVE MESSAGE of %d bytes, want at least %d", len(frame), curveMessageMin)
	}
	nonce := binary.BigEndian.Uint64(frame[8:16])
	if nonce <= c.recvNonce {
		return 0, dst, protoErrf(CodeInvalidSequence, ErrNonce, "CURVE MESSAGE nonce %d after %d", nonce, c.recvNonce)
	}
	inner, out, ok := c.recv.open(dst, nonce, frame[16:])
	if !ok {
		return 0, dst, cryptoErr(CodeCryptographic, "CURVE MESSAGE does not open")
	}
	flags := byte(0)
	if inner&curveFlagMore != 0 {
		flags |= FlagMore
	}
	if inner&curveFlagCommand != 0 {
		flags |= FlagCommand
	}
	if flags == FlagMore|FlagCommand {
		return 0, dst, protoErr(CodeMalformedCommandMessage, ErrMalformedFrame, "CURVE MESSAGE carries a command with MORE set")
	}
	c.recvNonce = nonce
	return flags, out, nil
}
