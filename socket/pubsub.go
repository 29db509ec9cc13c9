package socket

import (
	"fmt"

	"github.com/brokerless/zmq/pattern"
	"github.com/brokerless/zmq/wire"
)

var errDuplicateID = fmt.Errorf("%w: duplicate routing id", ErrPeerRefused)

// pubProto serves PUB and XPUB: each message goes to every pipe whose subscriptions
// match its first frame (RFC 29, zmq-spec §3.7, §3.8). XPUB also hands subscription
// messages, and any other message from subscribers, to the application.
type pubProto struct {
	noReconnect
	s       *Socket
	x       bool // XPUB
	subs    pattern.Trie[*pipe]
	pipes   []*pipe
	matched []*pipe
	up      []upMsg // XPUB: messages waiting for Recv
	upHead  int
	last    *pipe              // XPUB_MANUAL: the sender of the subscription Recv returned last
	marked  map[*pipe]struct{} // InvertMatching: scratch set of the matching pipes
}

// upMsg is a message waiting for an XPUB's Recv, with the subscriber whose
// subscription it is (nil for anything else).
type upMsg struct {
	m    Msg
	from *pipe
}

func (x *pubProto) attach(p *pipe) error {
	x.pipes = append(x.pipes, p)
	if p.everything {
		// Subscriptions do not cross multicast: receivers filter for themselves.
		x.subs.Add(nil, p)
		return nil
	}
	if !x.x {
		x.s.conflate(p, false, true)
	}
	if w := x.s.opts.XPubWelcomeMsg; x.x && w != nil {
		p.out.PushForce(Msg{Frames: [][]byte{w}})
	}
	return nil
}

func (x *pubProto) detach(p *pipe) {
	if x.last == p {
		x.last = nil
	}
	for i, q := range x.pipes {
		if q == p {
			x.pipes = append(x.pipes[:i], x.pipes[i+1:]...)
			break
		}
	}
	x.subs.RemovePipe(p, func(prefix []byte, last bool) {
		if x.x && last {
			x.notify(false, prefix)
		}
	})
}

func (x *pubProto) writable(p *pipe) {}

// readable applies the subscriptions p sent. They take effect before the next message
// is published, because Send applies pending pipe events first.
func (x *pubProto) readable(p *pipe) {
	for {
		m, ok, _ := p.in.Pop()
		if !ok {
			return
		}
		sub, topic, isSub := wire.ParseSubscriptionMsg(m.Frames[0])
		if !isSub {
			if x.x {
				x.push(m, nil)
			}
			continue
		}
		if x.x && x.s.opts.XPubManual {
			// Every (un)subscription goes to the application, which decides.
			x.push(m, p)
			continue
		}
		if sub {
			_, first := x.subs.Add(topic, p)
			if x.x && (first || x.s.opts.XPubVerbose) {
				x.notify(true, topic)
			}
		} else {
			_, last := x.subs.Remove(topic, p)
			if x.x && last {
				x.notify(false, topic)
			}
		}
	}
}

// notify queues a subscription message for the XPUB application.
func (x *pubProto) notify(sub bool, topic []byte) {
	x.push(subscriptionMsg(sub, topic), nil)
}

// push queues m for the XPUB application; from is the subscriber that sent it, for
// XPUB_MANUAL.
func (x *pubProto) push(m Msg, from *pipe) {
	if limit := x.s.opts.RecvHWM; limit > 0 && len(x.up)-x.upHead >= limit {
		x.s.stats.dropHWM.Add(1)
		return
	}
	x.up = append(x.up, upMsg{m: m, from: from})
}

func (x *pubProto) recv() (Msg, error) {
	if !x.x {
		return Msg{}, ErrNotSupported
	}
	if x.upHead == len(x.up) {
		return Msg{}, errWouldBlock
	}
	u := x.up[x.upHead]
	x.up[x.upHead] = upMsg{}
	x.upHead++
	if x.upHead == len(x.up) {
		x.up, x.upHead = x.up[:0], 0
	}
	if u.from != nil && !u.from.dead {
		x.last = u.from
	}
	return u.m, nil
}

// manualSubscribe applies the application's decision on the latest subscription it
// received to its sender (XPUB_MANUAL). Without such a subscriber it does nothing, as
// libzmq.
func (x *pubProto) manualSubscribe(sub bool, topic []byte) {
	p := x.last
	if p == nil || p.dead {
		return
	}
	if sub {
		x.subs.Add(topic, p)
	} else {
		x.subs.Remove(topic, p)
	}
}

func (x *pubProto) send(m Msg) error {
	if err := x.s.checkConflate(m); err != nil {
		return err
	}
	x.matched = x.matched[:0]
	x.subs.Match(m.Frames[0], func(p *pipe) { x.matched = append(x.matched, p) })
	if x.s.opts.InvertMatching {
		x.invertMatched()
	}
	if len(x.matched) == 0 {
		x.s.stats.dropNoPeers.Add(1)
		return nil
	}
	switch x.s.opts.WhenFull {
	case PolicyBlock, PolicyFail:
		// Nothing is sent until every matching subscriber has room (XPUB_NODROP).
		for _, p := range x.matched {
			if p.out.Full() {
				if x.s.opts.WhenFull == PolicyFail {
					return ErrQueueFull
				}
				return errWouldBlock
			}
		}
	}
	dropNewest := x.s.opts.WhenFull == PolicyDropNewest
	full := uint64(0) // dropped for a full subscriber, added to the stats once
	for _, p := range x.matched {
		if dropNewest && p.out.AtLimit() {
			// A full subscriber costs a glance, not its queue's lock, which its
			// writer goroutine holds often on another core.
			full++
			continue
		}
		if ok, _ := p.out.Push(m); ok {
			continue
		}
		if x.s.opts.WhenFull == PolicyDropOldest {
			if dropped, ok := p.out.ReplaceOldest(m); ok {
				if dropped {
					x.s.stats.dropOldest.Add(1)
				}
				continue
			}
		}
		full++
	}
	if full > 0 {
		x.s.stats.dropHWM.Add(full)
	}
	clear(x.matched)
	return nil
}

// invertMatched replaces the matching pipes with the others (INVERT_MATCHING).
func (x *pubProto) invertMatched() {
	if x.marked == nil {
		x.marked = make(map[*pipe]struct{})
	}
	for _, p := range x.matched {
		x.marked[p] = struct{}{}
	}
	x.matched = x.matched[:0]
	for _, p := range x.pipes {
		if _, ok := x.marked[p]; !ok {
			x.matched = append(x.matched, p)
		}
	}
	clear(x.marked)
}

// subProto serves SUB and XSUB: fair-queued receiving, and subscriptions counted here
// and forwarded to every publisher (RFC 29, zmq-spec §3.7, §3.8). SUB filters what it
// receives; XSUB leaves that to its publishers.
type subProto struct {
	s      *Socket
	filter bool // SUB
	in     fqIn
	subs   pattern.CountTrie
	pipes  []*pipe
}

func subscriptionMsg(sub bool, topic []byte) Msg {
	b := make([]byte, 1+len(topic))
	if sub {
		b[0] = 1
	}
	copy(b[1:], topic)
	return Msg{Frames: [][]byte{b}}
}

func (x *subProto) attach(p *pipe) error {
	x.s.conflate(p, true, false)
	x.pipes = append(x.pipes, p)
	x.in.attach(p)
	x.resubscribe(p)
	return nil
}

// resubscribe sends every current subscription once to p.
func (x *subProto) resubscribe(p *pipe) {
	x.subs.Each(func(prefix []byte) {
		p.out.PushForce(subscriptionMsg(true, prefix))
	})
}

func (x *subProto) reconnected(p *pipe) { x.resubscribe(p) }

func (x *subProto) detach(p *pipe) {
	for i, q := range x.pipes {
		if q == p {
			x.pipes = append(x.pipes[:i], x.pipes[i+1:]...)
			break
		}
	}
	x.in.detach(p)
}

func (x *subProto) readable(p *pipe) { x.in.readable(p) }
func (x *subProto) writable(p *pipe) {}

func (x *subProto) recv() (Msg, error) {
	for {
		m, _, ok := x.in.recv()
		if !ok {
			return Msg{}, errWouldBlock
		}
		if x.filter && x.subs.Match(m.Frames[0]) == x.s.opts.InvertMatching {
			x.s.stats.dropFiltered.Add(1)
			continue
		}
		return m, nil
	}
}

// subscribe counts topic and forwards the change to the publishers: every subscribe,
// but a cancel only when its count reaches zero.
func (x *subProto) subscribe(sub bool, topic []byte) {
	if sub {
		x.subs.Add(topic)
	} else if last, ok := x.subs.Remove(topic); !ok || !last {
		return
	}
	for _, p := range x.pipes {
		p.out.PushForce(subscriptionMsg(sub, topic))
	}
}

func (x *subProto) send(m Msg) error {
	if x.filter {
		return ErrNotSupported
	}
	if sub, topic, ok := wire.ParseSubscriptionMsg(m.Frames[0]); ok && len(m.Frames) == 1 {
		x.subscribe(sub, topic)
		return nil
	}
	// XSUB passes other messages upstream to every publisher, dropping for a full one.
	for _, p := range x.pipes {
		if ok, _ := p.out.Push(m); !ok {
			x.s.stats.dropHWM.Add(1)
		}
	}
	return nil
}

// Subscribe asks publishers for messages whose first frame starts with prefix; the
// empty prefix subscribes to everything. It is for SUB sockets (and XSUB, where it is
// the same as sending 0x01+prefix). Subscriptions add up: a prefix subscribed twice
// needs two Unsubscribe calls.
//
// On an XPUB with Options.XPubManual, Subscribe subscribes the subscriber whose
// subscription message Recv returned last to prefix (libzmq's ZMQ_SUBSCRIBE on an
// XPUB); it does nothing when there is no such subscriber, or it has gone.
func (s *Socket) Subscribe(prefix []byte) error { return s.setSubscription(true, prefix) }

// Unsubscribe cancels one Subscribe of prefix. On an XPUB with Options.XPubManual it
// removes prefix from the subscriptions of the subscriber whose subscription message
// Recv returned last.
func (s *Socket) Unsubscribe(prefix []byte) error { return s.setSubscription(false, prefix) }

func (s *Socket) setSubscription(sub bool, prefix []byte) error {
	x, isSub := s.proto.(*subProto)
	pub, isPub := s.proto.(*pubProto)
	if !isSub && !(isPub && pub.x && s.opts.XPubManual) {
		return fmt.Errorf("%w: %s has no subscriptions", ErrNotSupported, s.typ)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.drainLocked()
	if isPub {
		pub.manualSubscribe(sub, append([]byte(nil), prefix...))
		return nil
	}
	x.subscribe(sub, append([]byte(nil), prefix...))
	return nil
}
