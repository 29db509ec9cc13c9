package socket

// binding is one bound endpoint. Whatever the transport, the pipes accepted through it
// are listed in pipes, so Unbind can take them down with it.
type binding struct {
	requested string
	endpoint  string             // resolved
	stop      func()             // stops listening; set by the scheme's bind
	pipes     map[*pipe]struct{} // accepted through this binding (under s.mu)
	unbound   bool               // Unbind or Close took it down (under s.mu)
}

// Bind listens on endpoint: "tcp://127.0.0.1:5555", "tcp://*:*", "ipc:///tmp/feed",
// "ipc://@name", "inproc://name". A wildcard port or path is resolved; read it back with
// LastEndpoint or Endpoints. A socket may be bound to several endpoints.
//
// For stream transports Bind starts a goroutine that accepts connections until Unbind or
// Close, and a reader goroutine per accepted connection, with a writer goroutine while
// there is something to write (for the life of the connection with heartbeats).
func (s *Socket) Bind(endpoint string) error {
	e, sch, err := s.lookupScheme("bind", endpoint)
	if err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return &OpError{Op: "bind", Endpoint: endpoint, Err: ErrClosed}
	}
	b := &binding{requested: endpoint, endpoint: endpoint, pipes: make(map[*pipe]struct{})}
	if err := sch.bind(s, b, e); err != nil {
		s.emit(Event{Type: EventBindFailed, Endpoint: endpoint, Err: err})
		return &OpError{Op: "bind", Endpoint: endpoint, Err: err}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		b.close()
		return &OpError{Op: "bind", Endpoint: endpoint, Err: ErrClosed}
	}
	s.binds = append(s.binds, b)
	s.lastEP = b.endpoint
	s.mu.Unlock()
	s.emit(Event{Type: EventListening, Endpoint: b.endpoint})
	return nil
}

// close stops the binding's listener; its accept loop, if any, then exits.
func (b *binding) close() {
	if b.stop != nil {
		b.stop()
	}
}

// Unbind stops listening on endpoint, given as bound or as resolved, and closes the
// connections accepted through it.
func (s *Socket) Unbind(endpoint string) error {
	s.mu.Lock()
	var b *binding
	for i, x := range s.binds {
		if x.requested == endpoint || x.endpoint == endpoint {
			b = x
			s.binds = append(s.binds[:i], s.binds[i+1:]...)
			break
		}
	}
	if b == nil {
		s.mu.Unlock()
		return &OpError{Op: "unbind", Endpoint: endpoint, Err: ErrNotBound}
	}
	b.unbound = true
	for p := range b.pipes {
		s.detachLocked(p)
	}
	s.unlockStop()
	b.close()
	s.emit(Event{Type: EventClosed, Endpoint: b.endpoint})
	return nil
}
