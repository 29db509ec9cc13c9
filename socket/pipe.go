package socket

import (
	"github.com/brokerless/zmq/internal/queue"
)

// pipe is the socket's side of one peer: a bounded queue each way, and the link that
// carries them (see link). For a stream connection an engine moves bytes between the
// queues and the network; for inproc the queues are shared with the peer socket itself.
type pipe struct {
	s        *Socket
	in       *queue.Queue // messages from the peer
	out      *queue.Queue // messages to the peer
	endpoint string

	// Set before attach and, for a persistent pipe, on every reconnection (under s.mu).
	peerType  Type
	identity  []byte // the peer's Identity property
	routingID []byte // how a ROUTER addresses the peer
	minor     uint8  // the peer's ZMTP minor version; inproc counts as 3.1

	link   link // the current link, nil between connections (under s.mu)
	shared bool // the queues are the peer's too (inproc): nothing to discard or close
	// everything marks a multicast pipe: subscriptions do not cross it, so PUB sends
	// it every message and receivers filter for themselves.
	everything bool

	bind *binding // the binding that accepted the pipe, or nil (under s.mu)

	// persistent pipes belong to a connecter and outlive its connections.
	persistent  bool
	conn        *connecter
	connections int // connections made so far (persistent pipes)

	attached bool // known to the protocol (under s.mu)
	dead     bool // detached for good (under s.mu)

	inPending, outPending bool // under s.sig

	// Messages taken from in in one batch and not yet returned by Recv (under s.mu):
	// one queue lock per batch instead of per message.
	rbuf []Msg
	rpos int
}

// inLen reports the messages waiting for Recv from this pipe. s.mu must be held.
func (p *pipe) inLen() int { return len(p.rbuf) - p.rpos + p.in.Len() }

// next returns the pipe's next received message, refilling the batch from the queue
// when it runs out. s.mu must be held.
func (p *pipe) next() (m Msg, ok, empty bool) {
	if p.rpos == len(p.rbuf) {
		p.rbuf = p.in.PopAll(p.rbuf[:0])
		p.rpos = 0
		if len(p.rbuf) == 0 {
			return Msg{}, false, true
		}
	}
	m = p.rbuf[p.rpos]
	p.rbuf[p.rpos] = Msg{}
	p.rpos++
	if p.rpos == len(p.rbuf) {
		p.rbuf, p.rpos = p.rbuf[:0], 0
		return m, true, p.in.Len() == 0
	}
	return m, true, false
}

func newPipe(s *Socket, endpoint string) *pipe {
	p := &pipe{
		s:        s,
		in:       queue.New(s.opts.RecvHWM),
		out:      queue.New(s.opts.SendHWM),
		endpoint: endpoint,
		minor:    1,
	}
	p.in.OnReadable(func() { s.noteReadable(p) })
	p.out.OnWritable(func() { s.noteWritable(p) })
	return p
}

// terminate closes the pipe's queues and leaves its link to be stopped once s.mu is
// released. s.mu must be held.
func (p *pipe) terminate() {
	if !p.shared {
		// An inproc link's queues are closed by the link itself, from this side only:
		// what this side queued stays readable by the peer.
		p.in.Close()
		p.out.Close()
	}
	if p.link != nil {
		p.s.stopLater(p.link)
	}
}

// drained reports whether the pipe owes its peer nothing: no queued message, and a
// link that has handed everything on. s.mu must be held.
func (p *pipe) drained() bool {
	if p.link == nil {
		return p.shared || p.out.Len() == 0
	}
	if !p.shared && p.out.Len() > 0 {
		return false
	}
	return p.link.drained()
}
