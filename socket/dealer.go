package socket

import "fmt"

// dealerProto: load-balanced sending and fair-queued receiving, no envelopes (RFC 28).
type dealerProto struct {
	s   *Socket
	out lbOut
	in  fqIn
}

func (x *dealerProto) attach(p *pipe) error {
	x.s.conflate(p, true, true)
	if x.s.typ != Pair {
		x.s.probe(p)
	}
	x.out.attach(p)
	x.in.attach(p)
	return nil
}

// reconnected probes the new connection of a persistent pipe (Options.ProbeRouter).
func (x *dealerProto) reconnected(p *pipe) {
	if x.s.typ != Pair {
		x.s.probe(p)
	}
}

func (x *dealerProto) detach(p *pipe) {
	x.out.detach(p)
	x.in.detach(p)
}

func (x *dealerProto) readable(p *pipe) { x.in.readable(p) }
func (x *dealerProto) writable(p *pipe) { x.out.writable(p) }
func (x *dealerProto) send(m Msg) error {
	if err := x.s.checkConflate(m); err != nil {
		return err
	}
	_, err := x.out.send(x.s, m)
	return err
}

func (x *dealerProto) recv() (Msg, error) {
	m, _, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	return m, nil
}

// pairProto: a dealer with at most one peer (RFC 31).
type pairProto struct {
	dealerProto
	peer *pipe
}

func (x *pairProto) attach(p *pipe) error {
	if x.peer != nil {
		return fmt.Errorf("%w: PAIR already has a peer", ErrPeerRefused)
	}
	x.peer = p
	return x.dealerProto.attach(p)
}

func (x *pairProto) detach(p *pipe) {
	if x.peer == p {
		x.peer = nil
	}
	x.dealerProto.detach(p)
}
