package socket

import (
	"github.com/brokerless/zmq/pattern"
)

// reqProto: strict send/receive alternation over a dealer, with the empty delimiter
// added to requests and removed from replies (RFC 28, zmq-spec §3.3).
type reqProto struct {
	dealerProto
	waiting bool  // a request is out; only a reply may be received
	reply   *pipe // the pipe the request went to
}

func (x *reqProto) send(m Msg) error {
	if x.waiting {
		return ErrState
	}
	frames := x.s.frames(1 + len(m.Frames))
	frames = append(frames, []byte{})
	frames = append(frames, m.Frames...)
	p, err := x.out.send(x.s, Msg{Frames: frames})
	if err != nil {
		return err
	}
	if p == nil { // dropped by policy: no reply will come
		return nil
	}
	x.waiting = true
	x.reply = p
	x.s.direct = p.link
	return nil
}

func (x *reqProto) readable(p *pipe) {
	if p != x.reply {
		// Only the peer holding our request may answer; anything else is stale.
		p.in.Discard()
	}
}

func (x *reqProto) detach(p *pipe) {
	x.dealerProto.detach(p)
	x.in.fq.Remove(p)
}

func (x *reqProto) recv() (Msg, error) {
	if !x.waiting {
		return Msg{}, ErrState
	}
	for {
		m, ok, _ := x.reply.in.Pop()
		if !ok {
			return Msg{}, errWouldBlock
		}
		// The engine already dropped stream peers that break the envelope rule; inproc
		// peers are checked here.
		if len(m.Frames) < 2 || len(m.Frames[0]) != 0 {
			x.s.stats.dropMalformed.Add(1)
			continue
		}
		x.waiting = false
		x.reply = nil
		m.Frames = m.Frames[1:] // m keeps its claim on its buffers, for Release
		return m, nil
	}
}

// repProto: receives a request, remembers its envelope, and sends the reply back to the
// same peer (RFC 28, zmq-spec §3.4).
type repProto struct {
	noReconnect
	s        *Socket
	in       fqIn
	pending  bool
	env      [][]byte
	from     *pipe
	envBytes []byte // free part of the slab copyEnvelope carves from
}

func (x *repProto) attach(p *pipe) error { x.in.attach(p); return nil }
func (x *repProto) detach(p *pipe) {
	x.in.detach(p)
	if x.from == p {
		x.from = nil // the reply will be dropped
	}
}
func (x *repProto) readable(p *pipe) { x.in.readable(p) }
func (x *repProto) writable(p *pipe) {}

func (x *repProto) recv() (Msg, error) {
	if x.pending {
		return Msg{}, ErrState
	}
	for {
		m, p, ok := x.in.recv()
		if !ok {
			return Msg{}, errWouldBlock
		}
		env, body, ok := pattern.SplitEnvelope(m.Frames)
		if !ok || len(body) == 0 {
			x.s.stats.dropMalformed.Add(1)
			continue
		}
		x.pending = true
		x.from = p
		if envelopeInMemory(env) {
			// The envelope, kept for the reply, would share the message's memory,
			// which the application's Release may recycle: keep a copy instead.
			env = x.copyEnvelope(env)
		}
		x.env = env
		m.Frames = body // m keeps its claim, for Release and Properties
		return m, nil
	}
}

// copyEnvelope copies env into memory of the REP's own, carved from a slab that is
// never reused, so that a request's envelope costs no allocation of its own.
func (x *repProto) copyEnvelope(env [][]byte) [][]byte {
	out := x.s.frames(len(env))
	for _, f := range env {
		if len(x.envBytes) < len(f) {
			x.envBytes = make([]byte, max(4096, len(f)))
		}
		c := x.envBytes[:len(f):len(f)]
		x.envBytes = x.envBytes[len(f):]
		copy(c, f)
		out = append(out, c)
	}
	return out
}

// envelopeInMemory reports whether any envelope frame has bytes, which then live in
// the received message's memory. A REP talking to a REQ directly gets only the empty
// delimiter.
func envelopeInMemory(env [][]byte) bool {
	for _, f := range env {
		if len(f) > 0 {
			return true
		}
	}
	return false
}

func (x *repProto) send(m Msg) error {
	if !x.pending {
		return ErrState
	}
	x.pending = false
	p := x.from
	env := x.env
	x.env, x.from = nil, nil
	if p == nil || p.dead {
		x.s.stats.dropUnroutable.Add(1)
		return nil
	}
	frames := x.s.frames(len(env) + len(m.Frames))
	frames = append(frames, env...)
	frames = append(frames, m.Frames...)
	if ok, _ := p.out.Push(Msg{Frames: frames}); !ok {
		// A REP never blocks: a reply to a full or vanished peer is dropped.
		x.s.stats.dropHWM.Add(1)
		return nil
	}
	x.s.direct = p.link
	return nil
}

// routerProto: every received message starts with the sender's routing id, and the
// first frame of every sent message picks the peer (RFC 28, zmq-spec §3.6).
type routerProto struct {
	noReconnect
	s   *Socket
	in  fqIn
	ids *pattern.IDTable[*pipe]
}

func newRouterProto(s *Socket) *routerProto {
	return &routerProto{s: s, ids: pattern.NewIDTable[*pipe]()}
}

func (x *routerProto) attach(p *pipe) error {
	id, ok := x.ids.Add(p.identity, p)
	if !ok {
		if !x.s.opts.RouterHandover {
			return errDuplicateID
		}
		// ROUTER_HANDOVER: the old holder gets a generated id (its last messages
		// arrive under it) and is closed; the newcomer takes the id.
		old, _ := x.ids.Lookup(p.identity)
		old.routingID, _ = x.ids.Add(nil, old)
		x.s.detachLocked(old)
		if id, ok = x.ids.Add(p.identity, p); !ok {
			return errDuplicateID
		}
	}
	p.routingID = id
	x.s.probe(p)
	x.in.attach(p)
	return nil
}

func (x *routerProto) detach(p *pipe) {
	x.ids.Remove(p)
	x.in.detach(p)
}

func (x *routerProto) readable(p *pipe) { x.in.readable(p) }
func (x *routerProto) writable(p *pipe) {}

func (x *routerProto) recv() (Msg, error) {
	m, p, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	frames := x.s.frames(1 + len(m.Frames))
	frames = append(frames, x.s.copyBytes(p.routingID)) // the caller may keep or change it
	frames = append(frames, m.Frames...)
	m.Frames = frames
	return m, nil
}

func (x *routerProto) send(m Msg) error {
	if len(m.Frames) < 2 {
		// libzmq discards a message that is only a routing id.
		x.s.stats.dropUnroutable.Add(1)
		return nil
	}
	p, ok := x.ids.Lookup(m.Frames[0])
	if !ok || p.dead {
		if x.s.opts.RouterMandatory {
			return ErrHostUnreachable
		}
		x.s.stats.dropUnroutable.Add(1)
		return nil
	}
	body := Msg{Frames: m.Frames[1:]}
	queued, _ := x.s.pushReply(p, body)
	if queued {
		return nil
	}
	if !x.s.opts.RouterMandatory {
		x.s.stats.dropHWM.Add(1)
		return nil
	}
	return x.s.whenFull(body, func() *pipe { return p })
}
