package pattern

import "iter"

// LoadBalancer round-robins outgoing messages over active pipes, as libzmq's
// lb does for PUSH, DEALER and REQ (zmq-spec §3.1).
//
// A pipe is active while it can take a message; the socket deactivates a
// pipe that reaches its high-water mark and activates it again once it
// drains. A whole multipart message goes to one pipe, so the socket calls
// [LoadBalancer.Next] once per message.
//
// The zero value is an empty LoadBalancer ready to use. A LoadBalancer is
// not safe for concurrent use.
type LoadBalancer[P comparable] struct {
	rr roundRobin[P]
}

// Attach adds p as an active pipe. Attaching a pipe that is already
// attached activates it.
func (lb *LoadBalancer[P]) Attach(p P) { lb.rr.attach(p) }

// Activate marks p as able to take messages again. It does nothing if p is
// already active or not attached. The pipe joins the end of the current
// round.
func (lb *LoadBalancer[P]) Activate(p P) { lb.rr.activate(p) }

// Deactivate takes p out of the rotation, for example because its queue is
// full. It does nothing if p is inactive or not attached.
func (lb *LoadBalancer[P]) Deactivate(p P) { lb.rr.deactivate(p) }

// Remove forgets p, active or not. It does nothing if p is not attached.
func (lb *LoadBalancer[P]) Remove(p P) { lb.rr.remove(p) }

// Next returns the next active pipe in round-robin order and advances the
// cursor past it. It reports false if no pipe is active, in which case a
// blocking send waits for [LoadBalancer.Activate] or
// [LoadBalancer.Attach]. Next runs in constant time and does not allocate.
func (lb *LoadBalancer[P]) Next() (P, bool) { return lb.rr.next() }

// IsActive reports whether p is attached and active.
func (lb *LoadBalancer[P]) IsActive(p P) bool { return lb.rr.isActive(p) }

// Len returns the number of attached pipes, active or not.
func (lb *LoadBalancer[P]) Len() int { return len(lb.rr.pipes) }

// Active returns the number of active pipes.
func (lb *LoadBalancer[P]) Active() int { return lb.rr.active }

// ActivePipes yields the active pipes, without advancing the cursor, so a socket can
// tell whether a send could go anywhere without changing whose turn it is. The
// balancer must not change while the sequence runs.
func (lb *LoadBalancer[P]) ActivePipes() iter.Seq[P] { return lb.rr.activePipes() }
