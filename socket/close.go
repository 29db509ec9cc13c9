package socket

import (
	"context"
	"time"
)

// Close closes the socket. Messages already queued for connected peers get up to the
// Linger time to be written (Options.Linger); then every connection, listener and
// goroutine of the socket is stopped, and Close returns once they all have exited.
// Blocked Send and Recv calls return ErrClosed. Close on a socket that is closed, or
// closing in another goroutine, waits for that to finish and returns nil.
func (s *Socket) Close() error {
	ctx := context.Background()
	if s.opts.Linger > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.Linger)
		defer cancel()
	}
	_, err := s.close(ctx, s.opts.Linger >= 0)
	if err == ErrClosed {
		return nil
	}
	return err
}

// Shutdown closes the socket like Close, but waits for queued messages until ctx ends
// instead of for the Linger time. It returns ctx's error if messages were still queued
// when ctx ended. On a socket that is closed, or closing in another goroutine, it waits
// for that to finish and returns ErrClosed.
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

// close runs the teardown once. Later calls wait for the first to finish and return
// ErrClosed.
func (s *Socket) close(ctx context.Context, linger bool) (drained bool, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.closeWaiting.Add(1)
		<-s.closedCh
		s.closeWaiting.Add(-1)
		return true, ErrClosed
	}
	s.closed = true
	s.closing.Store(true)
	binds := s.binds
	s.binds = nil
	for _, b := range binds {
		b.unbound = true
	}
	s.mu.Unlock()
	s.wake()
	defer close(s.closedCh)

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
	s.stopWatchingLocked()
	conns := s.conns
	s.conns = nil
	for p := range s.pipes {
		s.detachLocked(p)
	}
	for _, c := range conns {
		s.dropConnecterLocked(c)
	}
	s.unlockStop()
	s.wg.Wait()
	s.emit(Event{Type: EventMonitorStopped})
	return drained, nil
}

// waitDrained waits until every peer has been handed everything queued for it, or ctx
// ends.
func (s *Socket) waitDrained(ctx context.Context) bool {
	// Links wake the socket when they go idle while it is closing. An ipc peer that
	// has yet to read what was written tells no one when it has: while one does, each
	// wait is bounded, from peerPollMin doubling to peerPollMax, and the socket looks
	// again.
	poll := peerPollMin
	for {
		s.mu.Lock()
		s.drainLocked()
		drained, awaitsPeer := s.drainedLocked()
		if drained {
			s.unlockStop()
			return true
		}
		if testHookLingerWait != nil {
			testHookLingerWait()
		}
		if !awaitsPeer {
			if !s.waitLocked(ctx) {
				s.unlockStop()
				return false
			}
			s.unlockStop()
			continue
		}
		waitCtx, cancel := context.WithTimeout(ctx, poll)
		s.waitLocked(waitCtx)
		cancel()
		s.unlockStop()
		if ctx.Err() != nil {
			return false
		}
		poll = min(2*poll, peerPollMax)
	}
}

// Bounds of a lingering Close's wait for ipc peers to read what was written.
const (
	peerPollMin = time.Millisecond
	peerPollMax = 50 * time.Millisecond
)

// testHookLingerWait, when set by a test, runs each time Close finds a peer not yet
// drained and is about to wait.
var testHookLingerWait func()

// drainedLocked reports whether no pipe owes its peer a message, and whether one
// that does waits only for an ipc peer to read what was written. s.mu must be held.
func (s *Socket) drainedLocked() (drained, awaitsPeer bool) {
	drained = true
	for p := range s.pipes {
		if p.drained() {
			continue
		}
		drained = false
		// An engine that has written everything yet is not drained waits for its
		// ipc peer to read (or has just been handed a message, which it reports
		// when written: looking again soon costs nothing then).
		if e, ok := p.link.(*engine); ok && e.idle.Load() {
			awaitsPeer = true
		}
	}
	return drained, awaitsPeer
}
