package socket

import (
	"sync/atomic"

	"github.com/brokerless/zmq/pattern"
)

// Readiness, for the Poller. Each protocol answers two questions with s.mu held and
// after drainLocked: would recv return a message now (canRecv), and would send finish
// now without waiting (canSend)? The answers follow the same routing logic as recv and
// send, so a Poller that reports a socket ready is never contradicted by an immediate
// Recv or Send.
//
// The queries take no message and never change whose turn it is. The one thing they
// may do is what recv does anyway: drop messages at the head of a queue that recv
// would drop (a SUB's unsubscribed topics, a REQ's or REP's malformed envelopes),
// counted in the same Stats. Without that, a SUB flooded with unwanted topics would
// hold them all and look at every one on every poll; libzmq's SUB does the same.
//
// Under PolicyDropNewest and PolicyDropOldest a send never waits, so those sockets can always
// send. Under PolicyFail a send that would wait returns ErrQueueFull instead, so canSend
// says false then, as under PolicyBlock.

// neverWaits reports whether the socket's policy lets every send finish at once.
func (s *Socket) neverWaits() bool {
	return s.opts.WhenFull == PolicyDropNewest || s.opts.WhenFull == PolicyDropOldest
}

// peek returns the message next() would return, without taking it. s.mu must be held.
func (p *pipe) peek() (Msg, bool) {
	if p.rpos < len(p.rbuf) {
		return p.rbuf[p.rpos], true
	}
	return p.in.Peek()
}

// ready reports whether recv would return a message. keep, when not nil, says whether
// recv would deliver a message rather than drop it; messages it would drop are dropped
// here and counted in dropped.
func (f *fqIn) ready(keep func(Msg) bool, dropped *atomic.Uint64) bool {
	for p := range f.fq.ActivePipes() {
		for {
			m, ok := p.peek()
			if !ok {
				break // an empty pipe still marked active; recv deactivates it
			}
			if keep == nil || keep(m) {
				return true
			}
			p.next()
			dropped.Add(1)
		}
	}
	return false
}

// ready reports whether send would queue a message, or drop it by policy, at once.
func (o *lbOut) ready(s *Socket) bool {
	if s.neverWaits() {
		return true
	}
	for p := range o.lb.ActivePipes() {
		if !p.out.Full() && !p.out.Closed() {
			return true
		}
	}
	return false
}

func (x *pushProto) canRecv() bool { return false }
func (x *pushProto) canSend() bool { return x.out.ready(x.s) }

func (x *pullProto) canRecv() bool { return x.in.ready(nil, nil) }
func (x *pullProto) canSend() bool { return false }

// dealerProto's answers serve PAIR too.
func (x *dealerProto) canRecv() bool { return x.in.ready(nil, nil) }
func (x *dealerProto) canSend() bool { return x.out.ready(x.s) }

// A REQ may send only when no request is out, and receive only the reply to it.
func (x *reqProto) canSend() bool { return !x.waiting && x.out.ready(x.s) }
func (x *reqProto) canRecv() bool {
	if !x.waiting {
		return false
	}
	for {
		m, ok := x.reply.in.Peek()
		if !ok {
			return false
		}
		if len(m.Frames) >= 2 && len(m.Frames[0]) == 0 {
			return true
		}
		x.reply.in.Pop() // malformed, as recv would find
		x.s.stats.dropMalformed.Add(1)
	}
}

// A REP receives only between replies, and its reply never waits.
func (x *repProto) canSend() bool { return x.pending }
func (x *repProto) canRecv() bool {
	return !x.pending && x.in.ready(validRequest, &x.s.stats.dropMalformed)
}

// validRequest reports whether REP's recv would deliver m rather than drop it.
func validRequest(m Msg) bool {
	_, body, ok := pattern.SplitEnvelope(m.Frames)
	return ok && len(body) > 0
}

func (x *routerProto) canRecv() bool { return x.in.ready(nil, nil) }

// canSend cannot know which peer the next message is for. A plain ROUTER never waits
// (it drops what it cannot route); a mandatory one reports whether some peer could
// take a message now.
func (x *routerProto) canSend() bool {
	if !x.s.opts.RouterMandatory {
		return true
	}
	for p := range x.s.pipes {
		if !p.dead && (x.s.neverWaits() || !p.out.Full()) {
			return true
		}
	}
	return false
}

// canRecv: only an XPUB receives, the subscriptions and other messages it queued.
func (x *pubProto) canRecv() bool { return x.x && x.upHead < len(x.up) }

// canSend cannot know which subscribers the next message matches, so under PolicyBlock or
// PolicyFail it says true only when no subscriber is at its high-water mark: then no message
// waits.
func (x *pubProto) canSend() bool {
	if x.s.neverWaits() {
		return true
	}
	for _, p := range x.pipes {
		if p.out.Full() {
			return false
		}
	}
	return true
}

func (x *subProto) canRecv() bool {
	if !x.filter {
		return x.in.ready(nil, nil)
	}
	return x.in.ready(x.wanted, &x.s.stats.dropFiltered)
}

// wanted reports whether SUB's recv would deliver m rather than filter it out.
func (x *subProto) wanted(m Msg) bool { return x.subs.Match(m.Frames[0]) }

// canSend: a SUB sends nothing; an XSUB's sends never wait.
func (x *subProto) canSend() bool { return !x.filter }

func (x *streamProto) canRecv() bool { return x.in.ready(nil, nil) }

// canSend cannot know which connection the next message is for: it reports whether
// some connection could take a message now.
func (x *streamProto) canSend() bool {
	for _, p := range x.ids {
		if !p.dead && (x.s.neverWaits() || !p.out.Full()) {
			return true
		}
	}
	return false
}
