package transport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors reported for malformed endpoints. Test for them with [errors.Is]: the
// error returned is an [*EndpointError] whose Err matches one of these.
var (
	// ErrBadEndpoint reports an endpoint that cannot be parsed: no "://", an
	// empty address, or an address the transport rejects (zmq EINVAL).
	ErrBadEndpoint = errors.New("transport: bad endpoint")

	// ErrUnknownTransport reports an endpoint whose scheme names no known
	// transport (zmq EPROTONOSUPPORT).
	ErrUnknownTransport = errors.New("transport: unknown transport")
)

// Endpoint is a parsed endpoint, "scheme://address".
type Endpoint struct {
	// Scheme names the transport: "tcp", "ipc", "inproc", "pgm", "epgm", "udp",
	// "ws" or "wss".
	Scheme string
	// Addr is everything after "://", e.g. "127.0.0.1:5555" or "/tmp/feed".
	// Its syntax belongs to the transport.
	Addr string
}

// String returns the endpoint in its textual form, "scheme://address".
func (e Endpoint) String() string { return e.Scheme + "://" + e.Addr }

// Known transport schemes.
const (
	SchemeTCP    = "tcp"
	SchemeIPC    = "ipc"
	SchemeInproc = "inproc"
	SchemePGM    = "pgm"
	SchemeEPGM   = "epgm"
	SchemeUDP    = "udp"
	SchemeWS     = "ws"  // ZWS 2.0 over WebSocket
	SchemeWSS    = "wss" // ZWS 2.0 over WebSocket over TLS
)

// ParseEndpoint splits s into its scheme and address. The scheme must be one
// of tcp, ipc, inproc, pgm, epgm, udp, ws or wss (compared case-sensitively, as libzmq
// does) and the address must not be empty; the address itself is checked
// later by the transport. On failure it returns an [*EndpointError] matching
// [ErrBadEndpoint] or [ErrUnknownTransport].
func ParseEndpoint(s string) (Endpoint, error) {
	scheme, addr, ok := strings.Cut(s, "://")
	if !ok {
		return Endpoint{}, BadEndpoint(s, `transport: missing "://"`)
	}
	switch scheme {
	case SchemeTCP, SchemeIPC, SchemeInproc, SchemePGM, SchemeEPGM, SchemeUDP, SchemeWS, SchemeWSS:
	case "":
		return Endpoint{}, BadEndpoint(s, "transport: missing transport name")
	default:
		return Endpoint{}, &EndpointError{
			Endpoint: s,
			Err:      fmt.Errorf("%w %q", ErrUnknownTransport, scheme),
		}
	}
	if addr == "" {
		return Endpoint{}, BadEndpoint(s, "transport: empty address")
	}
	return Endpoint{Scheme: scheme, Addr: addr}, nil
}

// EndpointError reports an endpoint that cannot be used, and why. It prints as
// `<reason> in "<endpoint>"`, e.g.
// `transport: unknown transport "udpx" in "udpx://x"`.
type EndpointError struct {
	// Endpoint is the endpoint as given, scheme included when known.
	Endpoint string
	// Err is the reason. It matches ErrBadEndpoint or ErrUnknownTransport
	// under errors.Is, and possibly a more specific error of the transport.
	Err error
}

// Error implements the error interface.
func (e *EndpointError) Error() string {
	return e.Err.Error() + " in " + strconv.Quote(e.Endpoint)
}

// Unwrap returns e.Err.
func (e *EndpointError) Unwrap() error { return e.Err }

// BadEndpoint returns an [*EndpointError] for endpoint whose Err prints as
// reason and matches [ErrBadEndpoint]. Transports use it to report address
// syntax errors, with their own prefix in reason: `tcp: bad port "x"`.
func BadEndpoint(endpoint, reason string) error {
	return &EndpointError{Endpoint: endpoint, Err: badEndpoint(reason)}
}

// badEndpoint is a reason that matches ErrBadEndpoint without repeating its
// text.
type badEndpoint string

func (e badEndpoint) Error() string        { return string(e) }
func (e badEndpoint) Is(target error) bool { return target == ErrBadEndpoint }
