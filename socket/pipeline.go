package socket

import "fmt"

// newProtocol returns the routing logic of s's type.
func newProtocol(s *Socket) protocol {
	switch s.typ {
	case Push:
		return &pushProto{s: s}
	case Pull:
		return &pullProto{s: s}
	case Dealer:
		return &dealerProto{s: s}
	case Pair:
		return &pairProto{dealerProto: dealerProto{s: s}}
	case Req:
		return &reqProto{dealerProto: dealerProto{s: s}}
	case Rep:
		return &repProto{s: s}
	case Router:
		return newRouterProto(s)
	case Pub:
		return &pubProto{s: s}
	case XPub:
		return &pubProto{s: s, x: true}
	case Sub:
		return &subProto{s: s, filter: true}
	case XSub:
		return &subProto{s: s}
	case Stream:
		return &streamProto{s: s}
	}
	panic(fmt.Sprintf("socket: no protocol for %v", s.typ))
}

// noReconnect is embedded by protocols with nothing to redo on a reconnection.
type noReconnect struct{}

func (noReconnect) reconnected(*pipe) {}

// pushProto: load-balanced sending, no receiving (RFC 30).
type pushProto struct {
	noReconnect
	s   *Socket
	out lbOut
}

func (x *pushProto) attach(p *pipe) error {
	x.s.conflate(p, false, true)
	x.out.attach(p)
	return nil
}

func (x *pushProto) detach(p *pipe)     { x.out.detach(p) }
func (x *pushProto) readable(p *pipe)   { p.in.Discard() }
func (x *pushProto) writable(p *pipe)   { x.out.writable(p) }
func (x *pushProto) recv() (Msg, error) { return Msg{}, ErrNotSupported }
func (x *pushProto) send(m Msg) error {
	if err := x.s.checkConflate(m); err != nil {
		return err
	}
	_, err := x.out.send(x.s, m)
	return err
}

// pullProto: fair-queued receiving, no sending (RFC 30).
type pullProto struct {
	noReconnect
	s  *Socket
	in fqIn
}

func (x *pullProto) attach(p *pipe) error {
	x.s.conflate(p, true, false)
	x.in.attach(p)
	return nil
}

func (x *pullProto) detach(p *pipe)   { x.in.detach(p) }
func (x *pullProto) readable(p *pipe) { x.in.readable(p) }
func (x *pullProto) writable(p *pipe) {}
func (x *pullProto) send(Msg) error   { return ErrNotSupported }
func (x *pullProto) recv() (Msg, error) {
	m, _, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	return m, nil
}

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
