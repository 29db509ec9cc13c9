package pattern

import "testing"

// TestFairQueueReadLoop drives a FairQueue the way a PULL socket does: take
// a pipe, read one message, deactivate it when empty, reactivate on data.
func TestFairQueueReadLoop(t *testing.T) {
	queues := map[string][]string{
		"a": {"a1", "a2", "a3"},
		"b": {"b1"},
		"c": {"c1", "c2"},
	}
	var fq FairQueue[string]
	for _, p := range []string{"a", "b", "c"} {
		fq.Attach(p)
	}
	recv := func() (string, bool) {
		for {
			p, ok := fq.Next()
			if !ok {
				return "", false
			}
			if len(queues[p]) == 0 {
				fq.Deactivate(p)
				continue
			}
			m := queues[p][0]
			queues[p] = queues[p][1:]
			return m, true
		}
	}
	var got []string
	for {
		m, ok := recv()
		if !ok {
			break
		}
		got = append(got, m)
	}
	want := []string{"a1", "b1", "c1", "a2", "c2", "a3"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if fq.Active() != 0 {
		t.Fatalf("Active = %d after draining, want 0", fq.Active())
	}
	queues["b"] = append(queues["b"], "b2")
	fq.Activate("b")
	if m, ok := recv(); !ok || m != "b2" {
		t.Fatalf("after Activate: %q, %v", m, ok)
	}
}

// TestActivePipesLeavesTurnAlone checks that ActivePipes lists exactly the active
// pipes, stops when asked, and does not change which pipe Next returns.
func TestActivePipesLeavesTurnAlone(t *testing.T) {
	var fq FairQueue[int]
	var lb LoadBalancer[int]
	for p := 1; p <= 4; p++ {
		fq.Attach(p)
		lb.Attach(p)
	}
	fq.Deactivate(3)
	lb.Deactivate(2)
	first, _ := fq.Next() // advance the cursor once
	lbFirst, _ := lb.Next()

	got := map[int]bool{}
	for p := range fq.ActivePipes() {
		got[p] = true
	}
	if len(got) != 3 || !got[1] || !got[2] || !got[4] {
		t.Fatalf("FairQueue.ActivePipes = %v, want 1, 2 and 4", got)
	}
	got = map[int]bool{}
	for p := range lb.ActivePipes() {
		got[p] = true
	}
	if len(got) != 3 || !got[1] || !got[3] || !got[4] {
		t.Fatalf("LoadBalancer.ActivePipes = %v, want 1, 3 and 4", got)
	}
	n := 0
	for range fq.ActivePipes() {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("ActivePipes went on after break: %d pipes", n)
	}

	// The turn is where one Next left it: a fresh queue driven the same way agrees.
	var ref FairQueue[int]
	var refLB LoadBalancer[int]
	for p := 1; p <= 4; p++ {
		ref.Attach(p)
		refLB.Attach(p)
	}
	ref.Deactivate(3)
	refLB.Deactivate(2)
	ref.Next()
	refLB.Next()
	for i := 0; i < 6; i++ {
		a, _ := fq.Next()
		b, _ := ref.Next()
		c, _ := lb.Next()
		d, _ := refLB.Next()
		if a != b || c != d {
			t.Fatalf("Next %d after ActivePipes = %d, %d; without = %d, %d (first %d, %d)", i, a, c, b, d, first, lbFirst)
		}
	}
}
