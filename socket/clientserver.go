package socket

import (
	"fmt"
	"math/rand/v2"
)

// CLIENT and SERVER (RFC 41), and PEER, which is a SERVER that also connects.

// serverProto serves SERVER and PEER: each peer gets a routing id, a non-zero uint32
// counted up from a random start as libzmq does; RecvFrom reports it and SendTo
// routes by it.
type serverProto struct {
	noReconnect
	s     *Socket
	in    fqIn
	next  uint32
	pipes map[uint32]*pipe
	ids   map[*pipe]uint32
}

func newServerProto(s *Socket) *serverProto {
	return &serverProto{
		s:     s,
		next:  rand.Uint32(),
		pipes: make(map[uint32]*pipe),
		ids:   make(map[*pipe]uint32),
	}
}

func (x *serverProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	id := x.next
	for {
		if id != 0 { // never routing id zero
			if _, used := x.pipes[id]; !used {
				break
			}
		}
		id++
	}
	x.next = id + 1
	x.pipes[id] = p
	x.ids[p] = id
	x.in.attach(p)
	return nil
}

func (x *serverProto) detach(p *pipe) {
	if id, ok := x.ids[p]; ok {
		delete(x.pipes, id)
		if p.inLen() == 0 {
			delete(x.ids, p)
		}
		// Otherwise the peer's last messages still come with its id (recvFrom
		// forgets it after the last); replies to it fail with ErrHostUnreachable.
	}
	x.in.detach(p)
}

func (x *serverProto) readable(p *pipe) { x.in.readable(p) }
func (x *serverProto) writable(p *pipe) {}
func (x *serverProto) send(Msg) error   { return errUseSendTo }
func (x *serverProto) recv() (Msg, error) {
	return Msg{}, errUseRecvFrom
}

func (x *serverProto) sendTo(a meta, m Msg) error {
	if len(m.Frames) != 1 {
		return ErrMultipart
	}
	p, ok := x.pipes[a.id]
	if !ok || p.dead {
		return ErrHostUnreachable
	}
	if queued, _ := x.s.pushReply(p, m); queued {
		return nil
	}
	return x.s.whenFull(m, func() *pipe { return p })
}

func (x *serverProto) recvFrom() (Msg, meta, error) {
	for {
		m, p, ok := x.in.recv()
		if !ok {
			return Msg{}, meta{}, errWouldBlock
		}
		if !x.s.singleFrame(m) {
			continue
		}
		id := x.ids[p]
		if p.dead && p.inLen() == 0 {
			delete(x.ids, p) // its last message
		}
		return m, meta{id: id}, nil
	}
}

// idOf returns p's routing id. s.mu must be held.
func (x *serverProto) idOf(p *pipe) (uint32, bool) {
	id, ok := x.ids[p]
	return id, ok
}

// clientProto: round-robin sending and fair-queued receiving of single-frame messages
// (RFC 41).
type clientProto struct {
	noReconnect
	s   *Socket
	out lbOut
	in  fqIn
}

func (x *clientProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	x.out.attach(p)
	x.in.attach(p)
	return nil
}

func (x *clientProto) detach(p *pipe) {
	x.out.detach(p)
	x.in.detach(p)
}

func (x *clientProto) readable(p *pipe) { x.in.readable(p) }
func (x *clientProto) writable(p *pipe) { x.out.writable(p) }

func (x *clientProto) send(m Msg) error {
	if len(m.Frames) != 1 {
		return ErrMultipart
	}
	_, err := x.out.send(x.s, m)
	return err
}

func (x *clientProto) recv() (Msg, error) {
	for {
		m, _, ok := x.in.recv()
		if !ok {
			return Msg{}, errWouldBlock
		}
		if x.s.singleFrame(m) {
			return m, nil
		}
	}
}

// ConnectPeer connects a PEER socket to endpoint, as Connect does, and returns the
// routing id SendTo reaches that peer by. Messages sent to it queue until the
// connection is up. It needs Options.Immediate false (the default), as libzmq's
// zmq_connect_peer does: the peer must exist from the start.
func (s *Socket) ConnectPeer(endpoint string) (uint32, error) {
	if s.typ != Peer {
		return 0, fmt.Errorf("%w: ConnectPeer is for PEER sockets, not %s", ErrNotSupported, s.typ)
	}
	if s.opts.Immediate {
		return 0, &OpError{Op: "connect", Endpoint: endpoint, Err: fmt.Errorf("%w: ConnectPeer needs Immediate false", ErrBadOption)}
	}
	c, err := s.connect(endpoint)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.pipe != nil {
		if id, ok := s.proto.(*serverProto).idOf(c.pipe); ok {
			return id, nil
		}
	}
	return 0, &OpError{Op: "connect", Endpoint: endpoint, Err: ErrPeerRefused}
}
