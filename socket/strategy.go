package socket

import "github.com/brokerless/zmq/pattern"

// lbOut sends each message to one pipe with room, round-robin (libzmq's lb): PUSH,
// DEALER, REQ and PAIR.
type lbOut struct {
	lb  pattern.LoadBalancer[*pipe]
	all []*pipe
	rr  int
}

func (o *lbOut) attach(p *pipe) {
	o.lb.Attach(p)
	o.all = append(o.all, p)
	if p.out.Full() {
		o.lb.Deactivate(p)
	}
}

func (o *lbOut) detach(p *pipe) {
	o.lb.Remove(p)
	for i, x := range o.all {
		if x == p {
			o.all = append(o.all[:i], o.all[i+1:]...)
			break
		}
	}
}

func (o *lbOut) writable(p *pipe) { o.lb.Activate(p) }

// send queues m on the next pipe with room and returns it. When no pipe has room the
// socket's policy decides.
func (o *lbOut) send(s *Socket, m Msg) (*pipe, error) {
	for {
		p, ok := o.lb.Next()
		if !ok {
			break
		}
		queued, full := s.pushReply(p, m)
		if full || !queued {
			o.lb.Deactivate(p)
		}
		if queued {
			return p, nil
		}
	}
	return nil, s.whenFull(m, o.victim)
}

// victim picks the pipe that loses its oldest message under PolicyDropOldest.
func (o *lbOut) victim() *pipe {
	if len(o.all) == 0 {
		return nil
	}
	o.rr = (o.rr + 1) % len(o.all)
	return o.all[o.rr]
}

// whenFull applies the socket's policy to m when no suitable pipe has room. victim
// returns the pipe to evict from under PolicyDropOldest (nil when there is none).
func (s *Socket) whenFull(m Msg, victim func() *pipe) error {
	switch s.opts.WhenFull {
	case PolicyFail:
		return ErrQueueFull
	case PolicyDropNewest:
		s.stats.dropHWM.Add(1)
		return nil
	case PolicyDropOldest:
		p := (*pipe)(nil)
		if victim != nil {
			p = victim()
		}
		if p == nil {
			s.stats.dropNoPeers.Add(1)
			return nil
		}
		if dropped, ok := p.out.ReplaceOldest(m); !ok {
			s.stats.dropHWM.Add(1)
		} else if dropped {
			s.stats.dropOldest.Add(1)
		}
		return nil
	}
	return errWouldBlock
}

// fqIn receives from pipes with messages in turn (libzmq's fq). A pipe whose peer has
// gone stays until its queued messages are read.
type fqIn struct {
	fq pattern.FairQueue[*pipe]
}

func (f *fqIn) attach(p *pipe) {
	f.fq.Attach(p)
	if p.inLen() == 0 {
		f.fq.Deactivate(p)
	}
}

// detach forgets p once its queued messages are read: a peer's last words are
// delivered even after it has gone.
func (f *fqIn) detach(p *pipe) {
	if p.inLen() == 0 {
		f.fq.Remove(p)
		return
	}
	f.fq.Activate(p)
}

func (f *fqIn) readable(p *pipe) { f.fq.Activate(p) }

// recv pops the next message and the pipe it came from.
func (f *fqIn) recv() (Msg, *pipe, bool) {
	for {
		p, ok := f.fq.Next()
		if !ok {
			return Msg{}, nil, false
		}
		m, ok, empty := p.next()
		if empty {
			f.fq.Deactivate(p)
			if p.dead {
				f.fq.Remove(p)
			}
		}
		if ok {
			return m, p, true
		}
	}
}

// pushReply queues m on p. When the message answers one the socket received (a Send
// after a Recv) and p, a stream connection, is the socket's only peer, the caller then
// writes it itself (writeDirect) instead of waking the connection's writer: a DEALER
// or PAIR in a round trip saves a goroutine wake-up per message, as REQ and REP do. A
// stream of Sends still goes through the writer, which batches it; so do the replies
// of a socket with many peers, whose writers write in parallel with the application
// (measured: a ROUTER serving 1000 DEALERs answered 2.6 times fewer requests per
// second when it wrote its replies itself). s.mu must be held.
func (s *Socket) pushReply(p *pipe, m Msg) (queued, full bool) {
	e, ok := p.link.(*engine)
	if !s.replying || !ok || s.solo != p {
		return p.out.Push(m)
	}
	s.replyPipe.Store(p) // the engine's notification leaves the writer asleep
	queued, full = p.out.Push(m)
	s.replyPipe.Store(nil)
	if queued {
		s.direct = e
	}
	return queued, full
}
