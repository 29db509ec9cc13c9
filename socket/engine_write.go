package socket

import (
	"time"

	"github.com/brokerless/zmq/wire"
)

// The write side of an engine. Messages the socket queues on the pipe reach the
// connection in one of three ways:
//
//   - A writer goroutine takes whatever is queued, writes it and flushes once the
//     queue is empty, so that batches form from what queued up meanwhile.
//   - Without heartbeats (the default) that goroutine runs only while there is
//     something to write: the push that finds the queue empty starts one, and it ends
//     when the queue is empty again. An idle connection then keeps no writer, nor its
//     stack. With heartbeats the writer stays for the life of the connection, since it
//     sends the PINGs.
//   - REQ and REP write a message they just queued on the caller's goroutine
//     (writeDirect), when that is cheap and never blocks.
//
// Whoever writes holds e.wmu.

// The states of an on-demand writer (engine.wstate).
const (
	writerIdle  int32 = iota // no writer goroutine runs
	writerBusy               // a writer goroutine runs
	writerAgain              // it runs, and looks at the queue once more before it ends
	writerEnded              // the engine has stopped: no writer starts any more
)

// wakeWriter has what is queued written: it wakes the engine's writer goroutine, or
// starts one when the writer runs on demand and none runs.
func (e *engine) wakeWriter() {
	if !e.onDemand {
		signal(e.wake)
		return
	}
	for {
		switch e.wstate.Load() {
		case writerIdle:
			if e.wstate.CompareAndSwap(writerIdle, writerBusy) {
				e.writers.Add(1)
				go e.spell() // made once: starting a writer allocates nothing
				return
			}
		case writerBusy:
			if e.wstate.CompareAndSwap(writerBusy, writerAgain) {
				return
			}
		default: // writerAgain, writerEnded
			return
		}
	}
}

// writeSpell is an on-demand writer goroutine: it writes until it finds nothing
// queued and was not asked to look again, and then ends. A write error stops the
// engine.
func (e *engine) writeSpell() {
	defer e.writers.Done()
	for {
		err := e.writePending()
		if err != nil {
			e.fail(err)
		}
		if e.wstate.CompareAndSwap(writerBusy, writerIdle) {
			break
		}
		// writerAgain: only this goroutine moves the state on from there.
		if err != nil || e.stopping() {
			e.wstate.Store(writerIdle)
			break
		}
		e.wstate.Store(writerBusy)
	}
	signal(e.wexit)
}

// endWriters keeps on-demand writers from starting any more once the engine has
// stopped, and waits for the one that runs, if any.
func (e *engine) endWriters() {
	for !e.wstate.CompareAndSwap(writerIdle, writerEnded) {
		<-e.wexit
	}
	e.writers.Wait()
}

func (e *engine) takePong() ([]byte, bool) {
	e.pongMu.Lock()
	defer e.pongMu.Unlock()
	if !e.pongDue {
		return nil, false
	}
	e.pongDue = false
	return e.pongCtx[:e.pongLen], true
}

func (e *engine) writeLoop() error {
	s := e.s
	var tick <-chan time.Time
	var hbTimer *time.Timer
	var hbTimeout <-chan time.Time
	var framesAtPing uint64
	// ZMTP 1.0 and 2.0 have no commands, so no heartbeats (as in libzmq).
	if ivl := s.opts.HeartbeatInterval; ivl > 0 && e.c.Peer().Major >= 3 {
		t := time.NewTicker(ivl)
		defer t.Stop()
		tick = t.C
		hbTimer = time.NewTimer(time.Hour)
		hbTimer.Stop()
		defer hbTimer.Stop()
	}
	ttl := uint16(min(s.opts.HeartbeatTTL/(100*time.Millisecond), 0xFFFF))
	for {
		if err := e.writePending(); err != nil {
			return err
		}
		select {
		case <-e.wake:
		case <-tick:
			if hbTimeout == nil {
				// Count before sending: the answer may be back before Flush returns.
				framesAtPing = e.frames.Load()
				hbTimer.Reset(s.opts.HeartbeatTimeout)
				hbTimeout = hbTimer.C
			}
			e.wmu.Lock()
			e.cmdBuf = wire.AppendPing(e.cmdBuf[:0], ttl, nil)
			err := e.c.WriteCommandFrame(e.cmdBuf)
			if err == nil {
				err = e.c.Flush()
			}
			e.wmu.Unlock()
			if err != nil {
				return err
			}
		case <-hbTimeout:
			hbTimeout = nil
			if e.frames.Load() == framesAtPing {
				return errHeartbeatTimeout
			}
		case <-e.quit:
			return errStopped
		}
	}
}

// writePending writes what is queued, holding e.wmu, and marks the engine idle when
// nothing is left.
func (e *engine) writePending() error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	err := e.writeQueued()
	if err == nil {
		e.settle()
	}
	return err
}

// writeQueued writes every queued message, and a PONG that is due, and flushes once
// the queue is empty: batches form from whatever queued up meanwhile. e.wmu must be
// held.
func (e *engine) writeQueued() error {
	p := e.p
	dirty := false
	for {
		// Busy before taking: between the pop and the write the queue is empty, and
		// Close must not take that for a drained pipe.
		e.idle.Store(false)
		e.wbatch = p.out.PopAll(e.wbatch[:0])
		if len(e.wbatch) > 0 && testHookWriterTook != nil {
			testHookWriterTook()
		}
		if ctx, ok := e.takePong(); ok {
			e.cmdBuf = wire.AppendPong(e.cmdBuf[:0], ctx)
			if err := e.c.WriteCommandFrame(e.cmdBuf); err != nil {
				return err
			}
			dirty = true
		}
		if len(e.wbatch) == 0 {
			if dirty || e.c.Buffered() > 0 {
				return e.c.Flush()
			}
			return nil
		}
		for i := range e.wbatch {
			m := e.wbatch[i]
			e.wbatch[i] = Msg{}
			if e.commandsOut {
				e.cmdBuf = wire.AppendFrameHeader(e.cmdBuf[:0], wire.FlagCommand, len(m.Frames[0]))
				e.cmdBuf = append(e.cmdBuf, m.Frames[0]...)
				if err := e.c.WriteCommandFrame(e.cmdBuf); err != nil {
					return err
				}
				continue
			}
			if e.convertSubs {
				if sub, topic, ok := wire.ParseSubscriptionMsg(m.Frames[0]); ok {
					e.cmdBuf = wire.AppendSubscription(e.cmdBuf[:0], p.minor, sub, topic)
					if err := e.c.WriteCommandFrame(e.cmdBuf); err != nil {
						return err
					}
					continue
				}
			}
			if err := e.c.WriteMsg(m); err != nil {
				return err
			}
		}
		dirty = true
	}
}

// directMax bounds the messages writeDirect sends itself; larger ones go to the writer.
const directMax = 16 << 10

// writeDirect writes a message just queued on the calling goroutine when the writer is
// idle and the message is small, without ever waiting: whatever the socket buffer does
// not take at once is left to the writer goroutine. REQ and REP use it after each Send:
// they have one message in flight per peer, so there is no batch to lose, and the hand-off
// to the writer goroutine is the largest part of a round trip's cost.
func (e *engine) writeDirect() {
	if !e.wmu.TryLock() {
		// The writer or another writeDirect holds the connection, and may have
		// looked at the queue for the last time already: the writer takes the
		// message.
		e.wakeWriter()
		return
	}
	defer e.wmu.Unlock()
	p := e.p
	if e.c.Buffered() > 0 || p.out.Len() != 1 {
		e.wakeWriter()
		return
	}
	if m, ok := p.out.Peek(); !ok || m.Size() > directMax {
		e.wakeWriter()
		return
	}
	e.idle.Store(false) // before the pop, as in writeQueued
	m, ok, _ := p.out.Pop()
	if !ok {
		e.settle()
		return
	}
	if testHookWriterTook != nil {
		testHookWriterTook()
	}
	err := e.c.WriteMsg(m)
	if err == nil {
		var done bool
		if done, err = e.c.TryFlush(); err == nil && !done {
			e.wakeWriter() // the writer sends the rest, waiting as it may
			return
		}
	}
	if err != nil {
		e.fail(err)
		return
	}
	e.settle()
}

// sendsDirect reports whether every message queued for e is followed by a call of
// writeDirect: REQ and REP.
func (e *engine) sendsDirect() bool { return e.s.typ == Req || e.s.typ == Rep }

// settle marks the engine idle when nothing is left to write, and tells a lingering
// Close. The writer's lock must be held, so that no batch is in flight.
func (e *engine) settle() {
	if e.p.out.Len() != 0 {
		e.wakeWriter() // a message arrived meanwhile: the writer takes it
		return
	}
	e.idle.Store(true)
	if e.s.closing.Load() {
		e.s.wake()
	}
}

// drained reports whether the writer holds nothing unwritten and, over ipc, the
// peer has read everything written; the pipe checks its queue. It implements link.
func (e *engine) drained() bool { return e.idle.Load() && e.c.UnreadByPeer() == 0 }
