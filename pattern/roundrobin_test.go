package pattern

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// rotation is the method set LoadBalancer and FairQueue share; the tests
// below run against both.
type rotation interface {
	Attach(int)
	Activate(int)
	Deactivate(int)
	Remove(int)
	Next() (int, bool)
	IsActive(int) bool
	Len() int
	Active() int
}

var rotations = []struct {
	name string
	new  func() rotation
}{
	{"LoadBalancer", func() rotation { return new(LoadBalancer[int]) }},
	{"FairQueue", func() rotation { return new(FairQueue[int]) }},
}

func forEachRotation(t *testing.T, f func(t *testing.T, newRot func() rotation)) {
	for _, r := range rotations {
		t.Run(r.name, func(t *testing.T) { f(t, r.new) })
	}
}

func nextN(t *testing.T, r rotation, n int) []int {
	t.Helper()
	out := make([]int, 0, n)
	for range n {
		p, ok := r.Next()
		if !ok {
			t.Fatalf("Next: no active pipe after %v", out)
		}
		out = append(out, p)
	}
	return out
}

func sortedInts(s []int) string {
	return fmt.Sprint(slices.Sorted(slices.Values(s)))
}

func TestRotationZeroValue(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		r := newRot()
		if p, ok := r.Next(); ok {
			t.Fatalf("empty Next = %d, true", p)
		}
		// Operations on unknown pipes are no-ops.
		r.Activate(1)
		r.Deactivate(1)
		r.Remove(1)
		if r.Len() != 0 || r.Active() != 0 || r.IsActive(1) {
			t.Fatalf("Len, Active, IsActive = %d, %d, %v; want 0, 0, false", r.Len(), r.Active(), r.IsActive(1))
		}
	})
}

func TestRotationSequence(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		r := newRot()
		for p := 1; p <= 3; p++ {
			r.Attach(p)
		}
		if got := fmt.Sprint(nextN(t, r, 7)); got != "[1 2 3 1 2 3 1]" {
			t.Fatalf("round robin = %s", got)
		}
		// 2 is the next one due; taking it out must not skip 3.
		r.Deactivate(2)
		if got := fmt.Sprint(nextN(t, r, 4)); got != "[3 1 3 1]" {
			t.Fatalf("after Deactivate(2): %s", got)
		}
		r.Activate(2)
		r.Activate(2) // no-op
		if r.Active() != 3 || r.Len() != 3 || !r.IsActive(2) {
			t.Fatalf("Active, Len = %d, %d; want 3, 3", r.Active(), r.Len())
		}
		// Round is fresh (3, 1 were served and wrapped), 2 joins it.
		got := nextN(t, r, 3)
		if seen := map[int]bool{got[0]: true, got[1]: true, got[2]: true}; len(seen) != 3 {
			t.Fatalf("after Activate(2), one round = %v, want each pipe once", got)
		}
		r.Remove(1)
		r.Remove(1)
		if r.Len() != 2 || r.IsActive(1) {
			t.Fatalf("after Remove(1): Len %d, IsActive(1) %v", r.Len(), r.IsActive(1))
		}
		for _, p := range nextN(t, r, 10) {
			if p == 1 {
				t.Fatal("removed pipe returned")
			}
		}
		r.Deactivate(2)
		r.Deactivate(3)
		if p, ok := r.Next(); ok {
			t.Fatalf("Next with no active pipe = %d, true", p)
		}
		r.Attach(3) // attaching a known pipe activates it
		if got := fmt.Sprint(nextN(t, r, 2)); got != "[3 3]" {
			t.Fatalf("after re-Attach(3): %s", got)
		}
	})
}

// TestRotationDeactivateServed checks the case libzmq's plain swap gets
// wrong: deactivating a pipe already served this round must not move an
// unserved pipe into the served part and skip it.
func TestRotationDeactivateServed(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		r := newRot()
		for p := 1; p <= 5; p++ {
			r.Attach(p)
		}
		nextN(t, r, 5) // a full round
		nextN(t, r, 3) // 1, 2, 3 served in this one
		// libzmq's plain swap would move 5 into 2's slot, behind the
		// cursor, so 1 would be served again before 5.
		r.Deactivate(2)
		if got := sortedInts(nextN(t, r, 2)); got != "[4 5]" {
			t.Fatalf("rest of the round = %s, want 4 and 5", got)
		}
		if got := sortedInts(nextN(t, r, 4)); got != "[1 3 4 5]" {
			t.Fatalf("next round = %s, want each of 1 3 4 5 once", got)
		}
	})
}

// TestRotationEven: after N calls over k active pipes each pipe was
// returned floor(N/k) or ceil(N/k) times, whatever state the cursor was in.
func TestRotationEven(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		rng := rand.New(rand.NewPCG(1, 2))
		for trial := range 200 {
			r := newRot()
			total := 1 + rng.IntN(20)
			for p := range total {
				r.Attach(p)
			}
			// Stir: random deactivations and some Next calls.
			for range rng.IntN(30) {
				switch rng.IntN(3) {
				case 0:
					r.Deactivate(rng.IntN(total))
				case 1:
					r.Activate(rng.IntN(total))
				default:
					r.Next()
				}
			}
			k := r.Active()
			if k == 0 {
				continue
			}
			n := rng.IntN(100)
			counts := map[int]int{}
			for _, p := range nextN(t, r, n) {
				if !r.IsActive(p) {
					t.Fatalf("trial %d: inactive pipe %d returned", trial, p)
				}
				counts[p]++
			}
			for p := range total {
				if !r.IsActive(p) {
					continue
				}
				if c := counts[p]; c != n/k && c != (n+k-1)/k {
					t.Fatalf("trial %d: pipe %d returned %d times in %d calls over %d pipes", trial, p, c, n, k)
				}
			}
		}
	})
}

// rotationModel is the reference for TestRotationRandom: a round is the set
// of active pipes; Next must return an active pipe not yet served in the
// round, and the round restarts once every active pipe has been served.
type rotationModel struct {
	active map[int]bool // attached pipes -> active
	served map[int]bool
}

func (m *rotationModel) nActive() int {
	n := 0
	for _, a := range m.active {
		if a {
			n++
		}
	}
	return n
}

// settle starts a new round when no active pipe is left unserved.
func (m *rotationModel) settle() {
	for p, a := range m.active {
		if a && !m.served[p] {
			return
		}
	}
	clear(m.served)
}

func TestRotationRandom(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		for seed := range uint64(50) {
			rng := rand.New(rand.NewPCG(seed, 99))
			r := newRot()
			m := &rotationModel{active: map[int]bool{}, served: map[int]bool{}}
			const pipes = 12
			for step := range 2000 {
				p := rng.IntN(pipes)
				var op string
				switch x := rng.IntN(10); {
				case x == 0:
					op = "Attach"
					r.Attach(p)
					if a, ok := m.active[p]; !ok || !a {
						m.active[p] = true
						delete(m.served, p)
					}
				case x == 1:
					op = "Remove"
					r.Remove(p)
					delete(m.active, p)
					delete(m.served, p)
				case x == 2:
					op = "Deactivate"
					r.Deactivate(p)
					if _, ok := m.active[p]; ok {
						m.active[p] = false
					}
					delete(m.served, p)
				case x == 3:
					op = "Activate"
					r.Activate(p)
					if a, ok := m.active[p]; ok && !a {
						m.active[p] = true
						delete(m.served, p)
					}
				default:
					op = "Next"
					got, ok := r.Next()
					if ok != (m.nActive() > 0) {
						t.Fatalf("seed %d step %d: Next ok = %v with %d active", seed, step, ok, m.nActive())
					}
					if ok {
						if !m.active[got] {
							t.Fatalf("seed %d step %d: Next = %d, which is not active", seed, step, got)
						}
						if m.served[got] {
							t.Fatalf("seed %d step %d: Next = %d twice in one round (served %v)", seed, step, got, m.served)
						}
						m.served[got] = true
					}
				}
				m.settle()
				if r.Len() != len(m.active) || r.Active() != m.nActive() {
					t.Fatalf("seed %d step %d after %s(%d): Len, Active = %d, %d; want %d, %d",
						seed, step, op, p, r.Len(), r.Active(), len(m.active), m.nActive())
				}
				for q := range pipes {
					if r.IsActive(q) != m.active[q] {
						t.Fatalf("seed %d step %d after %s(%d): IsActive(%d) = %v", seed, step, op, p, q, r.IsActive(q))
					}
				}
			}
		}
	})
}

func TestRotationNextAllocs(t *testing.T) {
	forEachRotation(t, func(t *testing.T, newRot func() rotation) {
		r := newRot()
		for p := range 8 {
			r.Attach(p)
		}
		if n := testing.AllocsPerRun(1000, func() { r.Next() }); n != 0 {
			t.Fatalf("Next allocates %v times", n)
		}
	})
}

// TestRotationRemoveClears checks that a removed pointer handle is not kept
// alive by the pipe slice.
func TestRotationRemoveClears(t *testing.T) {
	var lb LoadBalancer[*int]
	a, b := new(int), new(int)
	lb.Attach(a)
	lb.Attach(b)
	lb.Remove(a)
	lb.Remove(b)
	for _, p := range lb.rr.pipes[:cap(lb.rr.pipes)] {
		if p != nil {
			t.Fatal("removed pipe still referenced")
		}
	}
}
