package pattern

import (
	"encoding/binary"
	"math/rand/v2"
)

// IDTable maps ROUTER routing ids to pipes and back (zmq-spec §3.6).
//
// A peer that announces no routing id gets a generated one, as in libzmq:
// five bytes, 0x00 followed by a big-endian uint32 counter that starts at a
// random value and counts up, skipping ids that are in use. (libzmq reserves
// ids starting with 0x00 for this, which is why they cannot collide with a
// well-behaved peer's chosen id.)
//
// Create an IDTable with [NewIDTable]; the zero value also works and seeds
// its counter on first use. An IDTable is not safe for concurrent use.
type IDTable[P comparable] struct {
	byID   map[string]P
	byPipe map[P][]byte
	next   uint32
	seeded bool
}

// NewIDTable returns an empty IDTable whose generated ids start at a random
// counter value.
func NewIDTable[P comparable]() *IDTable[P] {
	t := &IDTable[P]{}
	t.init()
	return t
}

func (t *IDTable[P]) init() {
	if t.byID == nil {
		t.byID = make(map[string]P)
		t.byPipe = make(map[P][]byte)
	}
	if !t.seeded {
		t.next = rand.Uint32()
		t.seeded = true
	}
}

// Add registers p under id and returns the id it was given: a copy of id,
// or a generated id if id is empty. ok is false, and nothing changes, if id
// already belongs to another pipe; a ROUTER then ignores the new peer, or,
// with ROUTER_HANDOVER, renames the old one first.
//
// If p already has an id, Add renames it: the old id is released. So
// Add(nil, old) moves a pipe to a fresh generated id.
//
// The returned slice is owned by the table and must not be modified.
func (t *IDTable[P]) Add(id []byte, p P) (assigned []byte, ok bool) {
	t.init()
	if len(id) > 0 {
		if q, dup := t.byID[string(id)]; dup {
			if q == p {
				return t.byPipe[p], true
			}
			return nil, false
		}
		assigned = append([]byte(nil), id...)
	} else {
		assigned = make([]byte, 5)
		for {
			binary.BigEndian.PutUint32(assigned[1:], t.next)
			t.next++
			if _, used := t.byID[string(assigned)]; !used {
				break
			}
		}
	}
	if old, had := t.byPipe[p]; had {
		delete(t.byID, string(old))
	}
	t.byID[string(assigned)] = p
	t.byPipe[p] = assigned
	return assigned, true
}

// Lookup returns the pipe registered under id. It does not allocate.
func (t *IDTable[P]) Lookup(id []byte) (P, bool) {
	p, ok := t.byID[string(id)]
	return p, ok
}

// Remove forgets p and releases its id. It does nothing if p is unknown.
func (t *IDTable[P]) Remove(p P) {
	id, ok := t.byPipe[p]
	if !ok {
		return
	}
	delete(t.byID, string(id))
	delete(t.byPipe, p)
}

// ID returns p's routing id. The slice is owned by the table and must not
// be modified; it stays valid after p is removed. ID does not allocate.
func (t *IDTable[P]) ID(p P) ([]byte, bool) {
	id, ok := t.byPipe[p]
	return id, ok
}

// Len returns the number of registered pipes.
func (t *IDTable[P]) Len() int { return len(t.byPipe) }
