package socket

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// Type is a ZeroMQ socket type.
type Type = wire.SocketType

// The eleven classic socket types.
const (
	Pair   = wire.Pair
	Pub    = wire.Pub
	Sub    = wire.Sub
	Req    = wire.Req
	Rep    = wire.Rep
	Dealer = wire.Dealer
	Router = wire.Router
	Pull   = wire.Pull
	Push   = wire.Push
	XPub   = wire.XPub
	XSub   = wire.XSub
)

// Dgram is libzmq's draft DGRAM type: each message is a UDP datagram, made of the
// peer's address ("IP:PORT") and a body. It binds udp:// endpoints only.
const Dgram = wire.Dgram

// errWouldBlock tells the blocking loop of Send or Recv to wait for a change.
var errWouldBlock = errors.New("socket: would block")

// Socket is a ZeroMQ socket. It is safe for concurrent use by multiple goroutines.
type Socket struct {
	typ   Type
	opts  Options
	proto protocol
	reg   *inproc.Registry

	mu           sync.Mutex
	closed       bool
	pipes        map[*pipe]struct{}
	binds        []*binding
	conns        []*connecter
	lastEP       string
	closing      atomic.Bool   // Close has started lingering
	closedCh     chan struct{} // closed when the first Close has finished
	closeWaiting atomic.Int32  // later Close and Shutdown calls waiting for the first

	// sig guards the notifications that other goroutines (engines, inproc peers) leave
	// for the socket. It is a leaf lock: nothing else is locked while it is held.
	sig        sync.Mutex
	readyIn    []*pipe
	readyOut   []*pipe
	dead       []*pipe
	waiters    []chan struct{} // goroutines blocked in Send, Recv or Close
	freeWait   []chan struct{} // wake-up channels to reuse, so waiting does not allocate
	pendingAny bool
	pending    atomic.Bool // mirrors pendingAny, so the hot path can skip s.sig
	watchers   []*pollHook // Pollers waiting on the socket, told of every change
	watched    atomic.Bool // len(watchers) > 0, so Send and Recv can skip s.sig

	ctx    context.Context // the socket's lifetime; cancelled when teardown starts
	cancel context.CancelFunc
	done   <-chan struct{} // ctx.Done()

	slab      [][]byte // frame-list slab for envelopes (under s.mu)
	slabUsed  int
	bslab     []byte // byte slab for routing ids handed to the application (under s.mu)
	bslabUsed int

	// Reading on Recv's goroutine (direct.go).
	solo     *pipe                  // the only attached pipe, or nil (under s.mu)
	reading  atomic.Pointer[engine] // the engine a Recv reads directly right now
	parkable atomic.Pointer[engine] // the engine whose reader was asked to park

	// Writing a reply on the caller's goroutine (pushReply).
	replying  bool                 // this Send follows a Recv (under s.mu)
	recvMark  uint64               // s.recvd.msgs at the last Send (under s.mu)
	replyPipe atomic.Pointer[pipe] // the pipe pushReply is pushing to

	watchedDone <-chan struct{} // the context whose end kicks a direct read (under s.mu)
	stopWatch   func() bool     // removes that registration (under s.mu)

	spareIn, spareOut []*pipe // drainLocked's recycled lists (under s.mu)
	direct            link    // set by a protocol's send: write on the caller's goroutine
	stopping          []link  // detached links to stop once s.mu is released (under s.mu)
	goneStats         Stats   // what detached links counted themselves (under s.mu)
	sent, recvd       traffic // counted under s.mu, which Send and Recv hold anyway
	wg                sync.WaitGroup
	stats             counters
}

// New returns a socket of type t configured by opts.
func New(t Type, opts Options) (*Socket, error) {
	if !knownType(t) {
		return nil, ErrBadType
	}
	if err := opts.validate(t); err != nil {
		return nil, err
	}
	s := &Socket{
		typ:      t,
		opts:     opts.normalize(t),
		reg:      inproc.Default,
		pipes:    make(map[*pipe]struct{}),
		closedCh: make(chan struct{}),
	}
	if opts.InprocRegistry != nil {
		s.reg = opts.InprocRegistry
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.done = s.ctx.Done()
	s.proto = newProtocol(s)
	return s, nil
}

// Type returns the socket's type.
func (s *Socket) Type() Type { return s.typ }

// Options returns the socket's options with every default filled in.
func (s *Socket) Options() Options { return s.opts }

// LastEndpoint returns the resolved endpoint of the latest Bind, such as
// "tcp://127.0.0.1:41234" after Bind("tcp://127.0.0.1:*").
func (s *Socket) LastEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastEP
}

// Endpoints returns the resolved endpoints the socket is bound to.
func (s *Socket) Endpoints() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	eps := make([]string, 0, len(s.binds))
	for _, b := range s.binds {
		eps = append(eps, b.endpoint)
	}
	return eps
}

// Send sends m as one message, routed as the socket type says. It blocks while the
// socket must wait (no peer, or every suitable peer at its high-water mark, under the
// PolicyBlock) until ctx ends; a call whose ctx is already done still succeeds when it
// does not need to wait. Send takes ownership of m's frames.
func (s *Socket) Send(ctx context.Context, m Msg) error { return s.send(ctx, m, nil) }

// send is Send, with the routing metadata of SendTo and SendGroup when a is not nil.
func (s *Socket) send(ctx context.Context, m Msg, a *meta) error {
	if len(m.Frames) == 0 {
		return ErrEmptyMsg
	}
	var ap addressed
	if a != nil {
		if ap = s.addressed(); ap == nil {
			return errNoMeta(s.typ)
		}
	}
	// A sent message may reach several receivers (PUB, inproc), so it must carry no
	// claim on its buffers that a receiver's Release could act on.
	m = Msg{Frames: m.Frames}
	s.mu.Lock()
	for {
		if s.closed {
			s.unlockStop()
			return ErrClosed
		}
		s.drainLocked()
		s.replying = s.recvd.msgs != s.recvMark
		var err error
		if ap == nil {
			err = s.proto.send(m)
		} else {
			err = ap.sendTo(*a, m) // by value: a stays on the caller's stack
		}
		if err != errWouldBlock {
			direct := s.direct
			s.direct = nil
			if err == nil {
				s.sent.msgs++
				s.sent.bytes += uint64(m.Size())
				s.recvMark = s.recvd.msgs
				if s.watched.Load() { // REP may now receive again
					s.notifyWatchers()
				}
			}
			s.unlockStop()
			if direct != nil {
				direct.writeDirect()
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			s.unlockStop()
			return err
		}
		if !s.waitLocked(ctx) {
			s.unlockStop()
			return ctx.Err()
		}
	}
}

// Recv returns the next message for the application, blocking until one arrives or ctx
// ends. A call whose ctx is already done still returns a message that is ready.
func (s *Socket) Recv(ctx context.Context) (Msg, error) { return s.recv(ctx, nil) }

// recv is Recv, filling in the routing metadata for RecvFrom and RecvGroup when a is
// not nil.
func (s *Socket) recv(ctx context.Context, a *meta) (Msg, error) {
	var ap addressed
	if a != nil {
		if ap = s.addressed(); ap == nil {
			return Msg{}, errNoMeta(s.typ)
		}
	}
	s.mu.Lock()
	for {
		if s.closed {
			s.unlockStop()
			return Msg{}, ErrClosed
		}
		s.drainLocked()
		var m Msg
		var err error
		if ap == nil {
			m, err = s.proto.recv()
		} else {
			var got meta
			m, got, err = ap.recvFrom()
			*a = got
		}
		if err != errWouldBlock {
			if err == nil {
				s.recvd.msgs++
				s.recvd.bytes += uint64(m.Size())
				if s.watched.Load() { // REQ and REP may now send again
					s.notifyWatchers()
				}
			}
			s.unlockStop()
			return m, err
		}
		if err := ctx.Err(); err != nil {
			s.unlockStop()
			return Msg{}, err
		}
		if s.readDirect(ctx) {
			continue
		}
		if !s.waitLocked(ctx) {
			s.unlockStop()
			return Msg{}, ctx.Err()
		}
	}
}

// copyBytes returns a copy of b carved from a shared slab, so that a routing id handed
// to the application is the application's own without an allocation per message.
// s.mu must be held.
func (s *Socket) copyBytes(b []byte) []byte {
	if len(s.bslab)-s.bslabUsed < len(b) {
		s.bslab = make([]byte, max(4096, len(b)))
		s.bslabUsed = 0
	}
	end := s.bslabUsed + len(b)
	c := s.bslab[s.bslabUsed:end:end] // a full slice: appending to it cannot clobber the next copy
	copy(c, b)
	s.bslabUsed = end
	return c
}

// frames returns an empty frame list with room for n frames, carved from a shared
// slab so that adding or removing envelope frames does not allocate per message.
// s.mu must be held.
func (s *Socket) frames(n int) [][]byte {
	if len(s.slab)-s.slabUsed < n {
		s.slab = make([][]byte, max(1024, n))
		s.slabUsed = 0
	}
	f := s.slab[s.slabUsed : s.slabUsed : s.slabUsed+n]
	s.slabUsed += n
	return f
}

// waitLocked releases s.mu until something changes (a pipe event, a wake-up, Close),
// or ctx ends, and takes it again. It reports false when ctx ended.
func (s *Socket) waitLocked(ctx context.Context) bool {
	s.sig.Lock()
	if s.pendingAny {
		s.sig.Unlock()
		return true
	}
	var ch chan struct{}
	if n := len(s.freeWait); n > 0 {
		ch = s.freeWait[n-1]
		s.freeWait = s.freeWait[:n-1]
		select { // a wake-up left over from an earlier wait
		case <-ch:
		default:
		}
	} else {
		ch = make(chan struct{}, 1)
	}
	s.waiters = append(s.waiters, ch)
	s.sig.Unlock()
	s.unlockStop()
	// Close wakes every waiter after marking the socket closed, so only ch and ctx
	// need watching; a context that can never end (Background) needs no select at all.
	ok := true
	if done := ctx.Done(); done == nil {
		<-ch
	} else {
		select {
		case <-ch:
		case <-done:
			ok = false
		}
	}
	s.mu.Lock()
	s.sig.Lock()
	for i, w := range s.waiters {
		if w == ch {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			break
		}
	}
	s.freeWait = append(s.freeWait, ch)
	s.sig.Unlock()
	return ok
}

// wakeLocked wakes every goroutine waiting in Send, Recv or Close, and tells waiting
// Pollers. s.sig must be held.
func (s *Socket) wakeLocked() {
	for _, w := range s.waiters {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	s.waiters = s.waiters[:0]
	for _, h := range s.watchers {
		h.notify()
	}
}

// wake wakes waiters, and leaves a mark so that a goroutine about to wait looks again
// instead: without it a wake-up between a check and the wait would be lost.
func (s *Socket) wake() {
	s.sig.Lock()
	s.pendingAny = true
	s.pending.Store(true)
	s.wakeLocked()
	s.sig.Unlock()
	s.kickReader(nil)
}

// noteReadable, noteWritable and noteDead record a pipe event for the socket to process
// under s.mu, and wake waiters. They may be called from any goroutine, with any lock
// other than s.sig held.
func (s *Socket) noteReadable(p *pipe) { s.note(&s.readyIn, &p.inPending, p) }
func (s *Socket) noteWritable(p *pipe) { s.note(&s.readyOut, &p.outPending, p) }
func (s *Socket) noteDead(p *pipe)     { s.note(&s.dead, nil, p) }

// note appends p to list unless *listed says it is there already.
func (s *Socket) note(list *[]*pipe, listed *bool, p *pipe) {
	s.sig.Lock()
	if listed == nil || !*listed {
		if listed != nil {
			*listed = true
		}
		*list = append(*list, p)
		s.pendingAny = true
		s.pending.Store(true)
	}
	s.wakeLocked()
	s.sig.Unlock()
	s.kickReader(p)
}

// drainLocked applies the recorded pipe events. s.mu must be held.
func (s *Socket) drainLocked() {
	if !s.pending.Load() {
		return
	}
	s.sig.Lock()
	if !s.pendingAny {
		s.sig.Unlock()
		return
	}
	in, out, dead := s.readyIn, s.readyOut, s.dead
	s.readyIn, s.readyOut, s.dead = s.spareIn[:0], s.spareOut[:0], nil
	for _, p := range in {
		p.inPending = false
	}
	for _, p := range out {
		p.outPending = false
	}
	s.pendingAny = false
	s.pending.Store(false)
	s.sig.Unlock()

	for _, p := range in {
		// A dead pipe keeps its place in the fair queue until drained; it needs no
		// more notifications, and must not feed a PUB's subscriptions.
		if p.attached && !p.dead {
			s.proto.readable(p)
		}
	}
	for _, p := range out {
		if p.attached && !p.dead {
			s.proto.writable(p)
		}
	}
	for _, p := range dead {
		s.detachLocked(p)
	}
	clear(in)
	clear(out)
	s.spareIn, s.spareOut = in[:0], out[:0]
}

// attachLocked hands a new pipe to the protocol. A refused pipe is closed.
func (s *Socket) attachLocked(p *pipe) bool {
	if p.attached || p.dead {
		return p.attached
	}
	if s.closed {
		p.terminate()
		return false
	}
	if err := s.proto.attach(p); err != nil {
		s.emit(Event{Type: EventClosed, Endpoint: p.endpoint, Err: err})
		p.dead = true
		p.terminate()
		return false
	}
	p.attached = true
	s.pipes[p] = struct{}{}
	s.setSoloLocked()
	// Messages may have arrived before the protocol knew the pipe.
	if p.in.Len() > 0 {
		s.proto.readable(p)
	}
	s.sig.Lock()
	s.wakeLocked()
	s.sig.Unlock()
	s.kickReader(p)
	return true
}

// detachLocked removes a pipe whose peer is gone. Its link is stopped once s.mu is
// released (unlockStop). s.mu must be held.
func (s *Socket) detachLocked(p *pipe) {
	if p.dead {
		return
	}
	p.dead = true
	if p.attached {
		s.proto.detach(p)
		delete(s.pipes, p)
		s.setSoloLocked()
	}
	if p.bind != nil {
		delete(p.bind.pipes, p)
	}
	if l, ok := p.link.(statsLink); ok {
		l.addStats(&s.goneStats)
	}
	if !p.shared {
		if n := p.out.Discard(); n > 0 {
			s.stats.dropDisconnect.Add(uint64(n))
		}
	}
	p.terminate()
	s.sig.Lock()
	s.wakeLocked()
	s.sig.Unlock()
	s.kickReader(p)
}

// setSoloLocked records the only attached pipe after a change, and sends a reader
// parked for direct reads back to reading once there is more than one. s.mu must be
// held.
func (s *Socket) setSoloLocked() {
	s.solo = nil
	switch len(s.pipes) {
	case 0:
	case 1:
		for p := range s.pipes {
			s.solo = p
		}
	default:
		s.resumeParked()
	}
}
