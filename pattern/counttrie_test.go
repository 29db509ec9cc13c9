package pattern

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCountTrieRefcount(t *testing.T) {
	var ct CountTrie
	if ct.Match([]byte("x")) {
		t.Fatal("empty CountTrie matches")
	}
	if !ct.Add([]byte("a")) || ct.Add([]byte("a")) {
		t.Fatal("Add first flags wrong")
	}
	if last, ok := ct.Remove([]byte("a")); last || !ok {
		t.Fatalf("first cancel = %v, %v; want false, true", last, ok)
	}
	if !ct.Match([]byte("abc")) {
		t.Fatal("prefix with one reference left does not match")
	}
	if last, ok := ct.Remove([]byte("a")); !last || !ok {
		t.Fatalf("second cancel = %v, %v; want true, true", last, ok)
	}
	if last, ok := ct.Remove([]byte("a")); last || ok {
		t.Fatalf("third cancel = %v, %v; want false, false", last, ok)
	}
	ct.Add([]byte("abc"))
	if last, ok := ct.Remove([]byte("ab")); last || ok {
		t.Fatalf("cancel of an interior node = %v, %v; want false, false", last, ok)
	}
	if ct.Match([]byte("ab")) || !ct.Match([]byte("abc")) || !ct.Match([]byte("abcd")) {
		t.Fatal("Match disagrees with {abc}")
	}
	ct.Add(nil)
	if !ct.Match(nil) || !ct.Match([]byte("zz")) {
		t.Fatal("empty prefix does not match everything")
	}
	if ct.Len() != 2 {
		t.Fatalf("Len = %d, want 2", ct.Len())
	}
}

func TestCountTrieEach(t *testing.T) {
	var ct CountTrie
	for _, s := range []string{"b", "a", "ab", "a", "", "\xff", "\x00z", "abc"} {
		ct.Add([]byte(s))
	}
	ct.Remove([]byte("ab"))
	var got []string
	ct.Each(func(p []byte) { got = append(got, string(p)) })
	want := []string{"", "\x00z", "a", "abc", "b", "\xff"}
	if !slices.Equal(got, want) {
		t.Fatalf("Each = %q, want %q", got, want)
	}
}

func countNodes(n *countNode) int {
	c := 0
	for _, k := range n.kids.kids {
		c += 1 + countNodes(k)
	}
	return c
}

// TestCountTrieRandom checks CountTrie against a map of counts.
func TestCountTrieRandom(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var ct CountTrie
		model := map[string]int{}
		for step := range 3000 {
			prefix := randPrefix(rng)
			if rng.IntN(2) == 0 && len(model) > 0 {
				live := slices.Sorted(maps.Keys(model))
				prefix = []byte(live[rng.IntN(len(live))])
			}
			key := string(prefix)
			switch op := rng.IntN(3); op {
			case 0:
				if first := ct.Add(prefix); first != (model[key] == 0) {
					t.Fatalf("seed %d step %d: Add(%q) = %v with count %d", seed, step, prefix, first, model[key])
				}
				model[key]++
			case 1:
				last, ok := ct.Remove(prefix)
				if ok != (model[key] > 0) || last != (model[key] == 1) {
					t.Fatalf("seed %d step %d: Remove(%q) = %v, %v with count %d", seed, step, prefix, last, ok, model[key])
				}
				if ok {
					model[key]--
					if model[key] == 0 {
						delete(model, key)
					}
				}
			default:
				topic := randPrefix(rng)
				want := false
				for s := range model {
					want = want || bytes.HasPrefix(topic, []byte(s))
				}
				if got := ct.Match(topic); got != want {
					t.Fatalf("seed %d step %d: Match(%q) = %v, want %v", seed, step, topic, got, want)
				}
			}
			if ct.Len() != len(model) {
				t.Fatalf("seed %d step %d: Len = %d, want %d", seed, step, ct.Len(), len(model))
			}
		}
		var each []string
		ct.Each(func(p []byte) { each = append(each, string(p)) })
		if want := slices.Sorted(maps.Keys(model)); !slices.Equal(each, want) {
			t.Fatalf("seed %d: Each = %q, want %q", seed, each, want)
		}
		need := map[string]bool{}
		for s := range model {
			for i := 1; i <= len(s); i++ {
				need[s[:i]] = true
			}
		}
		if n := countNodes(&ct.root); n != len(need) {
			t.Fatalf("seed %d: %d nodes, live prefixes need %d", seed, n, len(need))
		}
		for s, c := range model {
			for range c {
				ct.Remove([]byte(s))
			}
		}
		if n := countNodes(&ct.root); n != 0 || ct.Len() != 0 {
			t.Fatalf("seed %d: %d nodes, Len %d after removing everything", seed, n, ct.Len())
		}
	}
}

func TestCountTrieMatchAllocs(t *testing.T) {
	var ct CountTrie
	for i := range 1000 {
		ct.Add(fmt.Appendf(nil, "market.%d.price.%d", i%10, i))
	}
	hit, miss := []byte("market.3.price.123.x"), []byte("market.3.volume")
	if !ct.Match(hit) || ct.Match(miss) {
		t.Fatal("Match wrong")
	}
	if a := testing.AllocsPerRun(1000, func() { ct.Match(hit); ct.Match(miss) }); a != 0 {
		t.Fatalf("Match allocates %v times", a)
	}
}
