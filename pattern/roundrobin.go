package pattern

import "iter"

// roundRobin is the active-set machinery shared by LoadBalancer and
// FairQueue. It follows libzmq's lb and fq: pipes live in one slice whose
// prefix pipes[:active] holds the active pipes, and an index map gives each
// pipe's position, so attaching, activating, deactivating and removing are
// O(1) swaps.
//
// Fairness: within the active prefix, pipes[:cur] have been served in the
// current round and pipes[cur:active] have not. Every operation keeps that
// split intact (libzmq's plain swap can move an unserved pipe into the
// served part, skipping it for a round), so with a stable active set each
// pipe is returned exactly once per round, and a pipe that is activated
// joins the end of the current round.
type roundRobin[P comparable] struct {
	pipes  []P
	index  map[P]int
	active int
	cur    int
}

// swap exchanges positions i and j, keeping the index in step.
func (rr *roundRobin[P]) swap(i, j int) {
	if i == j {
		return
	}
	pi, pj := rr.pipes[i], rr.pipes[j]
	rr.pipes[i], rr.pipes[j] = pj, pi
	rr.index[pi] = j
	rr.index[pj] = i
}

func (rr *roundRobin[P]) attach(p P) {
	if _, ok := rr.index[p]; ok {
		rr.activate(p)
		return
	}
	if rr.index == nil {
		rr.index = make(map[P]int)
	}
	rr.index[p] = len(rr.pipes)
	rr.pipes = append(rr.pipes, p)
	rr.activate(p)
}

func (rr *roundRobin[P]) activate(p P) {
	i, ok := rr.index[p]
	if !ok || i < rr.active {
		return
	}
	// Join the unserved part of the current round, at its end.
	rr.swap(i, rr.active)
	rr.active++
}

func (rr *roundRobin[P]) deactivate(p P) {
	i, ok := rr.index[p]
	if !ok || i >= rr.active {
		return
	}
	last := rr.active - 1
	if i < rr.cur {
		// p was served this round. Fill its slot with the last served
		// pipe, that one's slot with the last unserved pipe, and shrink
		// both parts by one.
		rr.swap(i, rr.cur-1)
		rr.swap(rr.cur-1, last)
		rr.cur--
	} else {
		rr.swap(i, last)
	}
	rr.active--
	if rr.cur >= rr.active {
		rr.cur = 0
	}
}

func (rr *roundRobin[P]) remove(p P) {
	rr.deactivate(p)
	i, ok := rr.index[p]
	if !ok {
		return
	}
	last := len(rr.pipes) - 1
	rr.swap(i, last)
	var zero P
	rr.pipes[last] = zero // do not pin a removed handle
	rr.pipes = rr.pipes[:last]
	delete(rr.index, p)
}

func (rr *roundRobin[P]) next() (P, bool) {
	if rr.active == 0 {
		var zero P
		return zero, false
	}
	p := rr.pipes[rr.cur]
	rr.cur++
	if rr.cur == rr.active {
		rr.cur = 0
	}
	return p, true
}

func (rr *roundRobin[P]) isActive(p P) bool {
	i, ok := rr.index[p]
	return ok && i < rr.active
}

// activePipes yields the active pipes in no particular order. The pipes must not be
// activated, deactivated or removed while the sequence runs.
func (rr *roundRobin[P]) activePipes() iter.Seq[P] {
	return func(yield func(P) bool) {
		for _, p := range rr.pipes[:rr.active] {
			if !yield(p) {
				return
			}
		}
	}
}
