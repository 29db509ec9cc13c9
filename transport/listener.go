package transport

import (
	"context"
	"net"
)

// Listener accepts byte-stream connections for one bound endpoint. Its
// methods may be called concurrently; Close unblocks a pending Accept.
type Listener interface {
	// Accept waits for and returns the next connection. After Close it
	// returns an error matching net.ErrClosed under errors.Is.
	Accept() (net.Conn, error)

	// Close stops listening. Any blocked Accept is unblocked and returns an
	// error. Connections already accepted stay open. For ipc, Close removes
	// the socket file (and the private directory of a wildcard endpoint).
	Close() error

	// Endpoint returns the resolved endpoint with its scheme, with wildcards
	// replaced by what was bound, e.g. "tcp://127.0.0.1:43121" or
	// "ipc:///tmp/zmq-123/socket". It parses with ParseEndpoint.
	Endpoint() string
}

// StreamTransport is a transport that carries ZMTP over a byte stream: tcp
// and ipc. Addresses are the part of the endpoint after "://" (Endpoint.Addr).
//
// A StreamTransport starts no goroutines. The contexts bound only the listen
// or dial call itself, not the life of what it returns.
type StreamTransport interface {
	// Listen binds addr, which may use the transport's wildcards, and
	// returns a listener for it. A malformed addr gives an *EndpointError
	// matching ErrBadEndpoint.
	Listen(ctx context.Context, addr string, opts Options) (Listener, error)

	// Dial connects to addr. A malformed addr gives an *EndpointError
	// matching ErrBadEndpoint; network failures are *net.OpError values.
	Dial(ctx context.Context, addr string, opts Options) (net.Conn, error)
}
