package socket

// The pipeline types of RFC 30: PUSH and PULL.

// pushProto: load-balanced sending, no receiving (RFC 30).
type pushProto struct {
	noReconnect
	s   *Socket
	out lbOut
}

func (x *pushProto) attach(p *pipe) error {
	x.s.conflate(p, false, true)
	x.out.attach(p)
	return nil
}

func (x *pushProto) detach(p *pipe)     { x.out.detach(p) }
func (x *pushProto) readable(p *pipe)   { p.in.Discard() }
func (x *pushProto) writable(p *pipe)   { x.out.writable(p) }
func (x *pushProto) recv() (Msg, error) { return Msg{}, ErrNotSupported }
func (x *pushProto) send(m Msg) error {
	if err := x.s.checkConflate(m); err != nil {
		return err
	}
	_, err := x.out.send(x.s, m)
	return err
}

// pullProto: fair-queued receiving, no sending (RFC 30).
type pullProto struct {
	noReconnect
	s  *Socket
	in fqIn
}

func (x *pullProto) attach(p *pipe) error {
	x.s.conflate(p, true, false)
	x.in.attach(p)
	return nil
}

func (x *pullProto) detach(p *pipe)   { x.in.detach(p) }
func (x *pullProto) readable(p *pipe) { x.in.readable(p) }
func (x *pullProto) writable(p *pipe) {}
func (x *pullProto) send(Msg) error   { return ErrNotSupported }
func (x *pullProto) recv() (Msg, error) {
	m, _, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	return m, nil
}
