package pgm

import (
	"math/rand/v2"
	"time"
)

// NAK states of a missing sequence number (RFC 3208 §6.3, OpenPGM's names).
const (
	nakBackoff  = iota // waiting a random back-off before NAKing
	nakWaitNCF         // NAK sent, waiting for an NCF
	nakWaitData        // NCF seen, waiting for the RDATA
	nakLost            // given up: unrecoverable
)

type nakState struct {
	state       uint8
	ncfRetries  uint8
	dataRetries uint8
	deadline    time.Time
}

// rxWindow is one source's receive window: it reorders and de-duplicates
// data by sequence number (serial arithmetic mod 2^32), remembers what is
// missing and drives the NAK state machine. It does no I/O and reads no
// clock: callers pass now. Memory is bounded by size packets.
type rxWindow struct {
	size uint32
	init bool
	next uint32 // next sqn to deliver
	lead uint32 // highest sqn known to exist
	pkts map[uint32][]byte
	miss map[uint32]*nakState
	// bulkLost counts sqns given up on but not yet passed by pop.
	bulkLost uint32
	// dirty is set when new missing sqns were recorded.
	dirty bool
}

func newRxWindow(size int) *rxWindow {
	return &rxWindow{size: uint32(size), pkts: map[uint32][]byte{}, miss: map[uint32]*nakState{}}
}

// serial comparison: a before b.
func before(a, b uint32) bool { return int32(a-b) < 0 }

func backoff(now time.Time, rnd *rand.Rand) time.Time {
	return now.Add(time.Duration(rnd.Int64N(int64(nakBackoffIvl)) + 1))
}

// dataResult says what onData did with a packet.
type dataResult uint8

const (
	dataInOrder   dataResult = iota // sqn == next: caller delivers the payload, then pops
	dataHeld                        // stored for later
	dataDuplicate                   // already have it, or already passed
	dataOutside                     // implausible: sqn − trail ≥ 2^31−1 (OpenPGM's check); ignored
)

// maxSqnTrail bounds sqn − trail in a data packet, as OpenPGM does.
const maxSqnTrail = 1<<31 - 1

// onData records data packet sqn with the source's trail. For dataInOrder
// the window has advanced past sqn and the caller must deliver payload
// before popping; for dataHeld the payload has been copied. The caller pops
// (drains) after every call.
//
// Data ahead of the window slides the window forward, as OpenPGM's receive
// window does when it is full: the oldest sequence numbers not held are
// declared lost (pop reports them, held packets in between are still
// delivered in order) and the source resumes. The work per packet is bounded
// by the window size: a jump longer than the window drops everything held
// in one step.
func (w *rxWindow) onData(sqn, trail uint32, payload []byte, now time.Time, rnd *rand.Rand) dataResult {
	if sqn-trail >= maxSqnTrail {
		return dataOutside
	}
	if !w.init {
		// The first data defines the window: a late joiner never asks for
		// older data.
		w.init = true
		w.next, w.lead = sqn, sqn-1
	}
	w.advanceTrail(trail)
	d := sqn - w.next
	if int32(d) < 0 {
		return dataDuplicate
	}
	if d >= w.size {
		// Ahead of the window (a blackout longer than the window, or a
		// hole the sender's trail has not passed yet while the window is
		// full): slide so that sqn is the newest entry.
		w.advanceTrail(sqn - w.size + 1)
	}
	if _, ok := w.pkts[sqn]; ok {
		return dataDuplicate
	}
	delete(w.miss, sqn)
	w.extendLead(sqn, false, now, rnd)
	if d == 0 && w.bulkLost == 0 {
		w.next++
		return dataInOrder
	}
	w.pkts[sqn] = append([]byte(nil), payload...)
	return dataHeld
}

// extendLead records that sqn exists, marking everything between the old
// lead and it (and sqn itself when missing) missing. sqn must be within the
// window.
func (w *rxWindow) extendLead(sqn uint32, missing bool, now time.Time, rnd *rand.Rand) {
	if !before(w.lead, sqn) {
		return
	}
	end := sqn
	if missing {
		end++
	}
	// One back-off for the whole gap, as OpenPGM: the sqns stay in step
	// (one NAK list, one timer) however many there are.
	var dl time.Time
	for s := w.lead + 1; s != end; s++ {
		if !before(s, w.next) {
			if _, ok := w.pkts[s]; !ok {
				if dl.IsZero() {
					dl = backoff(now, rnd)
				}
				w.miss[s] = &nakState{deadline: dl}
				w.dirty = true
			}
		}
	}
	w.lead = sqn
}

// advanceTrail declares everything before trail that is not held lost.
// Its work is bounded by the window size.
func (w *rxWindow) advanceTrail(trail uint32) {
	if !before(w.next, trail) {
		return
	}
	if trail-w.next > w.size {
		// Beyond anything we could hold: all of it is gone.
		w.bulkLost += trail - w.next
		clear(w.pkts)
		clear(w.miss)
		w.next = trail
	} else {
		// The leading run of missing sqns is folded into bulkLost now (one
		// loss report with what came before); the rest waits for pop.
		for w.next != trail {
			if _, ok := w.pkts[w.next]; ok {
				break
			}
			delete(w.miss, w.next)
			w.bulkLost++
			w.next++
		}
		for s := w.next; s != trail; s++ {
			if _, ok := w.pkts[s]; !ok {
				w.miss[s] = &nakState{state: nakLost}
			}
		}
	}
	if before(w.lead, trail-1) {
		w.lead = trail - 1
	}
}

// onSPM applies an SPM's window edges.
func (w *rxWindow) onSPM(trail, lead uint32, now time.Time, rnd *rand.Rand) {
	if !w.init {
		// Nothing to repair from before we arrived.
		w.init = true
		w.next, w.lead = lead+1, lead
		return
	}
	w.advanceTrail(trail)
	if before(w.lead, lead) {
		// Tail loss: the SPM says data exists that we never saw. Only mark
		// what fits in the window.
		if lead-w.next >= w.size {
			lead = w.next + w.size - 1
		}
		w.extendLead(lead, true, now, rnd)
	}
}

// onNCF moves a NAKed sqn to waiting for its RDATA.
func (w *rxWindow) onNCF(sqn uint32, now time.Time) {
	if ns, ok := w.miss[sqn]; ok && ns.state != nakLost {
		ns.state = nakWaitData
		ns.deadline = now.Add(nakRdataIvl)
	}
}

// pop returns the next deliverable item: a payload (ok, lost == 0), or a
// run of lost packets (ok, payload nil, lost > 0; consecutive lost sqns are
// reported together). ok is false when the head is still awaited.
func (w *rxWindow) pop() (payload []byte, lost uint32, ok bool) {
	lost, w.bulkLost = w.bulkLost, 0
	for {
		ns, ok := w.miss[w.next]
		if !ok || ns.state != nakLost {
			break
		}
		delete(w.miss, w.next)
		w.next++
		lost++
	}
	if lost > 0 {
		return nil, lost, true
	}
	if p, ok := w.pkts[w.next]; ok {
		delete(w.pkts, w.next)
		w.next++
		return p, 0, true
	}
	return nil, 0, false
}

// timers runs the NAK state machine at now. canNAK says whether the
// source's NLA is known. It appends the sqns to NAK now to naks and
// returns them with the earliest pending deadline (zero if none).
func (w *rxWindow) timers(now time.Time, canNAK bool, rnd *rand.Rand, naks []uint32) ([]uint32, time.Time) {
	var next, bo time.Time
	// Sqns that back off again in this call share one random back-off, so
	// a large gap keeps a handful of deadlines rather than one per sqn.
	reBackoff := func() time.Time {
		if bo.IsZero() {
			bo = backoff(now, rnd)
		}
		return bo
	}
	for sqn, ns := range w.miss {
		if ns.state == nakLost {
			continue
		}
		if !now.Before(ns.deadline) {
			switch ns.state {
			case nakBackoff:
				if canNAK {
					naks = append(naks, sqn)
					ns.state = nakWaitNCF
					ns.deadline = now.Add(nakRepeatIvl)
				} else {
					// No NLA yet (no SPM): count the wait as an
					// unanswered NAK so that a silent source is
					// given up on in bounded time.
					ns.state = nakWaitNCF
					ns.deadline = now.Add(nakRepeatIvl)
				}
			case nakWaitNCF:
				ns.ncfRetries++
				if ns.ncfRetries >= nakNcfRetries {
					ns.state = nakLost
					continue
				}
				ns.state = nakBackoff
				ns.deadline = reBackoff()
			case nakWaitData:
				ns.dataRetries++
				if ns.dataRetries >= nakDataRetries {
					ns.state = nakLost
					continue
				}
				ns.state = nakBackoff
				ns.deadline = reBackoff()
			}
		}
		if next.IsZero() || ns.deadline.Before(next) {
			next = ns.deadline
		}
	}
	return naks, next
}

// idle reports whether nothing is held or missing.
func (w *rxWindow) idle() bool { return len(w.pkts) == 0 && len(w.miss) == 0 && w.bulkLost == 0 }
