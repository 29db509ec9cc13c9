package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// streamScheme is the row of a transport that carries ZMTP over a byte stream: each
// connection gets a handshake and an engine.
func streamScheme(tr transport.StreamTransport) scheme {
	return scheme{
		bind: func(s *Socket, b *binding, e transport.Endpoint) error {
			ln, err := tr.Listen(context.Background(), e.Addr, s.opts.transportOptions())
			if err != nil {
				return err
			}
			b.endpoint = ln.Endpoint()
			b.stop = func() { ln.Close() }
			// Start the accept loop under s.mu, so that it cannot start after Close
			// has begun waiting for the socket's goroutines.
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed {
				ln.Close()
				return ErrClosed
			}
			s.wg.Go(func() { s.acceptLoop(ln, b) })
			return nil
		},
		connect: func(s *Socket, c *connecter) error {
			return s.connectStream(tr, c)
		},
	}
}

// acceptLoop accepts connections on ln for b until ln is closed.
func (s *Socket) acceptLoop(ln transport.Listener, b *binding) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.emit(Event{Type: EventAcceptFailed, Endpoint: b.endpoint, Err: err})
			// Out of file descriptors and the like: back off briefly instead of spinning.
			select {
			case <-time.After(10 * time.Millisecond):
				continue
			case <-s.done:
				return
			}
		}
		s.emit(Event{Type: EventAccepted, Endpoint: b.endpoint, Remote: nc.RemoteAddr().String()})
		s.mu.Lock()
		if s.closed || b.unbound {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		// The handshake runs on its own goroutine so that a silent peer cannot delay
		// anyone else's.
		s.wg.Go(func() { s.serveConn(nc, b.endpoint, b, nil) })
		s.mu.Unlock()
	}
}

// connectStream starts c's dial-and-reconnect loop, with a persistent pipe first for
// the types that queue before a peer exists.
func (s *Socket) connectStream(tr transport.StreamTransport, c *connecter) error {
	if c.ep.Scheme == transport.SchemeTCP {
		if err := checkDialAddr(c.ep.Addr); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.queuesBeforeConnect() {
		p := newPipe(s, c.endpoint)
		p.persistent = true
		p.conn = c
		c.pipe = p
		if !s.attachLocked(p) {
			return ErrPeerRefused
		}
	}
	s.wg.Go(func() { s.dialLoop(tr, c) })
	return nil
}

// checkDialAddr rejects what can never be dialled, so the error reaches the caller
// rather than a monitor event.
func checkDialAddr(addr string) error {
	i := len(addr) - 1
	for i >= 0 && addr[i] != ':' {
		i--
	}
	if i < 0 || i == len(addr)-1 {
		return transport.BadEndpoint("tcp://"+addr, "missing port")
	}
	port := addr[i+1:]
	if port == "*" || port == "0" {
		return transport.BadEndpoint("tcp://"+addr, "connect needs a port number, not a wildcard")
	}
	return nil
}

// dialLoop dials c's endpoint until it is stopped, redialling after failures.
func (s *Socket) dialLoop(tr transport.StreamTransport, c *connecter) {
	defer close(c.done)
	ctx := c.ctx
	backoff := s.opts.ReconnectInterval
	for {
		s.emit(Event{Type: EventConnectDelayed, Endpoint: c.endpoint})
		nc, err := tr.Dial(ctx, c.ep.Addr, s.opts.transportOptions())
		if err == nil {
			s.emit(Event{Type: EventConnected, Endpoint: c.endpoint, Remote: nc.RemoteAddr().String()})
			stop := context.AfterFunc(ctx, func() { nc.Close() })
			var established bool
			established, err = s.serveConn(nc, c.endpoint, nil, c)
			stop()
			if isProtocolError(err) || errors.Is(err, ErrPeerRefused) {
				// libzmq never reconnects after a protocol error (gotcha 7).
				s.mu.Lock()
				if c.pipe != nil {
					s.detachLocked(c.pipe)
				}
				s.unlockStop()
				return
			}
			if established {
				backoff = s.opts.ReconnectInterval
			}
		}
		if ctx.Err() != nil || s.opts.ReconnectInterval < 0 {
			return
		}
		wait := s.reconnectWait(&backoff)
		s.emit(Event{Type: EventConnectRetried, Endpoint: c.endpoint, Err: err, Retry: wait})
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// handshake runs the ZMTP handshake on nc within the handshake interval.
func (s *Socket) handshake(nc net.Conn) (*transport.Conn, error) {
	timeout := s.opts.HandshakeInterval
	var deadline time.Time
	if timeout < 0 {
		timeout = 0
	} else {
		deadline = time.Now().Add(timeout)
	}
	// Close the connection if the socket closes mid-handshake.
	stop := context.AfterFunc(s.ctx, func() { nc.Close() })
	defer stop()
	addr := peerAddress(nc)
	c, err := handshakeFunc(nc)(nc, wire.HandshakeConfig{
		SocketType: s.typ,
		Identity:   s.opts.RoutingID,
		Mechanism:  s.zapMechanism(addr, deadline),
		Metadata:   s.opts.metadata(),
		MaxFrame:   s.opts.MaxMsgSize,
	}, timeout)
	if err != nil {
		return nil, err
	}
	c.SetProperties(connProperties(c.Peer(), addr, c.Auth()))
	if s.opts.MaxMsgSize > 0 {
		c.SetMaxFrame(s.opts.MaxMsgSize)
	}
	return c, nil
}

// connMechanism returns the mechanism for one new connection: a fresh clone of m
// when m keeps per-connection state (PLAIN and CURVE, see wire.MechanismCloner),
// else m itself.
func connMechanism(m wire.Mechanism) wire.Mechanism {
	if c, ok := m.(wire.MechanismCloner); ok {
		return c.CloneMechanism()
	}
	return m
}

// handshakeEvent classifies a handshake failure for the monitor, with libzmq's event
// value: a refusal, by the peer's ERROR or by our own authenticator (ZAP included),
// is EventHandshakeAuth with the ZAP status code; a violation of the protocol, a
// CURVE box that does not open or a malformed ZAP reply included,
// EventHandshakeProtocol with the ZMQ_PROTOCOL_ERROR_* code.
func handshakeEvent(err error) (EventType, uint32) {
	if status, ok := authStatus(err); ok {
		return EventHandshakeAuth, status
	}
	var pe *wire.ProtocolError
	if errors.As(err, &pe) {
		return EventHandshakeProtocol, pe.Code
	}
	return EventHandshakeFailed, 0
}

// serveConn handshakes nc and runs its engine until the connection ends. conn is the
// connecter for outgoing connections, b the binding for accepted ones. It returns the
// reason the connection ended.
func (s *Socket) serveConn(nc net.Conn, endpoint string, b *binding, conn *connecter) (established bool, err error) {
	if s.typ == Stream {
		return s.serveRaw(nc, endpoint, b, conn)
	}
	// The engine's reader runs on this goroutine and spends an idle connection's life
	// waiting at the bottom of this stack: setting the connection up and taking it
	// down happen in functions of their own, so that their locals do not deepen the
	// wait, and the collector can shrink the stack of an idle connection.
	e, err := s.establish(nc, endpoint, b, conn)
	if e == nil {
		return false, err
	}
	err = e.run()
	s.connEnded(e, endpoint, nc, err)
	return true, err
}

// establish makes the ZMTP handshake on nc and attaches its pipe over a new engine,
// which it returns; nil and the reason if the connection is not to be used.
func (s *Socket) establish(nc net.Conn, endpoint string, b *binding, conn *connecter) (*engine, error) {
	c, err := s.handshake(nc)
	if err != nil {
		nc.Close()
		typ, code := handshakeEvent(err)
		s.emit(Event{Type: typ, Endpoint: endpoint, Remote: nc.RemoteAddr().String(), Err: err, Code: code})
		return nil, err
	}
	peer := c.Peer()

	s.mu.Lock()
	// A closing socket still takes connections for its connect-side pipes while it
	// lingers: that is how queued messages reach a peer that comes up late.
	if s.ctx.Err() != nil || (s.closed && (conn == nil || conn.pipe == nil)) || (b != nil && b.unbound) {
		s.mu.Unlock()
		c.Close()
		return nil, ErrClosed
	}
	var p *pipe
	if conn != nil && conn.pipe != nil {
		p = conn.pipe
	} else {
		p = newPipe(s, endpoint)
		p.conn = conn
		p.bind = b
	}
	p.peerType = peer.SocketType
	p.identity = peer.Identity
	p.minor = peer.Minor
	e := newEngine(s, p, c)
	p.link = e
	if !s.attachLocked(p) {
		p.link = nil
		s.unlockStop()
		c.Close()
		err := fmt.Errorf("%w: %s refused a connection from %s", ErrPeerRefused, s.typ, peer.SocketType)
		s.emit(Event{Type: EventHandshakeProtocol, Endpoint: endpoint, Remote: nc.RemoteAddr().String(), Err: err})
		return nil, err
	}
	if b != nil {
		b.pipes[p] = struct{}{}
	}
	if p.persistent {
		p.connections++
		if p.connections > 1 {
			s.proto.reconnected(p)
		}
	}
	s.mu.Unlock()
	s.emit(Event{Type: EventHandshakeSucceeded, Endpoint: endpoint, Remote: nc.RemoteAddr().String()})
	return e, nil
}

// connEnded detaches the pipe of e's connection, which ended for err, unless it
// waits, with its queued messages, for the next connection; and reports the end.
func (s *Socket) connEnded(e *engine, endpoint string, nc net.Conn, err error) {
	p := e.p
	s.mu.Lock()
	if p.link == e {
		p.link = nil
	}
	if !p.persistent || isProtocolError(err) || s.closed || p.dead {
		s.detachLocked(p)
	}
	s.unlockStop()
	s.emitDisconnected(endpoint, nc, err)
}

// emitDisconnected reports the end of an established connection, with its cause
// unless it ended cleanly.
func (s *Socket) emitDisconnected(endpoint string, nc net.Conn, err error) {
	ev := Event{Type: EventDisconnected, Endpoint: endpoint, Remote: nc.RemoteAddr().String()}
	if !isCleanClose(err) {
		ev.Err = err
	}
	s.emit(ev)
}
