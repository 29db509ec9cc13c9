package pattern

import "iter"

// FairQueue round-robins reads over the pipes that have data, as libzmq's fq
// does for PULL, DEALER, ROUTER, REP, SUB and XSUB (zmq-spec §3.1).
//
// A pipe is active while it may have a message to read. The socket asks
// [FairQueue.Next] for a pipe, reads one whole message from it, and
// deactivates the pipe if it turns out to be empty; the pipe's reader
// activates it again when data arrives.
//
// The zero value is an empty FairQueue ready to use. A FairQueue is not safe
// for concurrent use.
type FairQueue[P comparable] struct {
	rr roundRobin[P]
}

// Attach adds p as an active pipe. Attaching a pipe that is already
// attached activates it.
func (fq *FairQueue[P]) Attach(p P) { fq.rr.attach(p) }

// Activate marks p as readable. It does nothing if p is already active or
// not attached. The pipe joins the end of the current round.
func (fq *FairQueue[P]) Activate(p P) { fq.rr.activate(p) }

// Deactivate takes p out of the rotation, typically because it has no
// message to read. It does nothing if p is inactive or not attached.
func (fq *FairQueue[P]) Deactivate(p P) { fq.rr.deactivate(p) }

// Remove forgets p, active or not. It does nothing if p is not attached.
func (fq *FairQueue[P]) Remove(p P) { fq.rr.remove(p) }

// Next returns the next active pipe in round-robin order and advances the
// cursor past it. It reports false if no pipe is active. Next runs in
// constant time and does not allocate.
func (fq *FairQueue[P]) Next() (P, bool) { return fq.rr.next() }

// IsActive reports whether p is attached and active.
func (fq *FairQueue[P]) IsActive(p P) bool { return fq.rr.isActive(p) }

// Len returns the number of attached pipes, active or not.
func (fq *FairQueue[P]) Len() int { return len(fq.rr.pipes) }

// Active returns the number of active pipes.
func (fq *FairQueue[P]) Active() int { return fq.rr.active }

// ActivePipes yields the active pipes, without advancing the cursor, so a socket can
// look at what Next could return without changing whose turn it is. The queue must
// not change while the sequence runs.
func (fq *FairQueue[P]) ActivePipes() iter.Seq[P] { return fq.rr.activePipes() }
