package socket

// Per-connection behaviour that several protocols share, driven by Options.

// conflate makes p keep only the newest message in the directions the socket type
// uses for data (Options.Conflate): in for receiving, out for sending.
func (s *Socket) conflate(p *pipe, in, out bool) {
	if !s.opts.Conflate {
		return
	}
	if in {
		p.in.SetConflate(s.countConflated)
	}
	if out {
		p.out.SetConflate(s.countConflated)
	}
}

// checkConflate refuses what a conflating socket cannot send.
func (s *Socket) checkConflate(m Msg) error {
	if s.opts.Conflate && len(m.Frames) > 1 {
		return ErrMultipartConflate
	}
	return nil
}

// probe sends the empty message of Options.ProbeRouter to a new connection of p.
func (s *Socket) probe(p *pipe) {
	if s.opts.ProbeRouter && !p.everything {
		p.out.PushForce(Msg{Frames: [][]byte{{}}})
	}
}

// countConflated counts messages that Conflate replaced with newer ones.
func (s *Socket) countConflated(n int) { s.stats.dropConflated.Add(uint64(n)) }
