package socket

import (
	"fmt"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/ipc"
	"github.com/brokerless/zmq/transport/tcp"
)

// A scheme is how the socket binds and connects one kind of endpoint. Every way of
// reaching a peer, whatever carries it, ends in a pipe with a link (see link.go), so
// adding a transport means adding a row to schemes.
type scheme struct {
	// bind starts listening on e for b, filling in b's resolved endpoint and whatever
	// b.close needs to stop it. It runs without s.mu.
	bind func(s *Socket, b *binding, e transport.Endpoint) error
	// connect starts connecting c, which Connect registers once connect returns nil.
	// It runs without s.mu.
	connect func(s *Socket, c *connecter) error
	// allows reports whether a socket type may use the scheme; nil allows every type.
	allows func(Type) bool
}

// schemes maps an endpoint's scheme to its transport. It is filled in by init, not
// by its declaration: a stream connection's handshake may connect a socket of its own
// (the ZAP client), which would make the declaration refer to itself.
var schemes map[string]scheme

func init() { schemes = schemeTable() }

func schemeTable() map[string]scheme {
	return map[string]scheme{
		transport.SchemeTCP: streamScheme(tcp.Transport{}),
		transport.SchemeIPC: streamScheme(ipc.Transport{}),
		transport.SchemeInproc: {
			bind:    (*Socket).bindInproc,
			connect: (*Socket).connectInproc,
			allows:  func(t Type) bool { return t != Stream }, // raw bytes need a byte stream
		},
		transport.SchemePGM:  multicastScheme,
		transport.SchemeEPGM: multicastScheme,
		transport.SchemeWS:   wsScheme(false),
		transport.SchemeWSS:  wsScheme(true),
		transport.SchemeUDP:  udpScheme,
	}
}

// lookupScheme parses ep and finds its transport, checking that the socket type may use
// it.
func (s *Socket) lookupScheme(op, ep string) (transport.Endpoint, scheme, error) {
	e, err := transport.ParseEndpoint(ep)
	if err != nil {
		return e, scheme{}, &OpError{Op: op, Endpoint: ep, Err: err}
	}
	sch, ok := schemes[e.Scheme]
	if !ok {
		err := &transport.EndpointError{Endpoint: ep, Err: fmt.Errorf("%w %q", transport.ErrUnknownTransport, e.Scheme)}
		return e, scheme{}, &OpError{Op: op, Endpoint: ep, Err: err}
	}
	if (sch.allows != nil && !sch.allows(s.typ)) || (s.typ == Dgram && e.Scheme != transport.SchemeUDP) {
		return e, scheme{}, &OpError{Op: op, Endpoint: ep, Err: fmt.Errorf("%w: %s sockets cannot use %s", ErrTransportNotAllowed, s.typ, e.Scheme)}
	}
	return e, sch, nil
}
