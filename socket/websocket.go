package socket

import (
	"errors"
	"net"
	"strings"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/ws"
	"github.com/brokerless/zmq/wire"
)

// wsScheme is the row of ws:// (and, secure, wss://): ZWS 2.0 connections are
// presented by package ws as streams of ZMTP frames, so they run the stream engine
// like tcp's, with ws.Handshake in place of the greeting. STREAM sockets, which need
// raw bytes, cannot use them.
func wsScheme(secure bool) scheme {
	return scheme{
		bind: func(s *Socket, b *binding, e transport.Endpoint) error {
			return streamScheme(s.wsTransport(secure)).bind(s, b, e)
		},
		connect: func(s *Socket, c *connecter) error {
			a, err := ws.ParseAddr(c.ep.Scheme, c.ep.Addr)
			if err != nil {
				return err
			}
			if err := checkDialAddr(a.HostPort); err != nil {
				var ee *transport.EndpointError
				if errors.As(err, &ee) {
					ee.Endpoint = c.ep.String()
				}
				return err
			}
			return s.connectStream(s.wsTransport(secure), c)
		},
		allows: func(t Type) bool { return t != Stream },
	}
}

// wsTransport configures package ws from the socket's options.
func (s *Socket) wsTransport(secure bool) ws.Transport {
	mech := "NULL"
	if s.opts.Mechanism != nil {
		mech = s.opts.Mechanism.Name()
	}
	mech = strings.ToUpper(mech)
	maxFrame := s.opts.MaxMsgSize
	if maxFrame > 0 && mech == "CURVE" {
		// MaxMsgSize counts opened frames; the WebSocket carries sealed ones.
		maxFrame += wire.SealOverhead
	}
	return ws.Transport{
		Secure:           secure,
		TLS:              s.opts.TLSConfig,
		Mechanism:        mech,
		HandshakeTimeout: max(s.opts.HandshakeInterval, 0),
		MaxFrame:         maxFrame,
	}
}

// handshakeFunc picks the handshake of nc's transport: ZWS's for WebSocket
// connections, ZMTP's greeting and mechanism for the others.
func handshakeFunc(nc net.Conn) func(net.Conn, wire.HandshakeConfig, time.Duration) (*transport.Conn, error) {
	if _, ok := nc.(*ws.Conn); ok {
		return ws.Handshake
	}
	return transport.Handshake
}
