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
