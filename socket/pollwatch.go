package socket

// A Watcher lets a select statement wait on a Poller's sockets alongside channels:
//
//	w := poller.Watch()
//	defer w.Stop()
//	for {
//		select {
//		case <-w.C:
//			for _, r := range w.Ready() {
//				// r.Socket is ready for r.Events: Recv or Send with an expired
//				// context, or any context, will not wait.
//			}
//		case job := <-jobs:
//			// ...
//		case <-ctx.Done():
//			return ctx.Err()
//		}
//	}
//
// A value on C is a hint, not a report: it says that one of the sockets changed (a
// message arrived, a queue drained, a peer came or went, a socket closed), or that the
// last Ready found something. Ready says what is actually ready, and may return
// nothing. C is buffered with room for one value and never blocks the sockets, so many
// changes may give one value; nothing is lost by that, because Ready looks at every
// socket that changed since the last Ready.
//
// Readiness stays level-triggered as with Wait: after a Ready that reported sockets, C
// fires again, so a socket that is still ready (a loop that received one of several
// queued messages) is reported again instead of waiting for the next change.
//
// A Watcher starts no goroutine. It keeps a hook in each of the Poller's sockets (and
// follows Add and Remove) until Stop, which must be called: a Watcher left running
// makes every change on those sockets signal it.
type Watcher struct {
	// C receives a value when a socket may have become ready.
	C <-chan struct{}

	p *Poller
	w *pollWait // nil once stopped (under p.mu)
}

// Watch returns a running Watcher for p's sockets. C fires at once, so that a first
// Ready finds the sockets that are ready already.
func (p *Poller) Watch() *Watcher {
	p.mu.Lock()
	w := p.startLocked()
	p.mu.Unlock()
	w.signal()
	return &Watcher{C: w.ch, p: p, w: w}
}

// Ready returns the sockets that are ready now, without waiting. It is Wait with a
// context that has ended, made cheap: only sockets that changed since the last Ready,
// and those it reported then, are looked at. A closed socket is reported once, with
// PollClosed, and leaves the Poller. After Stop, Ready returns nothing.
func (wt *Watcher) Ready() []Polled { return wt.AppendReady(nil) }

// AppendReady is Ready appending to dst.
func (wt *Watcher) AppendReady(dst []Polled) []Polled {
	p := wt.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if wt.w == nil {
		return dst
	}
	n := len(dst)
	dst = p.readyLocked(wt.w, dst)
	if len(dst) > n {
		wt.w.signal()
	}
	return dst
}

// Stop unhooks the Watcher from the sockets. C receives nothing more (a value already
// in it may remain). Stop may be called more than once.
func (wt *Watcher) Stop() {
	p := wt.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if wt.w != nil {
		p.stopLocked(wt.w)
		wt.w = nil
	}
}
