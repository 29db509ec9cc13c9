package socket

// link is what a pipe needs from whatever carries its messages to and from the peer: a
// stream engine (tcp, ipc), an inproc connection, or a multicast sender or receiver. A
// pipe holds at most one link at a time; a persistent pipe has none between connections.
//
// The socket never calls stop with s.mu held: stopping may close a connection, send a
// multicast FIN or wait for goroutines. detachLocked and friends collect the links to
// stop and unlockStop stops them once the lock is released.
type link interface {
	// stop ends the link and releases its connection. It is safe to call more than once
	// and from any goroutine.
	stop()
	// drained reports whether the link owes the peer nothing: every message the socket
	// queued has been handed to the network, or is already in the peer's hands.
	drained() bool
	// writeDirect writes a message just queued on the calling goroutine when that is
	// cheap and never blocks; links without such a path do nothing.
	writeDirect()
}

// stopLater records l to be stopped once s.mu is released. s.mu must be held.
func (s *Socket) stopLater(l link) {
	s.stopping = append(s.stopping, l)
}

// unlockStop releases s.mu, then stops the links that were detached while it was held.
func (s *Socket) unlockStop() {
	if len(s.stopping) == 0 {
		s.mu.Unlock()
		return
	}
	links := s.stopping
	s.stopping = nil
	s.mu.Unlock()
	for _, l := range links {
		l.stop()
	}
}
