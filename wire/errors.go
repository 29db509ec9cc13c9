package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every protocol violation a peer can commit is reported as a
// *ProtocolError wrapping one of these, so callers test with errors.Is.
var (
	// ErrNotZMTP: the peer's first bytes are neither a ZMTP signature (FF ... 7F)
	// nor the identity frame a ZMTP/1.0 peer opens with.
	ErrNotZMTP = errors.New("wire: peer does not speak ZMTP")
	// ErrVersion: the peer speaks a ZMTP version we do not take: revision 2, which no
	// ZMTP version uses, or ZMTP 1.0 or 2.0 to a socket configured with security.
	// ReadGreeting, which reads only 3.x greetings, reports any major below 3.
	ErrVersion = errors.New("wire: unsupported ZMTP version")
	// ErrMechanismMismatch: the peer's greeting names another security mechanism.
	ErrMechanismMismatch = errors.New("wire: security mechanism mismatch")
	// ErrFrameTooLarge: a frame header announces more than the Reader's maximum.
	ErrFrameTooLarge = errors.New("wire: frame too large")
	// ErrMalformedFrame: a frame header is invalid (for example a command with MORE set).
	ErrMalformedFrame = errors.New("wire: malformed frame")
	// ErrMalformedCommand: a command frame's body does not parse.
	ErrMalformedCommand = errors.New("wire: malformed command")
	// ErrUnexpectedCommand: a command (or data frame) arrived where the protocol forbids it.
	ErrUnexpectedCommand = errors.New("wire: unexpected command")
	// ErrInvalidMetadata: a metadata block does not parse.
	ErrInvalidMetadata = errors.New("wire: invalid metadata")
	// ErrIncompatibleSocketType: the peer's socket type cannot talk to ours (zmq-spec §1.10).
	ErrIncompatibleSocketType = errors.New("wire: incompatible socket type")
	// ErrUnknownSocketType: the peer's Socket-Type property names no known type.
	ErrUnknownSocketType = errors.New("wire: unknown socket type")

	// ErrEmptyMsg is returned by Writer.WriteMsg for a message with no frames.
	// It is a local usage error, not a protocol error.
	ErrEmptyMsg = errors.New("wire: message has no frames")
)

// Protocol error codes, as libzmq reports them in ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
// (the ZMQ_PROTOCOL_ERROR_* constants, zmq-spec §8.1).
const (
	CodeZMTPUnspecified             uint32 = 0x10000000
	CodeUnexpectedCommand           uint32 = 0x10000001
	CodeInvalidSequence             uint32 = 0x10000002
	CodeKeyExchange                 uint32 = 0x10000003
	CodeMalformedCommandUnspecified uint32 = 0x10000011
	CodeMalformedCommandMessage     uint32 = 0x10000012
	CodeMalformedCommandHello       uint32 = 0x10000013
	CodeMalformedCommandInitiate    uint32 = 0x10000014
	CodeMalformedCommandError       uint32 = 0x10000015
	CodeMalformedCommandReady       uint32 = 0x10000016
	CodeMalformedCommandWelcome     uint32 = 0x10000017
	CodeInvalidMetadata             uint32 = 0x10000018
	CodeCryptographic               uint32 = 0x11000001
	CodeMechanismMismatch           uint32 = 0x11000002
	CodeZAPUnspecified              uint32 = 0x20000000
	CodeZAPMalformedReply           uint32 = 0x20000001
	CodeZAPBadRequestID             uint32 = 0x20000002
	CodeZAPBadVersion               uint32 = 0x20000003
	CodeZAPInvalidStatusCode        uint32 = 0x20000004
	CodeZAPInvalidMetadata          uint32 = 0x20000005
)

// A ProtocolError reports a violation of ZMTP by the peer. After one, the
// connection must be closed, and (like libzmq) a connecting side should not
// reconnect to that endpoint.
type ProtocolError struct {
	Code   uint32 // libzmq's ZMQ_PROTOCOL_ERROR_* value, one of the Code* constants
	Err    error  // one of the Err* sentinels
	Detail string // optional human-readable detail
}

func (e *ProtocolError) Error() string {
	msg := "wire: protocol error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrFrameTooLarge) works.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Is reports whether target is a *ProtocolError of the same kind: same Code
// and same sentinel (Detail is ignored). A target with a zero Code and nil Err
// matches any ProtocolError.
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	if !ok {
		return false
	}
	if t.Code == 0 && t.Err == nil {
		return true
	}
	return e.Code == t.Code && e.Err == t.Err
}

func protoErr(code uint32, err error, detail string) *ProtocolError {
	return &ProtocolError{Code: code, Err: err, Detail: detail}
}

func protoErrf(code uint32, err error, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// A PeerError reports that the peer sent an ERROR command (zmq-spec §1.7).
// Like libzmq, a connecting side should not reconnect after one.
type PeerError struct {
	Reason string // the reason text, at most 255 bytes; libzmq sends "400" or "500"
}

func (e *PeerError) Error() string { return fmt.Sprintf("wire: peer sent ERROR %q", e.Reason) }
