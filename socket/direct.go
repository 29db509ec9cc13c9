package socket

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/brokerless/zmq/transport/ws"
	"github.com/brokerless/zmq/wire"
)

// Reading on the caller's goroutine.
//
// An engine's reader goroutine reads the connection and hands batches of messages to
// the pipe, where Recv takes them. When Recv waits for each message as it comes, as a
// REQ or REP does in a round trip and a PULL that keeps up with its pusher does, that
// hand-off is most of what a message costs: the network wakes the reader, the reader
// wakes Recv, and on a machine with more than one CPU the second wake-up often crosses
// to another one. So a Recv on a socket whose only peer is a stream connection reads
// the connection itself while the reader goroutine is parked: the network wakes the
// goroutine that wants the message, and nothing else.
//
// The hand-over is lazy in both directions:
//   - A Recv that finds nothing queued, while the reader goroutine is reading, asks for
//     the connection (wantDirect) and waits as usual. The reader parks at its next
//     pause, when it has handed on everything decoded and would otherwise wait for the
//     network, and wakes the socket's waiters so that the Recv reads from then on.
//   - A parked reader holds a lease (directLease). Each time it ends, unless a direct
//     read is running, the reader goes back to reading if no Recv read directly in the
//     meantime, or if bytes wait unread, so that a socket the application stops
//     reading, or reads slowly, still drains its connection into the pipe up to
//     RecvHWM, answers the peer's PINGs within a lease and notices a dead peer, as
//     before. A lease that ends while a direct read runs is renewed when that read
//     ends, not on a timer: a Recv that waits long for its next message costs no
//     wake-ups meanwhile, however many sockets wait so.
//
// A direct read first waits for a whole message to be buffered (wire.Reader.ReadMore:
// bytes are added but nothing decoded, so the wait can be abandoned at any moment;
// over CURVE, where a message's end is sealed inside its frames, for a whole frame,
// and the frames of a message opened before the rest arrives are kept by the
// wire.Reader for whoever reads next), answering the PINGs that arrive meanwhile,
// then decodes every whole message buffered, up to a batch, and queues them on the
// pipe before it gives up the connection, so that the order of messages never depends
// on who read them. Recv then takes the
// first as if the reader had delivered it: every socket type's receive logic is
// unchanged. Anything else that needs the waiting Recv (another pipe's message, a new
// peer, Close, the end of Recv's context) kicks it out of its wait with a read
// deadline in the past.
//
// What stays with the reader goroutine: connections below ZMTP 3.0, transports other
// than tcp, ipc and plain ws (not wss), socket types that take commands from their
// peers (PUB, XPUB, RADIO) or check draft messages, sockets with more than one peer or
// a Poller, and a connection that carries a message larger than the read buffer. A
// peer's PING TTL is a read deadline whoever reads: it ends a direct read's wait as it
// would end the reader's.

// directLease is how long a parked reader waits before it reads again, unless a Recv
// read directly meanwhile. It bounds the delay of a peer's PING and of filling the pipe
// after the application stops calling Recv.
const directLease = 20 * time.Millisecond

// directTypes are the socket types whose peers send only data (and heartbeats).
func directType(t Type) bool {
	switch t {
	case Pull, Sub, XSub, Req, Rep, Dealer, Router, Pair:
		return true
	}
	return false
}

// initDirect decides once whether Recv may read e's connection.
func (e *engine) initDirect() {
	if !directType(e.s.typ) || e.inbound != nil || e.c.Peer().Major < 3 {
		return
	}
	switch nc := e.c.NetConn().(type) {
	case *net.TCPConn, *net.UnixConn:
	case *ws.Conn:
		if !nc.Plain() {
			return // a read deadline may break a TLS record for good
		}
	default:
		return
	}
	e.directOK = true
	if sc, ok := e.c.NetConn().(syscall.Conn); ok {
		e.rawc, _ = sc.SyscallConn()
	}
	e.resume = make(chan struct{}, 1)
	e.directEnded = make(chan struct{}, 1)
	e.dlimit = maxReadBatch
	if hwm := e.s.opts.RecvHWM; hwm > 0 {
		e.dlimit = min(e.dlimit, hwm)
	}
}

// readDirect lets a Recv that found nothing to return read the connection of the
// socket's only peer itself, when it can. s.mu is held on entry and on return, but
// released while reading. retry reports that Recv should look again at once instead
// of waiting.
func (s *Socket) readDirect(ctx context.Context) (retry bool) {
	p := s.solo
	if p == nil || s.watched.Load() {
		return false
	}
	e, ok := p.link.(*engine)
	if !ok || !e.directOK || e.stopping() {
		return false // a stopping engine's pipe is detached soon: wait for that
	}
	if !e.rmu.TryLock() {
		// The reader goroutine is reading: it parks at its next pause.
		if !e.wantDirect.Load() {
			e.wantDirect.Store(true)
			s.parkable.Store(e)
		}
		return false
	}
	if e.noDirect {
		e.rmu.Unlock()
		e.resumeReader()
		return false
	}
	s.watchContextLocked(ctx)
	s.reading.Store(e)
	// An event noted before reading was stored found no one to kick, and a context
	// that ended before it was watched kicked no one: look at them first.
	if s.pending.Load() || ctx.Err() != nil {
		s.reading.Store(nil)
		e.rmu.Unlock()
		return true
	}
	s.unlockStop()
	e.readDirect()
	s.reading.Store(nil)
	s.mu.Lock()
	return true
}

// watchContextLocked makes the end of ctx kick a direct read. The registration
// (context.AfterFunc) is kept for the next Recv with the same context, so that a
// receiving loop with one long-lived context registers once, not per message; a
// Recv with another context replaces it, and Close removes it. Contexts are told
// apart by their Done channel, which every context derived without a new deadline
// or cancellation shares. s.mu must be held.
func (s *Socket) watchContextLocked(ctx context.Context) {
	done := ctx.Done()
	if done == nil || done == s.watchedDone {
		return
	}
	s.stopWatchingLocked()
	s.watchedDone = done
	s.stopWatch = context.AfterFunc(ctx, func() { s.kickReader(nil) })
}

// stopWatchingLocked removes the registration of watchContextLocked. s.mu must be
// held.
func (s *Socket) stopWatchingLocked() {
	if s.stopWatch != nil {
		s.stopWatch()
		s.stopWatch, s.watchedDone = nil, nil
	}
}

// kickReader makes a Recv that reads directly give up its wait, unless the event
// that calls for it concerns the pipe it reads (p; nil for the socket as a whole).
func (s *Socket) kickReader(p *pipe) {
	if e := s.reading.Load(); e != nil && (p == nil || e.p != p) {
		e.kick()
	}
}

// resumeParked sends a parked reader back to reading: the socket has gained a peer or
// a Poller, and Recv no longer reads directly.
func (s *Socket) resumeParked() {
	if e := s.parkable.Swap(nil); e != nil {
		e.resumeReader()
	}
}

// readDirect waits for a whole message and queues every whole message buffered, up
// to a batch, unless the wait is kicked. The caller holds e.rmu, which readDirect
// releases. A failure of the connection stops the engine, as it would have stopped
// its reader.
func (e *engine) readDirect() {
	e.directReads.Add(1)
	defer func() {
		e.directReads.Add(1)
		if e.leaseHeld.Load() && e.leaseHeld.CompareAndSwap(true, false) {
			signal(e.directEnded)
		}
		e.rmu.Unlock()
	}()
	batch := e.dbatch[:0]
	for len(batch) < e.dlimit {
		var m Msg
		ok, err := e.c.ReadBufferedMsg(&m, e.onCommand)
		if !ok && err == nil {
			if len(batch) > 0 || !e.waitMessage() {
				break
			}
			continue
		}
		keep := false
		if err == nil {
			keep, err = e.accept(&m)
		}
		if err != nil {
			e.fail(err)
			break
		}
		if keep {
			batch = append(batch, m)
		}
	}
	if len(batch) > 0 {
		// Queued before the connection is given up: whoever reads next queues after.
		e.deliverBatch(batch)
		clear(batch)
	}
	e.dbatch = batch[:0]
}

// waitMessage reads until a whole message is buffered (over a sealed connection, a
// whole frame), the wait is kicked, or the connection fails (the engine stops). It
// reports whether there is something to decode.
func (e *engine) waitMessage() bool {
	e.dmu.Lock()
	e.dwaiting, e.kicked = true, false
	e.dmu.Unlock()
	var err error
	for {
		if err = e.c.ReadMore(); err != nil {
			break
		}
		if err = e.c.ReadCommands(e.onCommand); err != nil || e.c.Decodable() {
			break
		}
	}
	e.dmu.Lock()
	kicked := e.kicked
	e.dwaiting, e.kicked = false, false
	if kicked {
		e.setReadDeadlineLocked()
	}
	e.dmu.Unlock()
	if err != nil {
		e.directFailed(err, kicked)
		return false
	}
	return true
}

// directFailed handles what ended a direct read's wait other than a whole message.
func (e *engine) directFailed(err error, kicked bool) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		if !kicked {
			e.fail(err) // the peer's PING TTL ran out
		}
	case errors.Is(err, wire.ErrBufferFull):
		e.noDirect = true
		e.resumeReader()
	default:
		if err == io.EOF && e.c.ReadBuffered() > 0 {
			err = io.ErrUnexpectedEOF
		}
		e.fail(err)
	}
}

// setReadDeadlineLocked sets the connection's read deadline from what wants one:
// the peer's PING TTL, or a kick of a direct read. e.dmu must be held.
func (e *engine) setReadDeadlineLocked() {
	var dl time.Time
	if e.ttlArmed {
		dl = e.ttlAt
	}
	if e.dwaiting && e.kicked {
		dl = time.Unix(1, 0)
	}
	e.c.NetConn().SetReadDeadline(dl)
}

// kick makes a direct read that waits for bytes give up.
func (e *engine) kick() {
	e.dmu.Lock()
	if e.dwaiting && !e.kicked {
		e.kicked = true
		e.setReadDeadlineLocked()
	}
	e.dmu.Unlock()
}

// resumeReader sends a parked reader back to reading at once.
func (e *engine) resumeReader() {
	e.wantDirect.Store(false)
	signal(e.resume)
}

// park gives up the connection to direct reads and returns, holding e.rmu again,
// when resumeReader is called or the lease runs out: when no direct read came during
// a whole lease, or when none is running and bytes wait unread (a message the
// application has not asked for yet, or a PING that must be answered within the
// peer's heartbeat timeout). It reports false, without e.rmu, when the engine stops.
// The reader goroutine calls it holding e.rmu.
//
// A lease that runs out while a direct read is running is held until that read ends
// rather than renewed on a timer: the read answers PINGs and meets the peer's TTL
// itself, and a Recv that waits a long time for a message, in each of many sockets,
// then costs no wake-up per socket and lease.
func (e *engine) park() bool {
	e.rmu.Unlock()
	e.s.wake() // the Recv that asked may be waiting for this batch: it reads now
	if e.lease == nil {
		e.lease = time.NewTimer(directLease)
	} else {
		e.lease.Reset(directLease)
	}
	seen := e.directReads.Load()
	lease := e.lease.C // nil while the lease is held for a running direct read
	for {
		select {
		case <-e.quit:
			e.stopLease()
			return false
		case <-e.resume:
			e.stopLease()
			e.rmu.Lock()
			return true
		case <-lease:
			if testHookLeaseEnded != nil {
				testHookLeaseEnded(e)
			}
		case <-e.directEnded:
			// The direct read the lease was held for has ended (or the signal is
			// left over from one that ended as the lease was held): a new lease.
			e.leaseHeld.Store(false)
			lease = e.lease.C
			e.lease.Reset(directLease)
			continue
		}
		n := e.directReads.Load()
		if n%2 == 1 && !e.holdParked.Load() {
			// Hold the lease until the running read ends; its end signals once it
			// sees leaseHeld, and a read that ended before it could see it shows
			// in directReads.
			e.leaseHeld.Store(true)
			if e.directReads.Load() == n {
				seen, lease = n, nil
				continue
			}
			// If the read's end took the flag first, its signal comes anyway and
			// makes the lease below anew once more, which is harmless.
			e.leaseHeld.CompareAndSwap(true, false)
			n = e.directReads.Load()
		}
		if n%2 == 0 && !e.holdParked.Load() && e.rmu.TryLock() {
			if n == seen || e.c.ReadBuffered() > 0 || socketHasBytes(e.rawc) {
				e.wantDirect.Store(false)
				return true
			}
			e.rmu.Unlock()
		}
		seen = n
		e.lease.Reset(directLease)
	}
}

// testHookLeaseEnded, if set, is called by a parked reader each time its lease
// timer runs out.
var testHookLeaseEnded func(e *engine)

// stopLease ends a parked reader's lease, held or running.
func (e *engine) stopLease() {
	e.lease.Stop()
	e.leaseHeld.Store(false)
}
