package socket

import "fmt"

// protocol is a socket type's routing logic. Every method runs with s.mu held and none
// blocks: send and recv return errWouldBlock when they must wait.
type protocol interface {
	attach(p *pipe) error // a new peer; an error refuses it
	detach(p *pipe)       // the peer is gone
	readable(p *pipe)     // p.in went from empty to non-empty
	writable(p *pipe)     // p.out has room again
	reconnected(p *pipe)  // a persistent pipe has a new connection
	send(m Msg) error
	recv() (Msg, error)
	canRecv() bool // recv would return a message now (see ready.go)
	canSend() bool // send would not wait now
}

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
	case Dgram:
		return &dgramProto{s: s}
	}
	if p := newDraftProtocol(s); p != nil {
		return p
	}
	panic(fmt.Sprintf("socket: no protocol for %v", s.typ))
}

// knownType reports whether New can make a socket of type t.
func knownType(t Type) bool { return t <= Stream || t == Dgram || draftType(t) }

// noReconnect is embedded by protocols with nothing to redo on a reconnection.
type noReconnect struct{}

func (noReconnect) reconnected(*pipe) {}
