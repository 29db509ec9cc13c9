// Package queue provides the bounded message queue that forms one direction of a pipe
// between a socket and a peer.
//
// A Queue has one producing side and one consuming side. Each side may register a
// notification: the consumer hears about the empty-to-non-empty transition, the producer
// hears when a full queue has drained to its low-water mark. Notifications are called
// without the queue's lock held, at most once per transition, which is what lets a socket
// wake a waiting goroutine once per batch instead of once per message.
//
// The queue never blocks; blocking, deadlines and cancellation are the socket's business.
package queue

import (
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/wire"
)

// Queue is a FIFO of whole messages bounded by a high-water mark counted in messages.
// It is safe for concurrent use.
type Queue struct {
	mu    sync.Mutex
	buf   []wire.Msg // ring buffer; len(buf) is a power of two
	head  int
	n     int
	limit int // 0 means unlimited
	full  bool
	// conflate keeps only the newest message: a push replaces what is queued, and
	// the queue is never full (libzmq's ZMQ_CONFLATE).
	conflate bool
	closed   bool
	onRead   func()
	onWrite  func()

	// atLimit mirrors n >= limit for AtLimit, which reads it without the lock; it is
	// stored only when the answer changes (atLimitSeen is the last value stored), so a
	// producer that drops for a full peer does not bounce the lock's cache line with
	// the consumer.
	atLimit     atomic.Bool
	atLimitSeen bool

	replaced func(n int) // counts conflated messages; called with the lock held
}

// New returns a queue that holds at most limit messages; limit 0 means no limit.
func New(limit int) *Queue {
	return &Queue{limit: limit}
}

// SetLimit changes the high-water mark. Inproc pipes use it to add the binder's limit
// to the connector's once both sides are known.
func (q *Queue) SetLimit(limit int) {
	q.mu.Lock()
	q.limit = limit
	q.updateLimitHint()
	fire := q.full && !q.atLimitLocked()
	if fire {
		q.full = false
	}
	f := q.onWrite
	q.mu.Unlock()
	if fire && f != nil {
		f()
	}
}

// Limit reports the high-water mark (0: unlimited).
func (q *Queue) Limit() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.limit
}

// OnReadable registers the consumer's notification, called when the queue goes from
// empty to non-empty.
func (q *Queue) OnReadable(f func()) {
	q.mu.Lock()
	q.onRead = f
	q.mu.Unlock()
}

// OnWritable registers the producer's notification, called when a queue that refused a
// message (or reported itself full) drains to its low-water mark, (limit+1)/2 as libzmq.
func (q *Queue) OnWritable(f func()) {
	q.mu.Lock()
	q.onWrite = f
	q.mu.Unlock()
}

func (q *Queue) atLimitLocked() bool { return !q.conflate && q.limit > 0 && q.n >= q.limit }

// SetConflate makes the queue keep only its newest message from now on: every push
// replaces the queued message instead of adding to it, and the limit no longer
// applies. Messages queued already are dropped but for the newest. Replaced
// messages are released (they were never handed to anyone), and counted by calling
// replaced, if not nil, with the queue's lock held: it must not use the queue.
func (q *Queue) SetConflate(replaced func(n int)) {
	q.mu.Lock()
	q.conflate = true
	q.replaced = replaced
	if q.n > 1 && replaced != nil {
		replaced(q.n - 1)
	}
	for q.n > 1 {
		m := q.popLocked()
		m.Release()
	}
	q.updateLimitHint()
	fire := q.full
	q.full = false
	f := q.onWrite
	q.mu.Unlock()
	if fire && f != nil {
		f()
	}
}

// Conflating reports whether SetConflate was called.
func (q *Queue) Conflating() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.conflate
}

// replaceLocked drops everything queued before m is pushed, for a conflating queue.
func (q *Queue) replaceLocked() {
	if q.n > 0 && q.replaced != nil {
		q.replaced(q.n)
	}
	for q.n > 0 {
		m := q.popLocked()
		m.Release()
	}
}

// updateLimitHint refreshes the lock-free view of atLimitLocked after a change.
func (q *Queue) updateLimitHint() {
	if at := q.atLimitLocked(); at != q.atLimitSeen {
		q.atLimitSeen = at
		q.atLimit.Store(at)
	}
}

// AtLimit reports, without taking the queue's lock, whether the queue was at its limit
// at its latest change. The answer may be out of date by the time the caller acts on
// it; a producer that drops messages for a full queue uses it to skip the lock, as a
// push would have been refused a moment earlier anyway.
func (q *Queue) AtLimit() bool { return q.atLimit.Load() }

// Push appends m unless the queue is full or closed. It reports whether m was queued and
// whether the queue is full after the push; a producer that sees full should stop
// offering messages until its OnWritable notification.
func (q *Queue) Push(m wire.Msg) (ok, full bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false, false
	}
	if q.atLimitLocked() {
		q.full = true
		q.mu.Unlock()
		return false, true
	}
	wasEmpty := q.n == 0
	if q.conflate {
		q.replaceLocked()
	}
	q.pushLocked(m)
	full = q.atLimitLocked()
	if full {
		q.full = true
	}
	q.updateLimitHint()
	f := q.onRead
	q.mu.Unlock()
	if wasEmpty && f != nil {
		f()
	}
	return true, full
}

// PushBatch appends as many of msgs as the limit allows and returns how many it took,
// and whether the queue is full. The consumer is notified at most once.
func (q *Queue) PushBatch(msgs []wire.Msg) (n int, full bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, false
	}
	wasEmpty := q.n == 0
	if q.conflate && len(msgs) > 0 {
		// Only the newest survives: the batch's last message replaces everything.
		q.replaceLocked()
		if len(msgs) > 1 && q.replaced != nil {
			q.replaced(len(msgs) - 1)
		}
		for _, m := range msgs[:len(msgs)-1] {
			m.Release()
		}
		q.pushLocked(msgs[len(msgs)-1])
		n = len(msgs)
	}
	for n < len(msgs) && !q.atLimitLocked() {
		q.pushLocked(msgs[n])
		n++
	}
	q.updateLimitHint()
	full = q.atLimitLocked()
	if full {
		q.full = true
	}
	f := q.onRead
	q.mu.Unlock()
	if wasEmpty && n > 0 && f != nil {
		f()
	}
	return n, full
}

// PushForce appends m even when the queue is at its limit (closed queues still refuse).
// It is for the few messages that must not be lost to flow control, such as DropOldest
// replacing a message.
func (q *Queue) PushForce(m wire.Msg) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	wasEmpty := q.n == 0
	q.pushLocked(m)
	if q.atLimitLocked() {
		q.full = true
	}
	q.updateLimitHint()
	f := q.onRead
	q.mu.Unlock()
	if wasEmpty && f != nil {
		f()
	}
	return true
}

// ReplaceOldest drops the oldest queued message and appends m, for the DropOldest policy.
// It reports whether a message was dropped (false when there was room anyway).
func (q *Queue) ReplaceOldest(m wire.Msg) (dropped, ok bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false, false
	}
	wasEmpty := q.n == 0
	if q.atLimitLocked() && q.n > 0 {
		q.popLocked()
		dropped = true
	}
	q.pushLocked(m)
	q.updateLimitHint()
	f := q.onRead
	q.mu.Unlock()
	if wasEmpty && f != nil {
		f()
	}
	return dropped, true
}

func (q *Queue) pushLocked(m wire.Msg) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = m
	q.n++
}

// minRing is the ring a queue starts with at its first message: a pipe whose peer sends
// one message now and then, like most of a server's idle connections, needs no more, and
// a busy one doubles it in a few steps.
const minRing = 2

func (q *Queue) grow() {
	size := 2 * len(q.buf)
	if size == 0 {
		size = minRing
	}
	nb := make([]wire.Msg, size)
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf = nb
	q.head = 0
}

// popLocked removes and returns the oldest message; the queue must not be empty.
func (q *Queue) popLocked() wire.Msg {
	m := q.buf[q.head]
	q.buf[q.head] = wire.Msg{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return m
}

// Pop removes the oldest message. ok is false when the queue is empty; empty reports
// whether the queue is empty after the call.
func (q *Queue) Pop() (m wire.Msg, ok, empty bool) {
	q.mu.Lock()
	if q.n == 0 {
		q.mu.Unlock()
		return wire.Msg{}, false, true
	}
	m = q.popLocked()
	empty = q.n == 0
	q.updateLimitHint()
	f := q.drainedLocked()
	q.mu.Unlock()
	if f != nil {
		f()
	}
	return m, true, empty
}

// Peek returns the oldest message without removing it.
func (q *Queue) Peek() (wire.Msg, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return wire.Msg{}, false
	}
	return q.buf[q.head], true
}

// PopAll moves every queued message to dst and returns it: a writer's batch.
func (q *Queue) PopAll(dst []wire.Msg) []wire.Msg {
	q.mu.Lock()
	for q.n > 0 {
		dst = append(dst, q.popLocked())
	}
	q.updateLimitHint()
	f := q.drainedLocked()
	q.mu.Unlock()
	if f != nil {
		f()
	}
	return dst
}

// drainedLocked decides whether the producer must hear that the queue has room again.
func (q *Queue) drainedLocked() func() {
	if !q.full {
		return nil
	}
	lwm := (q.limit + 1) / 2
	if q.limit > 0 && q.n > lwm {
		return nil
	}
	q.full = false
	return q.onWrite
}

// Len reports the number of queued messages.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Full reports whether the queue is at its limit.
func (q *Queue) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.atLimitLocked()
}

// Close stops further pushes. Messages already queued can still be popped.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	f := q.onWrite
	q.mu.Unlock()
	// Wake a producer that may be waiting for room: it must see the close.
	if f != nil {
		f()
	}
}

// Closed reports whether Close was called.
func (q *Queue) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// Discard drops every queued message and reports how many there were.
func (q *Queue) Discard() int {
	q.mu.Lock()
	n := q.n
	for q.n > 0 {
		q.popLocked()
	}
	q.updateLimitHint()
	f := q.drainedLocked()
	q.mu.Unlock()
	if f != nil {
		f()
	}
	return n
}
