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
	up      []Msg // XPUB: messages waiting for Recv
	upHead  int
}

func (x *pubProto) attach(p *pipe) error {
	x.pipes = append(x.pipes, p)
	if p.everything {
		// Subscriptions do not cross multicast: receivers filter for themselves.
		x.subs.Add(nil, p)
	}
	return nil
}

func (x *pubProto) detach(p *pipe) {
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
				x.push(m)
			}
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
	x.push(subscriptionMsg(sub, topic))
}

func (x *pubProto) push(m Msg) {
	if limit := x.s.opts.RecvHWM; limit > 0 && len(x.up)-x.upHead >= limit {
		x.s.stats.dropHWM.Add(1)
		return
	}
	x.up = append(x.up, m)
}

func (x *pubProto) recv() (Msg, error) {
	if !x.x {
		return Msg{}, ErrNotSupported
	}
	if x.upHead == len(x.up) {
		return Msg{}, errWouldBlock
	}
	m := x.up[x.upHead]
	x.up[x.upHead] = Msg{}
	x.upHead++
	if x.upHead == len(x.up) {
		x.up, x.upHead = x.up[:0], 0
	}
	return m, nil
}

func (x *pubProto) send(m Msg) error {
	x.matched = x.matched[:0]
	x.subs.Match(m.Frames[0], func(p *pipe) { x.matched = append(x.matched, p) })
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
		if x.filter && !x.subs.Match(m.Frames[0]) {
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
func (s *Socket) Subscribe(prefix []byte) error { return s.setSubscription(true, prefix) }

// Unsubscribe cancels one Subscribe of prefix.
func (s *Socket) Unsubscribe(prefix []byte) error { return s.setSubscription(false, prefix) }

func (s *Socket) setSubscription(sub bool, prefix []byte) error {
	x, ok := s.proto.(*subProto)
	if !ok {
		return fmt.Errorf("%w: %s has no subscriptions", ErrNotSupported, s.typ)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.drainLocked()
	x.subscribe(sub, append([]byte(nil), prefix...))
	return nil
}
