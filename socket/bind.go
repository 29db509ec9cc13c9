package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/transport/ipc"
	"github.com/brokerless/zmq/transport/tcp"
	"github.com/brokerless/zmq/wire"
)

// binding is one bound endpoint: a stream listener and its accept loop, or an inproc name.
type binding struct {
	requested string
	endpoint  string // resolved
	ln        transport.Listener
	unbind    func() // inproc
	engines   map[*engine]struct{}
}

func streamTransport(scheme string) (transport.StreamTransport, bool) {
	switch scheme {
	case "tcp":
		return tcp.Transport{}, true
	case "ipc":
		return ipc.Transport{}, true
	}
	return nil, false
}

// parseEndpoint parses ep and checks that the socket type may use its transport.
func (s *Socket) parseEndpoint(op, ep string) (transport.Endpoint, error) {
	e, err := transport.ParseEndpoint(ep)
	if err != nil {
		return e, &OpError{Op: op, Endpoint: ep, Err: err}
	}
	switch e.Scheme {
	case "pgm", "epgm":
		switch s.typ {
		case Pub, XPub, Sub, XSub:
			return e, nil
		}
		return e, &OpError{Op: op, Endpoint: ep, Err: fmt.Errorf("%w: %s sockets cannot use %s", ErrTransportNotAllowed, s.typ, e.Scheme)}
	}
	return e, nil
}

// Bind listens on endpoint: "tcp://127.0.0.1:5555", "tcp://*:*", "ipc:///tmp/feed",
// "ipc://@name", "inproc://name". A wildcard port or path is resolved; read it back with
// LastEndpoint or Endpoints. A socket may be bound to several endpoints.
//
// For stream transports Bind starts a goroutine that accepts connections until Unbind or
// Close, and a reader and a writer goroutine per accepted connection.
func (s *Socket) Bind(endpoint string) error {
	e, err := s.parseEndpoint("bind", endpoint)
	if err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return &OpError{Op: "bind", Endpoint: endpoint, Err: ErrClosed}
	}
	b := &binding{requested: endpoint, engines: make(map[*engine]struct{})}
	if e.Scheme == "pgm" || e.Scheme == "epgm" {
		// Multicast has no listener: binding and connecting both join the group.
		b.endpoint = endpoint
		b.unbind = func() {}
		if err := s.joinMulticast(e, endpoint, nil); err != nil {
			s.emit(Event{Type: EventBindFailed, Endpoint: endpoint, Err: err})
			return &OpError{Op: "bind", Endpoint: endpoint, Err: err}
		}
	} else if e.Scheme == "inproc" {
		b.endpoint = endpoint
		// The registry calls accept with no lock held, so the pipe can be attached at
		// once: the new peer shows in Stats and the monitor without waiting for I/O.
		unbind, err := s.reg.Bind(e.Addr, s.inprocPeer(), func(c *inproc.Conn) {
			p := newInprocPipe(s, c, endpoint)
			if peer, ok := c.Remote(); ok {
				p.peerType = peer.Type
				p.identity = peer.RoutingID
			}
			s.mu.Lock()
			s.attachLocked(p)
			s.mu.Unlock()
		})
		if err != nil {
			if errors.Is(err, inproc.ErrAddrInUse) {
				err = fmt.Errorf("%w: %w", ErrAddrInUse, err)
			}
			s.emit(Event{Type: EventBindFailed, Endpoint: endpoint, Err: err})
			return &OpError{Op: "bind", Endpoint: endpoint, Err: err}
		}
		b.unbind = unbind
	} else {
		tr, _ := streamTransport(e.Scheme)
		ln, err := tr.Listen(context.Background(), e.Addr, s.opts.transportOptions())
		if err != nil {
			s.emit(Event{Type: EventBindFailed, Endpoint: endpoint, Err: err})
			return &OpError{Op: "bind", Endpoint: endpoint, Err: err}
		}
		b.ln = ln
		b.endpoint = ln.Endpoint()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		b.close()
		return &OpError{Op: "bind", Endpoint: endpoint, Err: ErrClosed}
	}
	s.binds = append(s.binds, b)
	s.lastEP = b.endpoint
	if b.ln != nil {
		s.wg.Go(func() { s.acceptLoop(b) })
	}
	s.mu.Unlock()
	s.emit(Event{Type: EventListening, Endpoint: b.endpoint})
	return nil
}

func (s *Socket) inprocPeer() inproc.Peer {
	return inproc.Peer{Type: s.typ, RoutingID: s.opts.RoutingID, SendHWM: s.opts.SendHWM, RecvHWM: s.opts.RecvHWM}
}

// close stops the binding's listener; its accept loop then exits.
func (b *binding) close() {
	if b.ln != nil {
		b.ln.Close()
	}
	if b.unbind != nil {
		b.unbind()
	}
}

// Unbind stops listening on endpoint, given as bound or as resolved, and closes the
// connections accepted through it.
func (s *Socket) Unbind(endpoint string) error {
	s.mu.Lock()
	var b *binding
	for i, x := range s.binds {
		if x.requested == endpoint || x.endpoint == endpoint {
			b = x
			s.binds = append(s.binds[:i], s.binds[i+1:]...)
			break
		}
	}
	if b == nil {
		s.mu.Unlock()
		return &OpError{Op: "unbind", Endpoint: endpoint, Err: ErrNotBound}
	}
	engines := make([]*engine, 0, len(b.engines))
	for e := range b.engines {
		engines = append(engines, e)
	}
	if b.unbind != nil {
		// Inproc peers accepted through this name go with it.
		for p := range s.pipes {
			if (p.inproc != nil || p.mcast != nil) && p.conn == nil && p.endpoint == b.endpoint {
				s.detachLocked(p)
			}
		}
	}
	s.mu.Unlock()
	b.close()
	for _, e := range engines {
		e.stop()
	}
	s.emit(Event{Type: EventClosed, Endpoint: b.endpoint})
	return nil
}

func (s *Socket) acceptLoop(b *binding) {
	for {
		nc, err := b.ln.Accept()
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
		if s.closed {
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

// handshake runs the ZMTP handshake on nc within the handshake interval.
func (s *Socket) handshake(nc net.Conn) (*transport.Conn, error) {
	timeout := s.opts.HandshakeInterval
	if timeout < 0 {
		timeout = 0
	}
	// Close the connection if the socket closes mid-handshake.
	stop := context.AfterFunc(s.ctx, func() { nc.Close() })
	defer stop()
	c, err := transport.Handshake(nc, wire.HandshakeConfig{
		SocketType: s.typ,
		Identity:   s.opts.RoutingID,
		Mechanism:  s.opts.Mechanism,
		Metadata:   s.opts.metadata(),
	}, timeout)
	if err != nil {
		return nil, err
	}
	c.SetProperties(connProperties(c.Peer(), nc))
	if s.opts.MaxMsgSize > 0 {
		c.SetMaxFrame(s.opts.MaxMsgSize)
	}
	return c, nil
}

// handshakeEvent classifies a handshake failure for the monitor.
func handshakeEvent(err error) EventType {
	var peerErr *wire.PeerError
	if errors.As(err, &peerErr) {
		return EventHandshakeAuth
	}
	if isProtocolError(err) {
		return EventHandshakeProtocol
	}
	return EventHandshakeFailed
}

// serveConn handshakes nc and runs its engine until the connection ends. conn is the
// connecter for outgoing connections, b the binding for accepted ones. It returns the
// reason the connection ended.
func (s *Socket) serveConn(nc net.Conn, endpoint string, b *binding, conn *connecter) (established bool, err error) {
	c, err := s.handshake(nc)
	if err != nil {
		nc.Close()
		s.emit(Event{Type: handshakeEvent(err), Endpoint: endpoint, Remote: nc.RemoteAddr().String(), Err: err})
		return false, err
	}
	peer := c.Peer()

	s.mu.Lock()
	// A closing socket still takes connections for its connect-side pipes while it
	// lingers: that is how queued messages reach a peer that comes up late.
	if s.ctx.Err() != nil || (s.closed && (conn == nil || conn.pipe == nil)) {
		s.mu.Unlock()
		c.Close()
		return false, ErrClosed
	}
	var p *pipe
	if conn != nil && conn.pipe != nil {
		p = conn.pipe
	} else {
		p = newPipe(s, endpoint)
		p.conn = conn
	}
	p.peerType = peer.SocketType
	p.identity = peer.Identity
	p.minor = peer.Minor
	e := newEngine(s, p, c)
	p.eng = e
	if !s.attachLocked(p) {
		p.eng = nil
		s.mu.Unlock()
		c.Close()
		err := fmt.Errorf("%w: %s refused a connection from %s", ErrPeerRefused, s.typ, peer.SocketType)
		s.emit(Event{Type: EventHandshakeProtocol, Endpoint: endpoint, Remote: nc.RemoteAddr().String(), Err: err})
		return false, err
	}
	if b != nil {
		b.engines[e] = struct{}{}
	}
	if p.persistent {
		p.connections++
		if p.connections > 1 {
			s.proto.reconnected(p)
		}
	}
	s.mu.Unlock()
	s.emit(Event{Type: EventHandshakeSucceeded, Endpoint: endpoint, Remote: nc.RemoteAddr().String()})

	err = e.run()

	s.mu.Lock()
	if b != nil {
		delete(b.engines, e)
	}
	if p.eng == e {
		p.eng = nil
	}
	if p.persistent && !isProtocolError(err) && !s.closed && !p.dead {
		// The pipe waits, with its queued messages, for the next connection.
		s.mu.Unlock()
	} else {
		s.detachLocked(p)
		s.mu.Unlock()
	}
	ev := Event{Type: EventDisconnected, Endpoint: endpoint, Remote: nc.RemoteAddr().String()}
	if !isCleanClose(err) {
		ev.Err = err
	}
	s.emit(ev)
	return true, err
}
