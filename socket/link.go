package socket

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/internal/queue"
)

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

// stopper ends a connection-backed link once, remembering the first real failure. The
// stream engine and STREAM's raw link embed it: each runs a reader and a writer, and
// whichever fails first stops both.
type stopper struct {
	quit     chan struct{} // closed by stop
	quitOnce sync.Once
	closer   io.Closer // the connection, closed by stop to unblock its reader and writer
	cause    atomic.Pointer[error]
}

func newStopper(c io.Closer) stopper { return stopper{quit: make(chan struct{}), closer: c} }

// stop makes both loops return and closes the connection.
func (st *stopper) stop() {
	st.quitOnce.Do(func() {
		close(st.quit)
		st.closer.Close()
	})
}

// stopping reports whether stop has been called.
func (st *stopper) stopping() bool {
	select {
	case <-st.quit:
		return true
	default:
		return false
	}
}

// fail stops the link and records err as the reason, unless the link was already
// stopping: then err is only an echo of the shutdown (a closed connection).
func (st *stopper) fail(err error) {
	select {
	case <-st.quit:
	default:
		if err != nil && !errors.Is(err, errStopped) {
			st.cause.CompareAndSwap(nil, &err)
		}
	}
	st.stop()
}

// runPair runs write on a new goroutine and read on this one until either fails or the
// link is stopped, waits for both, and returns the first real failure, or errStopped.
func (st *stopper) runPair(read, write func() error) error {
	var wg sync.WaitGroup
	wg.Go(func() { st.fail(write()) })
	st.fail(read())
	wg.Wait()
	return st.result()
}

// result returns the first real failure, or errStopped if the link was stopped from
// outside.
func (st *stopper) result() error {
	if cause := st.cause.Load(); cause != nil {
		return *cause
	}
	return errStopped
}

// errStopped is the reason of a link stopped from outside rather than failed.
var errStopped = errors.New("socket: engine stopped")

// pushWaiting queues m on q, waiting for a signal on room while q is full, so that a
// reader stops reading and the transport pushes back on the peer. It reports false if
// q is closed or quit closes first.
func pushWaiting(q *queue.Queue, m Msg, room, quit <-chan struct{}) bool {
	for {
		ok, full := q.Push(m)
		if ok {
			return true
		}
		if !full { // closed
			return false
		}
		select {
		case <-room:
		case <-quit:
			return false
		}
	}
}

// attachDatagramPipe attaches a pipe over l, a connectionless link (a multicast or udp
// endpoint) made by the binding b or the connecter conn, and calls start to run its
// loops while the socket's lock is still held, so that Close cannot come between. A
// pipe that sends wakes its sender through wake when messages are queued; one that
// does not drops what the socket queues for it (subscriptions, joins), as its
// receiving side filters what arrives by itself.
func (s *Socket) attachDatagramPipe(l link, endpoint string, b *binding, conn *connecter, wake chan struct{}, send bool, start func(p *pipe)) error {
	p := newPipe(s, endpoint)
	p.link = l
	p.everything = true
	p.conn = conn
	p.bind = b
	if conn != nil {
		conn.pipe = p
	}
	if send {
		p.out.OnReadable(func() { signal(wake) })
	} else {
		p.out.OnReadable(func() { p.out.Discard() })
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.stop()
		return ErrClosed
	}
	if !s.attachLocked(p) {
		s.unlockStop()
		return ErrPeerRefused
	}
	if b != nil {
		b.pipes[p] = struct{}{}
	}
	start(p)
	s.mu.Unlock()
	return nil
}
