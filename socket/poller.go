package socket

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// PollEvents is a set of conditions a Poller waits for and reports.
type PollEvents uint8

const (
	// PollIn means Recv would return a message without waiting: for a REQ only when
	// its reply is there, for a SUB only a message it subscribed to.
	PollIn PollEvents = 1 << iota
	// PollOut means Send would finish without waiting, as the socket type, its state
	// (a REQ with a request out cannot send), its peers' high-water marks and
	// Options.WhenFull decide. Under PolicyFail it also means Send would not fail with
	// ErrQueueFull. A ROUTER or PUB cannot know where the next message goes: a plain
	// ROUTER always reports PollOut (it drops what it cannot route), a mandatory one
	// when some peer has room, and a PUB under PolicyBlock or PolicyFail when no subscriber is at
	// its high-water mark.
	PollOut
	// PollClosed means the socket is closed. It is reported whether or not it was
	// asked for, and the Poller then forgets the socket.
	PollClosed
)

// String returns the set as "in|out", "closed" and the like, or "none".
func (e PollEvents) String() string {
	if e == 0 {
		return "none"
	}
	var names []string
	for _, f := range []struct {
		e    PollEvents
		name string
	}{{PollIn, "in"}, {PollOut, "out"}, {PollClosed, "closed"}} {
		if e&f.e != 0 {
			names = append(names, f.name)
			e &^= f.e
		}
	}
	if e != 0 {
		names = append(names, "?")
	}
	return strings.Join(names, "|")
}

// Polled is a socket found ready by a Poller, and what it is ready for.
type Polled struct {
	Socket *Socket
	Events PollEvents
}

// A Poller waits on several sockets at once, like zmq_poll: for a message to receive
// (PollIn) or room to send (PollOut). It is what a broker uses to serve a frontend and
// a backend from one goroutine. The zero Poller is empty and ready to use; a Poller is
// safe for concurrent use, and several goroutines may Wait on one at the same time.
//
// Readiness is level-triggered: a socket is reported on every Wait for as long as it
// stays ready. A socket found ready may stop being ready before the caller acts on it
// if another goroutine receives from or sends on it too.
//
// A Poller starts no goroutines, and hooks into its sockets only while a Wait is in
// progress or a Watcher runs: a Poller nobody uses any more needs no closing, and a
// socket in a Poller costs nothing while nobody waits on it.
type Poller struct {
	mu    sync.Mutex
	items []pollItem
	waits []*pollWait // Waits in progress and running Watchers
	free  []*pollWait // finished Waits, kept so that waiting does not allocate
}

type pollItem struct {
	s      *Socket
	events PollEvents
}

// pollWait is one Wait in progress or one Watcher: a hook registered with each socket
// of the Poller, all signalling one channel.
type pollWait struct {
	ch    chan struct{}
	hooks []*pollHook // hooks[i] watches items[i]
	spare []*pollHook // unregistered hooks to reuse
}

// pollHook is how a socket tells one pollWait that something changed: a message
// arrived, a queue drained, a peer came or went, a REQ or REP changed state, or the
// socket closed.
type pollHook struct {
	ch    chan struct{}
	fired atomic.Bool // the socket changed since it was last checked
}

// notify runs under the socket's s.sig, from any goroutine; it never blocks.
func (h *pollHook) notify() {
	h.fired.Store(true)
	select {
	case h.ch <- struct{}{}:
	default:
	}
}

// NewPoller returns an empty Poller.
func NewPoller() *Poller { return new(Poller) }

// Add adds s to the sockets p waits on, for the events in events (PollIn, PollOut or
// both). Adding a socket again replaces its events; events of 0 keep s in the Poller
// but wait only for it to close. Waits in progress take the change into account.
// Add panics if s is nil.
func (p *Poller) Add(s *Socket, events PollEvents) {
	if s == nil {
		panic("socket: Poller.Add of a nil Socket")
	}
	events &= PollIn | PollOut
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.items {
		if p.items[i].s == s {
			p.items[i].events = events
			for _, w := range p.waits {
				w.hooks[i].notify()
			}
			return
		}
	}
	p.items = append(p.items, pollItem{s: s, events: events})
	for _, w := range p.waits {
		h := w.hook()
		s.watch(h)
		w.hooks = append(w.hooks, h)
		h.notify()
	}
}

// Remove takes s out of p. Removing a socket p does not hold does nothing.
func (p *Poller) Remove(s *Socket) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removeLocked(s)
}

func (p *Poller) removeLocked(s *Socket) {
	for i := range p.items {
		if p.items[i].s != s {
			continue
		}
		p.items = slices.Delete(p.items, i, i+1)
		for _, w := range p.waits {
			h := w.hooks[i]
			s.unwatch(h)
			w.hooks = slices.Delete(w.hooks, i, i+1)
			w.spare = append(w.spare, h)
		}
		return
	}
}

// Len returns the number of sockets in p.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// Wait waits until at least one of p's sockets is ready for one of its events, or is
// closed, and returns every socket that is, in the order they were added. It returns
// ctx.Err() when ctx ends first; a call whose ctx is already done still reports the
// sockets that are ready, as Send and Recv do. Wait on an empty Poller waits for an
// Add or for ctx.
func (p *Poller) Wait(ctx context.Context) ([]Polled, error) {
	return p.AppendWait(ctx, nil)
}

// AppendWait is Wait appending to dst, so that a loop can reuse one slice and wait
// without allocating.
func (p *Poller) AppendWait(ctx context.Context, dst []Polled) ([]Polled, error) {
	n := len(dst)
	// A socket that is ready already needs no hooks.
	p.mu.Lock()
	dst = p.checkAllLocked(dst)
	if len(dst) > n {
		p.mu.Unlock()
		return dst, nil
	}
	if err := ctx.Err(); err != nil {
		p.mu.Unlock()
		return dst, err
	}
	w := p.startLocked()
	p.mu.Unlock()
	defer p.finish(w)

	done := ctx.Done()
	for {
		p.mu.Lock()
		dst = p.readyLocked(w, dst)
		p.mu.Unlock()
		if len(dst) > n {
			return dst, nil
		}
		select {
		case <-w.ch:
		case <-done:
			return dst, ctx.Err()
		}
	}
}

// checkAllLocked appends the ready sockets to dst. p.mu must be held.
func (p *Poller) checkAllLocked(dst []Polled) []Polled {
	n := len(dst)
	closed := false
	for _, it := range p.items {
		if ev := it.s.pollReady(it.events); ev != 0 {
			dst = append(dst, Polled{Socket: it.s, Events: ev})
			closed = closed || ev&PollClosed != 0
		}
	}
	if closed {
		p.forgetClosedLocked(dst[n:])
	}
	return dst
}

// readyLocked checks the sockets that changed since w last looked and appends the
// ready ones to dst. A socket it reports is looked at again next time, since it may
// well still be ready. p.mu must be held.
func (p *Poller) readyLocked(w *pollWait, dst []Polled) []Polled {
	n := len(dst)
	closed := false
	for i, it := range p.items {
		h := w.hooks[i]
		// Clear the mark before looking: a change during the look marks it again.
		if !h.fired.Swap(false) {
			continue
		}
		if ev := it.s.pollReady(it.events); ev != 0 {
			dst = append(dst, Polled{Socket: it.s, Events: ev})
			h.fired.Store(true)
			closed = closed || ev&PollClosed != 0
		}
	}
	if closed {
		p.forgetClosedLocked(dst[n:])
	}
	return dst
}

// forgetClosedLocked removes the sockets reported closed in found.
func (p *Poller) forgetClosedLocked(found []Polled) {
	for _, f := range found {
		if f.Events&PollClosed != 0 {
			p.removeLocked(f.Socket)
		}
	}
}

// startLocked registers a new pollWait with every socket, each hook marked so that the
// first look checks every socket. p.mu must be held.
func (p *Poller) startLocked() *pollWait {
	var w *pollWait
	if k := len(p.free); k > 0 {
		w = p.free[k-1]
		p.free = p.free[:k-1]
		select { // a signal left from its last use
		case <-w.ch:
		default:
		}
	} else {
		w = &pollWait{ch: make(chan struct{}, 1)}
	}
	for _, it := range p.items {
		h := w.hook()
		h.fired.Store(true)
		it.s.watch(h)
		w.hooks = append(w.hooks, h)
	}
	p.waits = append(p.waits, w)
	return w
}

// stopLocked unregisters w from every socket. p.mu must be held.
func (p *Poller) stopLocked(w *pollWait) {
	if i := slices.Index(p.waits, w); i >= 0 {
		p.waits = slices.Delete(p.waits, i, i+1)
	}
	for i, h := range w.hooks {
		p.items[i].s.unwatch(h)
		w.spare = append(w.spare, h)
		w.hooks[i] = nil
	}
	w.hooks = w.hooks[:0]
}

// finish ends a Wait and keeps its pollWait for the next one.
func (p *Poller) finish(w *pollWait) {
	p.mu.Lock()
	p.stopLocked(w)
	p.free = append(p.free, w)
	p.mu.Unlock()
}

// signal makes the next receive from w.ch succeed.
func (w *pollWait) signal() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// hook returns an unregistered hook that signals w.ch.
func (w *pollWait) hook() *pollHook {
	if k := len(w.spare); k > 0 {
		h := w.spare[k-1]
		w.spare[k-1] = nil
		w.spare = w.spare[:k-1]
		h.fired.Store(false)
		return h
	}
	return &pollHook{ch: w.ch}
}

// pollReady reports which of events s is ready for, or PollClosed.
func (s *Socket) pollReady(events PollEvents) PollEvents {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return PollClosed
	}
	s.drainLocked()
	var ev PollEvents
	if events&PollIn != 0 && s.proto.canRecv() {
		ev |= PollIn
	}
	if events&PollOut != 0 && s.proto.canSend() {
		ev |= PollOut
	}
	return ev
}

// watch registers h to hear of every change to s.
func (s *Socket) watch(h *pollHook) {
	s.sig.Lock()
	s.watchers = append(s.watchers, h)
	s.watched.Store(true)
	s.sig.Unlock()
	s.resumeParked() // a Poller waits for the reader's deliveries
	s.kickReader(nil)
}

// unwatch undoes watch.
func (s *Socket) unwatch(h *pollHook) {
	s.sig.Lock()
	for i, x := range s.watchers {
		if x == h {
			last := len(s.watchers) - 1
			s.watchers[i] = s.watchers[last]
			s.watchers[last] = nil
			s.watchers = s.watchers[:last]
			break
		}
	}
	s.watched.Store(len(s.watchers) > 0)
	s.sig.Unlock()
}

// notifyWatchers tells waiting Pollers that Send or Recv changed the socket's state.
func (s *Socket) notifyWatchers() {
	s.sig.Lock()
	for _, h := range s.watchers {
		h.notify()
	}
	s.sig.Unlock()
}
