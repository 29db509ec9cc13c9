package socket

import (
	"errors"
	"net"
)

// Errors returned by sockets. Test for them with errors.Is.
var (
	// ErrClosed is returned by operations on a closed socket. It also matches
	// net.ErrClosed.
	ErrClosed error = closedError{}
	// ErrState reports an operation out of order: a REQ that sends twice or receives
	// before sending, a REP that replies before receiving (libzmq's EFSM).
	ErrState = errors.New("socket: operation not valid in the current state")
	// ErrNotSupported reports an operation the socket type does not have, such as Recv on
	// PUB. It matches errors.ErrUnsupported.
	ErrNotSupported error = unsupportedError{}
	// ErrQueueFull is returned by Send under PolicyFail when no peer has room.
	ErrQueueFull = errors.New("socket: peer queue full")
	// ErrHostUnreachable is returned by a ROUTER in mandatory mode for an unknown
	// routing id (libzmq's EHOSTUNREACH).
	ErrHostUnreachable = errors.New("socket: host unreachable")
	// ErrEmptyMsg reports a message without frames.
	ErrEmptyMsg = errors.New("socket: message has no frames")
	// ErrBadType reports a socket type this package does not know.
	ErrBadType = errors.New("socket: unknown socket type")
	// ErrNotBound and ErrNotConnected report an Unbind or Disconnect of an endpoint that
	// is not bound or connected (libzmq's ENOENT).
	ErrNotBound     = errors.New("socket: endpoint not bound")
	ErrNotConnected = errors.New("socket: endpoint not connected")
	// ErrAddrInUse reports an inproc name that is already bound.
	ErrAddrInUse = errors.New("socket: address already in use")
	// ErrTransportNotAllowed reports a transport the socket type cannot use, such as
	// epgm with a REQ socket (libzmq's ENOCOMPATPROTO).
	ErrTransportNotAllowed = errors.New("socket: transport not allowed for this socket type")
	// ErrPeerRefused reports a connection refused by the socket's rules, such as a second
	// peer of a PAIR socket. It shows up in monitor events, not in Send or Recv.
	ErrPeerRefused = errors.New("socket: peer refused")
	// ErrBadOption reports Options that New cannot accept, such as Conflate on a
	// ROUTER or a metadata name without the "X-" prefix (libzmq's EINVAL).
	ErrBadOption = errors.New("socket: invalid option")
	// ErrMultipartConflate is returned by Send on a socket with Conflate for a
	// message of more than one frame: conflation keeps single-part messages only.
	ErrMultipartConflate = errors.New("socket: Conflate sockets send single-part messages only")
	// ErrNoZAPHandler fails a handshake that needs the ZAP handler when nothing is
	// bound at ZAPEndpoint in the socket's inproc registry: always for a PLAIN server
	// without Authenticate, and for NULL and CURVE with ZAPEnforceDomain (libzmq
	// reports these as HANDSHAKE_FAILED_NO_DETAIL; so does the monitor here).
	ErrNoZAPHandler = errors.New("socket: no ZAP handler bound at " + ZAPEndpoint)
	// ErrZAPNoReply fails a handshake whose ZAP handler did not answer within the
	// handshake interval (Options.HandshakeInterval). It wraps
	// context.DeadlineExceeded.
	ErrZAPNoReply = errors.New("socket: ZAP handler did not answer within the handshake interval")
	// ErrZAPReply is wrapped by the *wire.ProtocolError that fails a handshake whose
	// ZAP handler answered with a malformed reply; its Code is libzmq's
	// ZMQ_PROTOCOL_ERROR_ZAP_* value (wire.CodeZAPMalformedReply and the like).
	ErrZAPReply = errors.New("socket: malformed ZAP reply")
)

type closedError struct{}

func (closedError) Error() string        { return "socket: socket closed" }
func (closedError) Is(target error) bool { return target == net.ErrClosed }

type unsupportedError struct{}

func (unsupportedError) Error() string        { return "socket: operation not supported by socket type" }
func (unsupportedError) Is(target error) bool { return target == errors.ErrUnsupported }

// OpError describes a failed Bind, Connect, Unbind or Disconnect, like net.OpError:
// "connect tcp://h:5555: connection refused".
type OpError struct {
	Op       string // "bind", "connect", "unbind", "disconnect"
	Endpoint string
	Err      error
}

// Error reads like "connect tcp://h:5555: connection refused".
func (e *OpError) Error() string { return e.Op + " " + e.Endpoint + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }
