package socket

import "fmt"

// SCATTER and GATHER (RFC 49): PUSH and PULL for single-frame messages. CHANNEL
// (RFC 52): PAIR for single-frame messages.

// scatterProto: round-robin sending, no receiving.
type scatterProto struct {
	noReconnect
	s   *Socket
	out lbOut
}

func (x *scatterProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	x.out.attach(p)
	return nil
}

func (x *scatterProto) detach(p *pipe)     { x.out.detach(p) }
func (x *scatterProto) readable(p *pipe)   { p.in.Discard() }
func (x *scatterProto) writable(p *pipe)   { x.out.writable(p) }
func (x *scatterProto) recv() (Msg, error) { return Msg{}, ErrNotSupported }
func (x *scatterProto) send(m Msg) error {
	if len(m.Frames) != 1 {
		return ErrMultipart
	}
	_, err := x.out.send(x.s, m)
	return err
}

// gatherProto: fair-queued receiving, no sending; multipart messages are dropped.
type gatherProto struct {
	noReconnect
	s  *Socket
	in fqIn
}

func (x *gatherProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	x.in.attach(p)
	return nil
}

func (x *gatherProto) detach(p *pipe)   { x.in.detach(p) }
func (x *gatherProto) readable(p *pipe) { x.in.readable(p) }
func (x *gatherProto) writable(p *pipe) {}
func (x *gatherProto) send(Msg) error   { return ErrNotSupported }
func (x *gatherProto) recv() (Msg, error) {
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

// channelProto: one peer at a time, single-frame messages both ways. A second peer
// is refused while the first is there, as PAIR refuses it.
type channelProto struct {
	clientProto
	peer *pipe
}

func (x *channelProto) attach(p *pipe) error {
	if x.peer != nil {
		return fmt.Errorf("%w: CHANNEL already has a peer", ErrPeerRefused)
	}
	if err := x.clientProto.attach(p); err != nil {
		return err
	}
	x.peer = p
	return nil
}

func (x *channelProto) detach(p *pipe) {
	if x.peer == p {
		x.peer = nil
	}
	x.clientProto.detach(p)
}
