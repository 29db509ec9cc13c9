package soak

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// Record is one message as a consumer received it.
type Record struct {
	Stream   uint32 // the producer incarnation that sent it
	Seq      uint64 // its sequence number in that stream, from 0
	Sent     int64  // send time, Unix nanoseconds
	Recv     int64  // receive time, Unix nanoseconds
	Consumer int    // the consumer incarnation that received it
}

// FaultKind says what a fault did.
type FaultKind int

const (
	// KillProducer is a producer killed with SIGKILL and started again as a new stream.
	KillProducer FaultKind = iota
	// KillDevice is the device killed with SIGKILL and started again.
	KillDevice
	// KillConsumer is a consumer killed with SIGKILL and started again.
	KillConsumer
	// CutLink is a link whose traffic nft dropped for a while.
	CutLink
)

func (k FaultKind) String() string {
	switch k {
	case KillProducer:
		return "kill producer"
	case KillDevice:
		return "kill device"
	case KillConsumer:
		return "kill consumer"
	case CutLink:
		return "cut link"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is one injected fault and, after Check, what it cost.
type Fault struct {
	Kind   FaultKind
	Target string    // the process or link
	Start  time.Time // the process confirmed dead, or the drop rules in place
	End    time.Time // the process started again, or the rules about to be removed
	// Ready is when the restarted process ran (its first line on stderr, see
	// ReadyLine): recovery is timed from it, as what comes before it is the machine
	// starting a process, not the library reconnecting. Zero for a link, or when the
	// process never said it ran: recovery is then timed from End.
	Ready time.Time

	Path        string        // the scenario whose processes it hit; "" for a link, which carries every scenario
	MaxLoss     int           // messages this fault may lose (what the killed process and its buffers held)
	MaxRecovery time.Duration // how soon traffic must flow again after End

	Stream      uint32 // KillProducer: the killed stream
	NewStream   uint32 // KillProducer: the stream of the restarted producer
	OldConsumer int    // KillConsumer, or KillProducer of a REQ client: the killed consumer
	NewConsumer int    // KillConsumer: the restarted consumer

	// Filled by Check.
	Lost     int           // messages lost and attributed to this fault
	Recovery time.Duration // from Ready (or End) to the first message through the restored path; -1 if none
	// (for a link: the slowest scenario's)
	Transit time.Duration // that first message's time from send to receipt, which Recovery includes
}

// Stream describes one producer incarnation.
type Stream struct {
	ID       uint32
	Producer string
	Start    time.Time
	Sent     uint64 // messages the producer reported sent; exact when Final, a lower bound otherwise
	Final    bool   // the producer stopped gracefully and reported its exact count
	Path     string // the scenario it belongs to
	// Fanout marks a PUB stream: every consumer gets its own copy, and
	// messages may be dropped (no subscriber yet, a full queue), so gaps are
	// counted, not charged; duplicates and order still count per consumer.
	Fanout bool
}

// Result is what Check found.
type Result struct {
	Received    int // records
	Duplicates  int // messages received more than once
	Reordered   int // records that arrived at a consumer after a later message of their stream
	Lost        int // messages never received
	Unexplained int // lost messages that no killed process explains
	Dropped     int // messages of fanout streams a consumer missed between two it received
	Violations  []string
}

// OK reports whether no invariant was broken.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

// maxViolations bounds the violation messages kept; counts stay exact.
const maxViolations = 40

func (r *Result) violate(format string, args ...any) {
	if len(r.Violations) == maxViolations {
		r.Violations = append(r.Violations, "... (further violations not listed)")
	}
	if len(r.Violations) < maxViolations {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
}

type rec struct {
	seq      uint64
	sent     int64
	consumer int
}

// Checker collects records and stream reports from a run and checks the
// invariants. Its methods are safe for concurrent use.
type Checker struct {
	// Before and After bound how long before and after a kill a lost
	// message may have been sent for the kill to explain it: Before covers
	// the time a message can wait in the queues, After the time the sender
	// takes to see the connection die.
	Before, After time.Duration

	mu      sync.Mutex
	streams map[uint32]*Stream
	recs    map[uint32][]rec
	all     []Record
	last    map[[2]int64]uint64 // (stream, consumer) -> last seq
	orderV  Result              // order violations seen while adding
}

// NewChecker returns an empty Checker with the attribution windows of a
// soak run.
func NewChecker() *Checker {
	return &Checker{
		Before:  10 * time.Second,
		After:   time.Second,
		streams: make(map[uint32]*Stream),
		recs:    make(map[uint32][]rec),
		last:    make(map[[2]int64]uint64),
	}
}

// AddStream registers a producer incarnation before it sends.
func (c *Checker) AddStream(s Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := s
	c.streams[s.ID] = &st
}

// ReportSent records that the stream's producer has sent n messages; final
// marks the exact count of a graceful stop.
func (c *Checker) ReportSent(id uint32, n uint64, final bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.streams[id]
	if !ok {
		return
	}
	if n > s.Sent {
		s.Sent = n
	}
	if final {
		s.Sent, s.Final = n, true
	}
}

// Streams returns a copy of the registered streams, by ID.
func (c *Checker) Streams() []Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Stream, 0, len(c.streams))
	for _, s := range c.streams {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Add records one received message. A message that reaches a consumer no
// later in its stream than one it already had is counted at once: equal is a
// duplicate, lower is a reordering.
func (c *Checker) Add(r Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := [2]int64{int64(r.Stream), int64(r.Consumer)}
	if last, ok := c.last[key]; ok && r.Seq <= last {
		if r.Seq == last {
			c.orderV.Duplicates++
			c.orderV.violate("duplicate: stream %d seq %d twice in a row at consumer %d", r.Stream, r.Seq, r.Consumer)
		} else {
			c.orderV.Reordered++
			c.orderV.violate("order: stream %d seq %d reached consumer %d after seq %d", r.Stream, r.Seq, r.Consumer, last)
		}
	} else {
		c.last[key] = r.Seq
	}
	c.recs[r.Stream] = append(c.recs[r.Stream], rec{r.Seq, r.Sent, r.Consumer})
	c.all = append(c.all, r)
}

// Received returns how many records of stream id have arrived.
func (c *Checker) Received(id uint32) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.recs[id])
}

// Count returns how many records have arrived.
func (c *Checker) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.all)
}

// Has reports whether message seq of stream id has arrived.
func (c *Checker) Has(id uint32, seq uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	rs := c.recs[id]
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].seq == seq {
			return true
		}
	}
	return false
}

// Check checks every invariant over what was added, fills each fault's Lost
// and Recovery, and returns what it found.
func (c *Checker) Check(faults []*Fault) Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := Result{Received: len(c.all), Duplicates: c.orderV.Duplicates, Reordered: c.orderV.Reordered}
	res.Violations = append(res.Violations, c.orderV.Violations...)
	for _, f := range faults {
		f.Lost, f.Recovery = 0, -1
	}

	ids := make([]uint32, 0, len(c.recs))
	for id := range c.recs {
		ids = append(ids, id)
	}
	for id := range c.streams {
		if _, ok := c.recs[id]; !ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	for _, id := range ids {
		s, ok := c.streams[id]
		rs := c.recs[id]
		if !ok {
			res.violate("stream %d: %d messages from a stream no producer started", id, len(rs))
			continue
		}
		if s.Fanout {
			c.checkFanout(&res, s, rs)
			continue
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].seq < rs[j].seq })
		next, prevSent := uint64(0), s.Start.UnixNano()
		for i, r := range rs {
			if i > 0 && r.seq == rs[i-1].seq {
				// Twice at the same consumer in a row was counted by Add.
				res.Duplicates++
				res.violate("duplicate: stream %d seq %d received more than once", id, r.seq)
				continue
			}
			if r.seq > next {
				c.attribute(&res, faults, s, next, r.seq, prevSent, r.sent)
			}
			next, prevSent = r.seq+1, r.sent
		}
		switch {
		case s.Final && next > s.Sent:
			res.violate("stream %d (%s): received seq %d but the producer sent only %d", id, s.Producer, next-1, s.Sent)
		case s.Sent > next && s.Final:
			// A graceful stop loses nothing: only a kill nearby explains a missing tail.
			c.attribute(&res, faults, s, next, s.Sent, prevSent, math.MaxInt64)
		case s.Sent > next:
			n := int(s.Sent - next)
			res.Lost += n
			if f := producerKill(faults, id); f != nil {
				f.Lost += n
			} else {
				res.Unexplained += n
				res.violate("loss: stream %d (%s) ended without a graceful stop or a kill, %d messages missing", id, s.Producer, n)
			}
		}
	}
	for _, f := range faults {
		if f.Lost > f.MaxLoss {
			res.violate("loss: %s %s at %s lost %d messages, more than the %d it could hold",
				f.Kind, f.Target, f.Start.Format("15:04:05.000"), f.Lost, f.MaxLoss)
		}
	}
	c.recovery(&res, faults)
	return res
}

// checkFanout counts what each consumer of a PUB stream missed between the
// first and last messages it got, and checks that none is beyond the end.
func (c *Checker) checkFanout(res *Result, s *Stream, rs []rec) {
	type span struct {
		first, last uint64
		n           int
	}
	per := map[int]*span{}
	for _, r := range rs {
		sp := per[r.consumer]
		if sp == nil {
			per[r.consumer] = &span{r.seq, r.seq, 1}
			continue
		}
		sp.first, sp.last, sp.n = min(sp.first, r.seq), max(sp.last, r.seq), sp.n+1
	}
	for cons, sp := range per {
		if gap := int(sp.last-sp.first+1) - sp.n; gap > 0 {
			res.Dropped += gap
		}
		if s.Final && sp.last >= s.Sent {
			res.violate("stream %d (%s): consumer %d received seq %d but the producer sent only %d",
				s.ID, s.Producer, cons, sp.last, s.Sent)
		}
	}
}

// attribute charges the messages [from, to) of stream s, lost between two
// received messages sent at t0 and t1, to the kill of a device or consumer
// that could have held them, or reports them as unexplained.
func (c *Checker) attribute(res *Result, faults []*Fault, s *Stream, from, to uint64, t0, t1 int64) {
	n := int(to - from)
	res.Lost += n
	var best *Fault
	bestDist := int64(math.MaxInt64)
	for _, f := range faults {
		if (f.Kind != KillDevice && f.Kind != KillConsumer) || f.Path != s.Path {
			continue
		}
		tk := f.Start.UnixNano()
		// The lost messages were sent in (t0, t1) and held by the killed
		// process at tk: sent no later than tk+After, no earlier than tk-Before.
		if t0 > tk+c.After.Nanoseconds() || t1 < tk-c.Before.Nanoseconds() {
			continue
		}
		var d int64
		switch {
		case tk < t0:
			d = t0 - tk
		case tk > t1:
			d = tk - t1
		}
		if d < bestDist {
			best, bestDist = f, d
		}
	}
	if best != nil {
		best.Lost += n
		return
	}
	res.Unexplained += n
	res.violate("loss: stream %d (%s) lost seq %d..%d (%d messages) with no kill to explain it",
		s.ID, s.Producer, from, to-1, n)
}

func producerKill(faults []*Fault, id uint32) *Fault {
	for _, f := range faults {
		if f.Kind == KillProducer && f.Stream == id {
			return f
		}
	}
	return nil
}

// recovery measures, for each fault, how long after its End the first
// message went through the restored path, and checks that no message went
// through the path while the fault was in force.
//
// For a device or a link, every consumer of the scenario that was receiving
// before the fault must receive again (for pub/sub that proves it
// subscribed again), unless it was itself killed by then.
func (c *Checker) recovery(res *Result, faults []*Fault) {
	type key struct {
		path     string
		consumer int
	}
	type arrival struct{ recv, sent int64 }
	leaked := make([]int, len(faults))
	first := make([]map[key]arrival, len(faults)) // first arrival after each fault
	before := make([]map[key]bool, len(faults))   // consumers receiving before it
	for i := range faults {
		first[i], before[i] = map[key]arrival{}, map[key]bool{}
	}
	killedAt := map[int]int64{}
	for _, f := range faults {
		// A REQ client is a producer that is its own consumer.
		if f.Kind == KillConsumer || (f.Kind == KillProducer && f.OldConsumer != 0) {
			killedAt[f.OldConsumer] = f.Start.UnixNano()
		}
	}
	for _, r := range c.all {
		path := ""
		if s, ok := c.streams[r.Stream]; ok {
			path = s.Path
		}
		k := key{path, r.Consumer}
		for i, f := range faults {
			if f.Path != "" && f.Path != path {
				continue
			}
			start, end := f.Start.UnixNano(), f.End.UnixNano()
			if r.Recv < start {
				before[i][k] = true
			}
			var through bool
			switch f.Kind {
			case KillProducer:
				through = r.Stream == f.NewStream
			case KillConsumer:
				through = r.Consumer == f.NewConsumer
			case KillDevice, CutLink:
				// Sent after the device died or the rules were in place:
				// it cannot arrive before the fault ends.
				if r.Sent >= start && r.Sent <= end && r.Recv < end {
					leaked[i]++
				}
				through = r.Sent >= start
			}
			if !through || r.Recv < end {
				continue
			}
			if a, ok := first[i][k]; !ok || r.Recv < a.recv {
				first[i][k] = arrival{r.Recv, r.Sent}
			}
		}
	}
	for i, f := range faults {
		if leaked[i] > 0 {
			res.violate("fault: %d messages sent during %s %s reached a consumer before it ended: the fault did not hold",
				leaked[i], f.Kind, f.Target)
		}
		var want []key
		if f.Kind == KillDevice || f.Kind == CutLink {
			for k := range before[i] {
				if t, killed := killedAt[k.consumer]; killed && t <= f.End.Add(f.MaxRecovery).UnixNano() {
					continue
				}
				want = append(want, k)
			}
		}
		f.Recovery = -1
		from := f.End
		if f.Ready.After(from) {
			from = f.Ready
		}
		// A first message may be read before the ready line is: no recovery is
		// shorter than nothing.
		since := func(recv int64) time.Duration { return max(0, time.Duration(recv-from.UnixNano())) }
		if len(want) == 0 {
			// One path to wait for: the restarted process's own traffic.
			for _, a := range first[i] {
				if d := since(a.recv); f.Recovery < 0 || d < f.Recovery {
					f.Recovery, f.Transit = d, time.Duration(a.recv-a.sent)
				}
			}
		}
		sort.Slice(want, func(a, b int) bool {
			if want[a].path != want[b].path {
				return want[a].path < want[b].path
			}
			return want[a].consumer < want[b].consumer
		})
		missing := ""
		for _, k := range want {
			a, ok := first[i][k]
			if !ok {
				f.Recovery, missing = -1, fmt.Sprintf(" (consumer %d of %s)", k.consumer, k.path)
				break
			}
			if d := since(a.recv); d > f.Recovery {
				f.Recovery, f.Transit = d, time.Duration(a.recv-a.sent)
			}
		}
		switch {
		case f.Recovery < 0:
			res.violate("recovery: after %s %s at %s, a consumer never received again%s", f.Kind, f.Target, f.Start.Format("15:04:05.000"), missing)
		case f.Recovery > f.MaxRecovery:
			res.violate("recovery: %s %s took %v to carry traffic again, bound %v", f.Kind, f.Target,
				f.Recovery.Round(time.Millisecond), f.MaxRecovery)
		}
	}
}
