package socket

import (
	"context"
	"errors"
	"fmt"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// The draft socket types of libzmq 4.3 (RFCs 41, 48, 49, 51 and 52). They are
// single-frame: Send refuses a message of more than one frame (ErrMultipart), and a
// multipart message from a peer is dropped, as libzmq drops it (DISH, whose wire
// messages are a group frame and a body, instead drops the connection of a peer that
// breaks that rule, as libzmq does).
//
// SERVER and PEER address peers by a routing id the socket assigns: RecvFrom returns
// it with each message and SendTo takes it. RADIO sends with SendGroup; DISH receives
// with RecvGroup, for the groups it has joined (Join, Leave).
const (
	Server  = wire.Server     // replies to CLIENTs by routing id (RFC 41)
	Client  = wire.Client     // talks to SERVERs, round-robin out, fair-queued in (RFC 41)
	Radio   = wire.Radio      // sends to the DISHes that joined a message's group (RFC 48)
	Dish    = wire.Dish       // receives the groups it joined from RADIOs (RFC 48)
	Gather  = wire.Gather     // fair-queued receiving from SCATTERs (RFC 49)
	Scatter = wire.Scatter    // round-robin sending to GATHERs (RFC 49)
	Peer    = wire.PeerSocket // talks to PEERs by routing id; ConnectPeer returns it (RFC 51)
	Channel = wire.Channel    // a PAIR for single-frame messages (RFC 52)
)

// MaxGroupLen is the longest RADIO/DISH group, in bytes: libzmq's
// ZMQ_GROUP_MAX_LENGTH since 4.3.3 (it was 15 before), the most the one-byte
// length of a udp datagram's group can say.
const MaxGroupLen = 255

var (
	// ErrMultipart is returned by Send on a draft socket type (CLIENT, SERVER, RADIO,
	// DISH, SCATTER, GATHER, PEER, CHANNEL) for a message of more than one frame:
	// these types carry single-frame messages only (libzmq's EINVAL).
	ErrMultipart = errors.New("socket: this socket type sends single-frame messages only")
	// ErrBadGroup reports a RADIO/DISH group longer than MaxGroupLen, a Join of a
	// group already joined, or a Leave of one that is not (libzmq's EINVAL).
	ErrBadGroup = errors.New("socket: invalid group")
)

// meta is the routing metadata draft types carry beside a message: the routing id of
// SERVER and PEER, the group of RADIO and DISH.
type meta struct {
	id    uint32
	group string
}

// addressed is implemented by protocols whose messages carry meta.
type addressed interface {
	sendTo(a meta, m Msg) error
	recvFrom() (Msg, meta, error)
}

func (s *Socket) addressed() addressed {
	ap, _ := s.proto.(addressed)
	return ap
}

// errNoMeta reports SendTo, RecvFrom, SendGroup or RecvGroup on a type without them.
func errNoMeta(t Type) error {
	return fmt.Errorf("%w: %s has no routing ids or groups", ErrNotSupported, t)
}

// Hints for Send and Recv on the types that need SendTo, RecvFrom, SendGroup or
// RecvGroup instead.
var (
	errUseSendTo    = fmt.Errorf("%w: SERVER and PEER send with SendTo", ErrNotSupported)
	errUseRecvFrom  = fmt.Errorf("%w: SERVER and PEER receive with RecvFrom", ErrNotSupported)
	errUseSendGroup = fmt.Errorf("%w: RADIO sends with SendGroup", ErrNotSupported)
	errUseRecvGroup = fmt.Errorf("%w: DISH receives with RecvGroup", ErrNotSupported)
)

// draftType reports whether this package implements draft type t.
func draftType(t Type) bool {
	switch t {
	case Server, Client, Radio, Dish, Gather, Scatter, Peer, Channel:
		return true
	}
	return false
}

// newDraftProtocol returns the routing logic of a draft type, or nil.
func newDraftProtocol(s *Socket) protocol {
	switch s.typ {
	case Server, Peer:
		return newServerProto(s)
	case Client:
		return &clientProto{s: s}
	case Radio:
		return newRadioProto(s)
	case Dish:
		return newDishProto(s)
	case Gather:
		return &gatherProto{s: s}
	case Scatter:
		return &scatterProto{s: s}
	case Channel:
		return &channelProto{clientProto: clientProto{s: s}}
	}
	return nil
}

// SendTo sends m, one frame, to the peer with routing id id: the id RecvFrom returned
// with one of its messages, or, on a PEER, the id ConnectPeer returned. It is for
// SERVER and PEER sockets. A peer that has gone, or never was, fails with
// ErrHostUnreachable (libzmq's EHOSTUNREACH); a peer whose queue is full makes SendTo
// wait, as Send does, until ctx ends.
func (s *Socket) SendTo(ctx context.Context, id uint32, m Msg) error {
	a := meta{id: id}
	return s.send(ctx, m, &a)
}

// RecvFrom returns the next message, with the routing id of the peer that sent it,
// for SendTo. It is for SERVER and PEER sockets.
func (s *Socket) RecvFrom(ctx context.Context) (Msg, uint32, error) {
	var a meta
	m, err := s.recv(ctx, &a)
	return m, a.id, err
}

// SendGroup sends m, one frame, to every DISH that joined group (at most MaxGroupLen
// bytes; the match is exact, not by prefix). It is for RADIO sockets. A DISH whose
// queue is full misses the message, unless Options.WhenFull says otherwise.
func (s *Socket) SendGroup(ctx context.Context, group string, m Msg) error {
	if len(group) > MaxGroupLen {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrBadGroup, group, MaxGroupLen)
	}
	a := meta{group: group}
	return s.send(ctx, m, &a)
}

// RecvGroup returns the next message of a group the DISH has joined, with its group.
// It is for DISH sockets.
func (s *Socket) RecvGroup(ctx context.Context) (Msg, string, error) {
	var a meta
	m, err := s.recv(ctx, &a)
	return m, a.group, err
}

// singleFrame drops a multipart message from a peer, as libzmq's draft types do; it
// reports whether m may be delivered.
func (s *Socket) singleFrame(m Msg) bool {
	if len(m.Frames) == 1 {
		return true
	}
	s.stats.dropMalformed.Add(1)
	return false
}

// refuseInproc refuses an inproc peer whose type may not talk to a draft type: the
// ZMTP handshake checks stream peers, and this checks the binder's side of an inproc
// connection (the connecter's side is checked by watchInprocType).
func (s *Socket) refuseInproc(p *pipe) error {
	if p.shared && p.bind != nil && !s.typ.Compatible(p.peerType) {
		return fmt.Errorf("%w: %s cannot talk to %s", ErrPeerRefused, s.typ, p.peerType)
	}
	return nil
}

// draftInbound returns the engine's check of each message a stream peer sends to a
// socket of type t, or nil when the protocol takes every message as it comes. The
// check reports whether to deliver the message; an error drops the connection.
func draftInbound(t Type) func(Msg) (bool, error) {
	switch t {
	case Dish:
		return checkRadioMsg
	case Radio:
		// A RADIO takes only JOIN and LEAVE commands; messages are ignored, as
		// libzmq ignores them.
		return func(Msg) (bool, error) { return false, nil }
	}
	return nil
}

// watchInprocType drops the connecter's side of an inproc connection once the binder
// turns out to be of a type a draft type may not talk to.
func (s *Socket) watchInprocType(p *pipe, conn *inproc.Conn) {
	conn.OnBound(func(peer inproc.Peer) {
		s.mu.Lock()
		p.peerType = peer.Type
		if !p.dead && !s.typ.Compatible(peer.Type) {
			err := fmt.Errorf("%w: %s cannot talk to %s", ErrPeerRefused, s.typ, peer.Type)
			s.emit(Event{Type: EventClosed, Endpoint: p.endpoint, Err: err})
			s.detachLocked(p)
		}
		s.unlockStop()
	})
}
