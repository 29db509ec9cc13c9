package socket

import (
	"fmt"
	"maps"
	"sync/atomic"

	"github.com/brokerless/zmq/wire"
)

// RADIO and DISH (RFC 48). Inside a socket, and between inproc peers, messages keep
// the shape they have on the wire, so the same queues serve every link:
//
//   - RADIO to DISH: two frames, the group and the body (radioMsg). On ZMTP the group
//     frame carries MORE, as libzmq 4.3.5 sends it; checkRadioMsg checks it arrives so.
//   - DISH to RADIO: one frame holding a JOIN or LEAVE command body (joinLeaveMsg:
//     name length, name, group). A stream engine writes it as a ZMTP command frame and
//     turns the peer's JOIN and LEAVE commands back into such a frame
//     (joinLeaveFromCommand); a RADIO reads them with parseJoinLeave.
//
// A datagram link (udp) has no commands. Its pipes are marked everything, like a
// multicast pipe: a RADIO sends them every message, whatever the group, and a DISH
// queues them no JOIN or LEAVE; the link hands each datagram to the DISH as a group and
// a body (check it with checkRadioMsg), which the DISH filters by the groups it joined,
// as libzmq's DISH does for udp.

// maxGroupsPerPeer bounds the groups one DISH may join at a RADIO, so that a peer
// cannot grow the RADIO's memory without limit; further JOINs are dropped.
const maxGroupsPerPeer = 1 << 16

// joinLeaveMsg returns the frame a DISH queues to (un)subscribe its peers to group.
func joinLeaveMsg(join bool, group string) Msg {
	name := wire.CmdLeave
	if join {
		name = wire.CmdJoin
	}
	b := make([]byte, 0, 1+len(name)+len(group))
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = append(b, group...)
	return Msg{Frames: [][]byte{b}}
}

// joinLeaveFromCommand turns a peer's JOIN or LEAVE command into the frame a RADIO
// reads, copying it out of the connection's buffer.
func joinLeaveFromCommand(cmd wire.Command) Msg {
	b := make([]byte, 0, 1+len(cmd.Name)+len(cmd.Data))
	b = append(b, byte(len(cmd.Name)))
	b = append(b, cmd.Name...)
	b = append(b, cmd.Data...)
	return Msg{Frames: [][]byte{b}}
}

// parseJoinLeave parses a JOIN or LEAVE frame.
func parseJoinLeave(m Msg) (join bool, group []byte, ok bool) {
	if len(m.Frames) != 1 {
		return false, nil, false
	}
	cmd, err := wire.ParseCommand(m.Frames[0])
	if err != nil {
		return false, nil, false
	}
	switch {
	case cmd.Is(wire.CmdJoin):
		return true, cmd.Data, true
	case cmd.Is(wire.CmdLeave):
		return false, cmd.Data, true
	}
	return false, nil, false
}

// errBadRadioMsg drops a RADIO peer whose message is not a group frame of at most
// MaxGroupLen bytes followed by one body frame: libzmq's dish session fails such a
// message, and its engine drops the connection as a protocol error.
var errBadRadioMsg = &wire.ProtocolError{Code: wire.CodeZMTPUnspecified, Err: fmt.Errorf("socket: a RADIO message must be a group of at most %d bytes and one body frame", MaxGroupLen), Detail: "bad RADIO message"}

// checkRadioMsg is a DISH engine's check of each message from its RADIO.
func checkRadioMsg(m Msg) (bool, error) {
	if len(m.Frames) != 2 || len(m.Frames[0]) > MaxGroupLen {
		return false, errBadRadioMsg
	}
	return true, nil
}

// radioProto: each message goes to the pipes that joined its group, exactly.
type radioProto struct {
	noReconnect
	s          *Socket
	groups     map[string]*radioGroup
	joins      map[*pipe]int // groups each pipe has joined, for maxGroupsPerPeer
	everything []*pipe       // datagram pipes: every message, whatever its group
}

// radioGroup is one group's members, with how often each joined it: libzmq keeps a
// multimap, so a pipe that joins twice needs two LEAVEs. A slice, not a map: sending
// walks it for every message.
type radioGroup struct {
	name    []byte // the group frame every message to it shares
	members []radioMember
}

type radioMember struct {
	p     *pipe
	joins int
}

// member returns the index of p in g.members, or -1.
func (g *radioGroup) member(p *pipe) int {
	for i, m := range g.members {
		if m.p == p {
			return i
		}
	}
	return -1
}

// remove drops the member at i.
func (g *radioGroup) remove(i int) {
	last := len(g.members) - 1
	g.members[i] = g.members[last]
	g.members[last] = radioMember{}
	g.members = g.members[:last]
}

func newRadioProto(s *Socket) *radioProto {
	return &radioProto{s: s, groups: make(map[string]*radioGroup), joins: make(map[*pipe]int)}
}

func (x *radioProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	if p.everything {
		x.everything = append(x.everything, p)
		return nil
	}
	x.joins[p] = 0
	return nil
}

func (x *radioProto) detach(p *pipe) {
	for i, q := range x.everything {
		if q == p {
			x.everything = append(x.everything[:i], x.everything[i+1:]...)
			break
		}
	}
	if x.joins[p] > 0 {
		for name, g := range x.groups {
			if i := g.member(p); i >= 0 {
				g.remove(i)
				if len(g.members) == 0 {
					delete(x.groups, name)
				}
			}
		}
	}
	delete(x.joins, p)
}

func (x *radioProto) writable(p *pipe) {}

// readable applies the JOINs and LEAVEs p sent; anything else is dropped.
func (x *radioProto) readable(p *pipe) {
	for {
		m, ok, _ := p.in.Pop()
		if !ok {
			return
		}
		join, group, ok := parseJoinLeave(m)
		if !ok || len(group) > MaxGroupLen {
			x.s.stats.dropMalformed.Add(1)
			continue
		}
		if join {
			x.join(p, group)
		} else {
			x.leave(p, group)
		}
	}
}

func (x *radioProto) join(p *pipe, group []byte) {
	if x.joins[p] >= maxGroupsPerPeer {
		x.s.stats.dropMalformed.Add(1)
		return
	}
	g := x.groups[string(group)]
	if g == nil {
		g = &radioGroup{name: append([]byte(nil), group...)}
		x.groups[string(g.name)] = g
	}
	if i := g.member(p); i >= 0 {
		g.members[i].joins++
	} else {
		g.members = append(g.members, radioMember{p: p, joins: 1})
	}
	x.joins[p]++
}

func (x *radioProto) leave(p *pipe, group []byte) {
	g := x.groups[string(group)]
	if g == nil {
		return
	}
	i := g.member(p)
	if i < 0 {
		return
	}
	x.joins[p]--
	if g.members[i].joins--; g.members[i].joins == 0 {
		g.remove(i)
		if len(g.members) == 0 {
			delete(x.groups, string(group))
		}
	}
}

func (x *radioProto) send(Msg) error     { return errUseSendGroup }
func (x *radioProto) recv() (Msg, error) { return Msg{}, ErrNotSupported }

func (x *radioProto) recvFrom() (Msg, meta, error) { return Msg{}, meta{}, ErrNotSupported }

func (x *radioProto) sendTo(a meta, m Msg) error {
	if len(m.Frames) != 1 {
		return ErrMultipart
	}
	g := x.groups[a.group]
	if g == nil {
		if len(x.everything) > 0 {
			return x.sendEverything([]byte(a.group), m)
		}
		x.s.stats.dropNoPeers.Add(1)
		return nil
	}
	switch x.s.opts.WhenFull {
	case PolicyBlock, PolicyFail:
		// Nothing is sent until every member has room (libzmq's XPUB_NODROP). With
		// one member, its Push below says so without a second look at its queue.
		if len(g.members) == 1 {
			break
		}
		for _, mb := range g.members {
			if !mb.p.dead && mb.p.out.Full() {
				if x.s.opts.WhenFull == PolicyFail {
					return ErrQueueFull
				}
				return errWouldBlock
			}
		}
	}
	frames := x.s.frames(2)
	out := Msg{Frames: append(frames, g.name, m.Frames[0])}
	dropNewest := x.s.opts.WhenFull == PolicyDropNewest
	for _, mb := range g.members {
		p := mb.p
		if p.dead {
			continue
		}
		if dropNewest && p.out.AtLimit() {
			x.s.stats.dropHWM.Add(1) // a glance, not the queue's lock
			continue
		}
		ok, full := p.out.Push(out)
		if ok {
			continue
		}
		if full && len(g.members) == 1 {
			switch x.s.opts.WhenFull {
			case PolicyBlock:
				return errWouldBlock
			case PolicyFail:
				return ErrQueueFull
			}
		}
		if x.s.opts.WhenFull == PolicyDropOldest {
			if dropped, ok := p.out.ReplaceOldest(out); ok {
				if dropped {
					x.s.stats.dropOldest.Add(1)
				}
				continue
			}
		}
		x.s.stats.dropHWM.Add(1)
	}
	if len(x.everything) > 0 {
		return x.sendEverything(g.name, m)
	}
	return nil
}

// sendEverything sends m to every datagram pipe; a full one drops it, as a datagram
// would be dropped.
func (x *radioProto) sendEverything(group []byte, m Msg) error {
	out := Msg{Frames: append(x.s.frames(2), group, m.Frames[0])}
	for _, p := range x.everything {
		if ok, _ := p.out.Push(out); !ok {
			x.s.stats.dropHWM.Add(1)
		}
	}
	return nil
}

// dishProto: fair-queued receiving of the groups joined; the groups are sent to every
// RADIO as JOINs when it attaches and whenever they change.
type dishProto struct {
	noReconnect
	s      *Socket
	in     fqIn
	joined map[string]string // each group, also as the value RecvGroup returns
	pipes  []*pipe
	// groups is a copy of joined for datagram links, which filter without s.mu so
	// that a flood of groups not joined never takes room in the queue.
	groups atomic.Pointer[map[string]string]
}

func newDishProto(s *Socket) *dishProto {
	x := &dishProto{s: s, joined: make(map[string]string)}
	x.groups.Store(&map[string]string{})
	return x
}

// wants reports whether the DISH has joined group; it may be called without s.mu.
func (x *dishProto) wants(group []byte) bool {
	_, ok := (*x.groups.Load())[string(group)]
	return ok
}

func (x *dishProto) attach(p *pipe) error {
	if err := x.s.refuseInproc(p); err != nil {
		return err
	}
	x.in.attach(p)
	if p.everything {
		return nil // a datagram pipe takes no JOINs: the DISH filters for itself
	}
	x.pipes = append(x.pipes, p)
	// A new connection, a reconnection included, learns every group joined.
	for g := range x.joined {
		p.out.PushForce(joinLeaveMsg(true, g))
	}
	return nil
}

func (x *dishProto) detach(p *pipe) {
	for i, q := range x.pipes {
		if q == p {
			x.pipes = append(x.pipes[:i], x.pipes[i+1:]...)
			break
		}
	}
	x.in.detach(p)
}

func (x *dishProto) readable(p *pipe)   { x.in.readable(p) }
func (x *dishProto) writable(p *pipe)   {}
func (x *dishProto) send(Msg) error     { return ErrNotSupported }
func (x *dishProto) recv() (Msg, error) { return Msg{}, errUseRecvGroup }

func (x *dishProto) sendTo(meta, Msg) error { return ErrNotSupported }

func (x *dishProto) recvFrom() (Msg, meta, error) {
	for {
		m, _, ok := x.in.recv()
		if !ok {
			return Msg{}, meta{}, errWouldBlock
		}
		if len(m.Frames) != 2 {
			x.s.stats.dropMalformed.Add(1)
			continue
		}
		g, ok := x.joined[string(m.Frames[0])]
		if !ok {
			// Sent before a LEAVE reached the RADIO, or by a datagram link, which
			// does not filter.
			x.s.stats.dropFiltered.Add(1)
			continue
		}
		m.Frames = m.Frames[1:] // m keeps its claim on its buffers, for Release
		return m, meta{group: g}, nil
	}
}

// setGroup joins or leaves group and tells every RADIO. s.mu must be held.
func (x *dishProto) setGroup(join bool, group string) error {
	if len(group) > MaxGroupLen {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrBadGroup, group, MaxGroupLen)
	}
	_, in := x.joined[group]
	switch {
	case join && in:
		return fmt.Errorf("%w: %q already joined", ErrBadGroup, group)
	case !join && !in:
		return fmt.Errorf("%w: %q not joined", ErrBadGroup, group)
	}
	if join {
		x.joined[group] = group
	} else {
		delete(x.joined, group)
	}
	groups := maps.Clone(x.joined)
	x.groups.Store(&groups)
	for _, p := range x.pipes {
		p.out.PushForce(joinLeaveMsg(join, group))
	}
	return nil
}

// Join makes a DISH receive the messages RADIOs send to group (at most MaxGroupLen
// bytes), matched exactly. Joining a group twice fails with ErrBadGroup, as in libzmq.
// The RADIOs learn of it at once, and again after every reconnection.
func (s *Socket) Join(group string) error { return s.setGroup(true, group) }

// Leave undoes Join; leaving a group not joined fails with ErrBadGroup. Messages of
// the group already on their way are dropped.
func (s *Socket) Leave(group string) error { return s.setGroup(false, group) }

func (s *Socket) setGroup(join bool, group string) error {
	x, ok := s.proto.(*dishProto)
	if !ok {
		return fmt.Errorf("%w: %s has no groups to join", ErrNotSupported, s.typ)
	}
	s.mu.Lock()
	defer s.unlockStop()
	if s.closed {
		return ErrClosed
	}
	s.drainLocked()
	return x.setGroup(join, group)
}
