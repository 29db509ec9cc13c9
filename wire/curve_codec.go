package wire

import (
	"encoding/binary"

	"golang.org/x/crypto/nacl/box"
)

// Inner flag bits of a CURVE MESSAGE, as libzmq 4.3 sets them (zmq-spec
// gotcha 4).
const (
	curveFlagMore    = 0x01
	curveFlagCommand = 0x02
)

// maxSealScratch is the largest plaintext buffer a curveCodec keeps between
// calls; larger frames get a buffer of their own.
const maxSealScratch = 256 << 10

// curveCodec is CURVE's FrameCodec: every frame after the handshake is a
// MESSAGE command, sent in a ZMTP data frame, whose box holds a flags byte
// and the application frame.
type curveCodec struct {
	key        [32]byte // Precompute(peer transient public, our transient secret)
	sendPrefix string
	recvPrefix string

	// Seal's state.
	sendNonce uint64 // next short nonce to send
	scratch   []byte // flags byte + body, the plaintext to seal

	// Open's state.
	recvNonce uint64 // last short nonce received
}

// newCurveCodec returns the codec of a connection whose handshake ended with
// shared key key, next nonce to send sendNonce and last received nonce
// recvNonce.
func newCurveCodec(key *[32]byte, server bool, sendNonce, recvNonce uint64) *curveCodec {
	c := &curveCodec{key: *key, sendNonce: sendNonce, recvNonce: recvNonce,
		sendPrefix: nonceMsgC, recvPrefix: nonceMsgS}
	if server {
		c.sendPrefix, c.recvPrefix = nonceMsgS, nonceMsgC
	}
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
	pt := c.scratch
	if 1+len(body) > maxSealScratch {
		pt = make([]byte, 0, 1+len(body))
	}
	pt = append(append(pt[:0], inner), body...)
	if cap(pt) <= maxSealScratch {
		c.scratch = pt[:0]
	}

	dst = AppendFrameHeader(dst, 0, curveMessageMin+len(body))
	dst = append(dst, byte(len(cmdMessage)))
	dst = append(dst, cmdMessage...)
	dst = binary.BigEndian.AppendUint64(dst, c.sendNonce)
	n := shortNonce(c.sendPrefix, c.sendNonce)
	c.sendNonce++
	return box.SealAfterPrecomputation(dst, pt, &n, &c.key), nil
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
	n := shortNonce(c.recvPrefix, nonce)
	start := len(dst)
	out, ok := box.OpenAfterPrecomputation(dst, frame[16:], &n, &c.key)
	if !ok {
		return 0, dst, cryptoErr(CodeCryptographic, "CURVE MESSAGE does not open")
	}
	inner := out[start]
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
	copy(out[start:], out[start+1:])
	return flags, out[:len(out)-1], nil
}
