package socket

import (
	"errors"
	"fmt"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/inproc"
)

// inprocLink is the link of an inproc pipe. Its queues are the peer socket's queues, so
// there is nothing to move and nothing left to drain once a message is queued.
type inprocLink struct{ c *inproc.Conn }

func (l inprocLink) stop()         { l.c.Close() }
func (l inprocLink) drained() bool { return true }
func (l inprocLink) writeDirect()  {}

func newInprocPipe(s *Socket, c *inproc.Conn, endpoint string) *pipe {
	p := &pipe{s: s, in: c.In, out: c.Out, endpoint: endpoint, link: inprocLink{c}, shared: true, minor: 1}
	p.in.OnReadable(func() { s.noteReadable(p) })
	p.out.OnWritable(func() { s.noteWritable(p) })
	c.OnClose(func() { s.noteDead(p) })
	return p
}

func (s *Socket) inprocPeer() inproc.Peer {
	return inproc.Peer{Type: s.typ, RoutingID: s.opts.RoutingID, SendHWM: s.opts.SendHWM, RecvHWM: s.opts.RecvHWM}
}

// bindInproc registers b's name; each connecting socket becomes a pipe at once.
func (s *Socket) bindInproc(b *binding, e transport.Endpoint) error {
	// The registry calls accept with no lock held, so the pipe can be attached at once:
	// the new peer shows in Stats and the monitor without waiting for I/O.
	unbind, err := s.reg.Bind(e.Addr, s.inprocPeer(), func(c *inproc.Conn) {
		p := newInprocPipe(s, c, b.endpoint)
		p.bind = b
		if peer, ok := c.Remote(); ok {
			p.peerType = peer.Type
			p.identity = peer.RoutingID
		}
		s.mu.Lock()
		if b.unbound {
			p.dead = true
			p.terminate()
		} else if s.attachLocked(p) {
			b.pipes[p] = struct{}{}
		}
		s.unlockStop()
	})
	if err != nil {
		if errors.Is(err, inproc.ErrAddrInUse) {
			err = fmt.Errorf("%w: %w", ErrAddrInUse, err)
		}
		return err
	}
	b.stop = unbind
	return nil
}

// connectInproc connects to an inproc name, bound or not yet.
func (s *Socket) connectInproc(c *connecter) error {
	conn, err := s.reg.Connect(c.ep.Addr, s.inprocPeer())
	if err != nil {
		return err
	}
	p := newInprocPipe(s, conn, c.endpoint)
	p.conn = c
	c.pipe = p
	close(c.done)
	if s.typ == Router {
		// A ROUTER needs the peer's routing id before the pipe is addressable.
		conn.OnBound(func(peer inproc.Peer) {
			s.mu.Lock()
			p.peerType = peer.Type
			p.identity = peer.RoutingID
			s.attachLocked(p)
			s.unlockStop()
		})
		return nil
	}
	if s.typ.Draft() {
		s.watchInprocType(p, conn)
	}
	s.mu.Lock()
	s.attachLocked(p)
	s.unlockStop()
	return nil
}
