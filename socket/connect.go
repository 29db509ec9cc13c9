package socket

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/brokerless/zmq/transport"
)

// connecter owns one Connect endpoint: for stream transports its dial-and-reconnect
// goroutine, and the pipe it made, if any.
type connecter struct {
	endpoint string
	ep       transport.Endpoint
	// pipe is the connecter's own pipe, detached with it: the persistent pipe of a
	// stream type that queues before a peer exists, or the one pipe of an inproc or
	// multicast connection (attached or not yet).
	pipe *pipe
	ctx  context.Context
	stop context.CancelFunc
	done chan struct{} // closed when the dial loop, if any, has exited
}

// queuesBeforeConnect reports whether a connecting socket of this type keeps a pipe
// across connections, so messages queue before the peer is up (libzmq with
// IMMEDIATE=0).
func (s *Socket) queuesBeforeConnect() bool {
	if s.opts.Immediate {
		return false
	}
	switch s.typ {
	case Push, Dealer, Req, Pair, Sub, XSub, Client, Scatter, Channel, Peer:
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
	_, err := s.connect(endpoint)
	return err
}

// connect is Connect, returning the connecter it made.
func (s *Socket) connect(endpoint string) (*connecter, error) {
	e, sch, err := s.lookupScheme("connect", endpoint)
	if err != nil {
		return nil, err
	}
	c := &connecter{endpoint: endpoint, ep: e, done: make(chan struct{})}
	c.ctx, c.stop = context.WithCancel(s.ctx)
	if err := sch.connect(s, c); err != nil {
		c.stop()
		return nil, &OpError{Op: "connect", Endpoint: endpoint, Err: err}
	}
	s.mu.Lock()
	if s.closed {
		// Close ran meanwhile and did not see c: take it down here.
		c.stop()
		if c.pipe != nil {
			s.detachLocked(c.pipe)
		}
		s.unlockStop()
		<-c.done
		return nil, &OpError{Op: "connect", Endpoint: endpoint, Err: ErrClosed}
	}
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	return c, nil
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
	s.dropConnecterLocked(c)
	s.unlockStop()
	<-c.done
	return nil
}

// dropConnecterLocked stops c and detaches every pipe it made. s.mu must be held.
func (s *Socket) dropConnecterLocked(c *connecter) {
	c.stop()
	for p := range s.pipes {
		if p.conn == c {
			s.detachLocked(p)
		}
	}
	if c.pipe != nil {
		s.detachLocked(c.pipe)
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
