package socket

import (
	"context"
)

// Close closes the socket. Messages already queued for connected peers get up to the
// Linger time to be written (Options.Linger); then every connection, listener and
// goroutine of the socket is stopped, and Close returns once they all have exited.
// Blocked Send and Recv calls return ErrClosed. Close on a closed socket returns nil.
func (s *Socket) Close() error {
	ctx := context.Background()
	if s.opts.Linger > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.Linger)
		defer cancel()
	}
	_, err := s.close(ctx, s.opts.Linger >= 0)
	return err
}

// Shutdown closes the socket like Close, but waits for queued messages until ctx ends
// instead of for the Linger time. It returns ctx's error if messages were still queued
// when ctx ended, and ErrClosed if the socket was already closed.
func (s *Socket) Shutdown(ctx context.Context) error {
	drained, err := s.close(ctx, true)
	if err != nil {
		return err
	}
	if !drained {
		return ctx.Err()
	}
	return nil
}

func (s *Socket) close(ctx context.Context, linger bool) (drained bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		if linger && ctx.Err() == nil {
			return true, nil
		}
		return true, nil
	}
	s.closed = true
	s.closing.Store(true)
	binds := s.binds
	s.binds = nil
	s.mu.Unlock()
	s.wake()

	// No new peers from here on.
	for _, b := range binds {
		b.close()
	}

	drained = !linger
	if linger {
		drained = s.waitDrained(ctx)
	}

	s.cancel()
	s.wake() // anyone who waited again while Close lingered
	s.mu.Lock()
	s.drainLocked()
	conns := s.conns
	s.conns = nil
	for p := range s.pipes {
		s.detachLocked(p)
	}
	for _, c := range conns {
		c.stop()
		if c.inproc != nil {
			c.inproc.Close()
		}
		if c.pipe != nil {
			s.detachLocked(c.pipe)
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.emit(Event{Type: EventMonitorStopped})
	return drained, nil
}

// waitDrained waits until every stream peer has been written everything queued for it,
// or ctx ends.
func (s *Socket) waitDrained(ctx context.Context) bool {
	// Engines wake the socket when they go idle while it is closing.
	for {
		s.mu.Lock()
		s.drainLocked()
		if s.drainedLocked() {
			s.mu.Unlock()
			return true
		}
		if !s.waitLocked(ctx) {
			s.mu.Unlock()
			return false
		}
		s.mu.Unlock()
	}
}

// drainedLocked reports whether no stream pipe holds unwritten messages. Inproc pipes
// count as delivered: their queue is the peer's.
func (s *Socket) drainedLocked() bool {
	for p := range s.pipes {
		if p.isInproc() {
			continue
		}
		if p.out.Len() > 0 {
			return false
		}
		if p.eng != nil && !p.eng.idle.Load() {
			return false
		}
		if p.mcast != nil && p.mcast.busy.Load() {
			return false
		}
	}
	return true
}
