package socket

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/inproc"
)

// connecter owns one Connect endpoint: its dial-and-reconnect goroutine, and for the
// types that queue before a peer exists, the persistent pipe.
type connecter struct {
	endpoint string
	ep       transport.Endpoint
	pipe     *pipe // persistent pipe, or nil
	ctx      context.Context
	stop     context.CancelFunc
	done     chan struct{} // closed when the dial loop has exited
	inproc   *inproc.Conn
}

// queuesBeforeConnect reports whether a connecting socket of this type keeps a pipe
// across connections, so messages queue before the peer is up (libzmq with
// IMMEDIATE=0).
func (s *Socket) queuesBeforeConnect() bool {
	if s.opts.Immediate {
		return false
	}
	switch s.typ {
	case Push, Dealer, Req, Pair, Sub, XSub:
		return true
	}
	return false
}

// Connect connects to endpoint asynchronously: it returns once the endpoint is parsed,
// and a goroutine dials, handshakes, and redials with backoff whenever the connection
// is refused or lost, until Disconnect or Close. A protocol violation by the peer stops
// the redialling, as libzmq does. Connecting before the peer binds is fine, inproc
// included.
func (s *Socket) Connect(endpoint string) error {
	e, err := s.parseEndpoint("connect", endpoint)
	if err != nil {
		return err
	}
	c := &connecter{endpoint: endpoint, ep: e, done: make(chan struct{})}
	c.ctx, c.stop = context.WithCancel(s.ctx)
	if e.Scheme == "inproc" {
		return s.connectInproc(c)
	}
	if e.Scheme == "pgm" || e.Scheme == "epgm" {
		close(c.done)
		if err := s.joinMulticast(e, endpoint, c); err != nil {
			c.stop()
			return &OpError{Op: "connect", Endpoint: endpoint, Err: err}
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		return nil
	}
	if e.Scheme == "tcp" {
		if err := checkDialAddr(e.Addr); err != nil {
			return &OpError{Op: "connect", Endpoint: endpoint, Err: err}
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return &OpError{Op: "connect", Endpoint: endpoint, Err: ErrClosed}
	}
	if s.queuesBeforeConnect() {
		p := newPipe(s, endpoint)
		p.persistent = true
		p.conn = c
		c.pipe = p
		if !s.attachLocked(p) {
			s.mu.Unlock()
			return &OpError{Op: "connect", Endpoint: endpoint, Err: ErrPeerRefused}
		}
	}
	s.conns = append(s.conns, c)
	s.wg.Go(func() { s.dialLoop(c) })
	s.mu.Unlock()
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

func (s *Socket) connectInproc(c *connecter) error {
	conn, err := s.reg.Connect(c.ep.Addr, s.inprocPeer())
	if err != nil {
		c.stop()
		return &OpError{Op: "connect", Endpoint: c.endpoint, Err: err}
	}
	p := newInprocPipe(s, conn, c.endpoint)
	p.conn = c
	c.inproc = conn
	close(c.done)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return &OpError{Op: "connect", Endpoint: c.endpoint, Err: ErrClosed}
	}
	s.conns = append(s.conns, c)
	if s.typ == Router {
		// A ROUTER needs the peer's routing id before the pipe is addressable.
		s.mu.Unlock()
		conn.OnBound(func(peer inproc.Peer) {
			s.mu.Lock()
			p.peerType = peer.Type
			p.identity = peer.RoutingID
			s.attachLocked(p)
			s.mu.Unlock()
		})
		return nil
	}
	s.attachLocked(p)
	s.mu.Unlock()
	return nil
}

// Disconnect stops connecting to endpoint and closes its connection; messages still
// queued for it are dropped.
func (s *Socket) Disconnect(endpoint string) error {
	s.mu.Lock()
	var c *connecter
	for i, x := range s.conns {
		if x.endpoint == endpoint {
			c = x
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	if c == nil {
		s.mu.Unlock()
		return &OpError{Op: "disconnect", Endpoint: endpoint, Err: ErrNotConnected}
	}
	c.stop()
	if c.inproc != nil {
		c.inproc.Close()
	}
	for p := range s.pipes {
		if p.conn == c {
			s.detachLocked(p)
		}
	}
	if c.pipe != nil {
		s.detachLocked(c.pipe)
	}
	s.mu.Unlock()
	<-c.done
	return nil
}

// dialLoop dials c's endpoint until it is stopped, redialling after failures.
func (s *Socket) dialLoop(c *connecter) {
	defer close(c.done)
	tr, _ := streamTransport(c.ep.Scheme)
	ctx := c.ctx
	backoff := s.opts.ReconnectInterval
	for {
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
				s.mu.Unlock()
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
		s.emit(Event{Type: EventConnectRetried, Endpoint: c.endpoint, Err: err, Retry: wait.Milliseconds()})
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// reconnectWait returns the next wait and advances the backoff: the interval plus up to
// one interval of jitter, doubling up to ReconnectIntervalMax when that is set.
func (s *Socket) reconnectWait(backoff *time.Duration) time.Duration {
	b := *backoff
	if b <= 0 {
		b = DefaultReconnectInterval
	}
	wait := b + rand.N(b)
	if max := s.opts.ReconnectIntervalMax; max > s.opts.ReconnectInterval {
		wait = b/2 + rand.N(b/2+1)
		next := 2 * b
		if next > max {
			next = max
		}
		*backoff = next
	}
	return wait
}
