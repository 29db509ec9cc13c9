package pattern

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func matchSorted(tr *Trie[int], topic string) []int {
	var got []int
	tr.Match([]byte(topic), func(p int) { got = append(got, p) })
	slices.Sort(got)
	return got
}

func TestTrieAddRemove(t *testing.T) {
	var tr Trie[int]
	steps := []struct {
		op           string // "add" or "rm"
		prefix       string
		pipe         int
		wantA, wantB bool // added, first / removed, last
	}{
		{"add", "news", 1, true, true},
		{"add", "news", 1, false, false}, // set semantics: repeat is a no-op
		{"add", "news", 2, true, false},
		{"add", "ne", 2, true, true},
		{"add", "", 3, true, true},
		{"rm", "news", 3, false, false}, // 3 never held it
		{"rm", "nope", 1, false, false},
		{"rm", "new", 1, false, false}, // interior node, no holder
		{"rm", "news", 1, true, false},
		{"rm", "news", 1, false, false}, // one Remove undoes any number of Adds
		{"rm", "news", 2, true, true},
		{"add", "news", 1, true, true},
		{"rm", "", 3, true, true},
		{"rm", "", 3, false, false},
	}
	for i, s := range steps {
		var a, b bool
		if s.op == "add" {
			a, b = tr.Add([]byte(s.prefix), s.pipe)
		} else {
			a, b = tr.Remove([]byte(s.prefix), s.pipe)
		}
		if a != s.wantA || b != s.wantB {
			t.Fatalf("step %d: %s(%q, %d) = %v, %v; want %v, %v", i, s.op, s.prefix, s.pipe, a, b, s.wantA, s.wantB)
		}
	}
	if !tr.Has([]byte("news"), 1) || tr.Has([]byte("news"), 2) || !tr.Has([]byte("ne"), 2) || tr.Has([]byte("n"), 2) || tr.Has([]byte("zzz"), 1) {
		t.Fatal("Has disagrees with the adds and removes")
	}
	if tr.Pipes() != 2 {
		t.Fatalf("Pipes = %d, want 2", tr.Pipes())
	}
}

func TestTrieMatch(t *testing.T) {
	var tr Trie[int]
	subs := map[int][]string{
		1: {"", "a", "ab", "abc"}, // several prefixes of one topic
		2: {"ab"},
		3: {"abd", "b"},
		4: {"\x00", "\xff\x00"},
	}
	for p, prefixes := range subs {
		for _, s := range prefixes {
			tr.Add([]byte(s), p)
		}
	}
	tests := []struct {
		topic string
		want  []int
	}{
		{"", []int{1}},
		{"a", []int{1}},
		{"abc", []int{1, 2}},
		{"abcdef", []int{1, 2}},
		{"abd", []int{1, 2, 3}},
		{"b", []int{1, 3}},
		{"\x00", []int{1, 4}},
		{"\xff", []int{1}},
		{"\xff\x00\x01", []int{1, 4}},
		{"zzz", []int{1}},
	}
	for _, tt := range tests {
		if got := matchSorted(&tr, tt.topic); !slices.Equal(got, tt.want) {
			t.Errorf("Match(%q) = %v, want %v", tt.topic, got, tt.want)
		}
	}
	tr.Remove(nil, 1)
	if got := matchSorted(&tr, "zzz"); len(got) != 0 {
		t.Errorf("after removing the empty prefix, Match(zzz) = %v", got)
	}
}

func TestTrieRemovePipe(t *testing.T) {
	var tr Trie[int]
	for _, s := range []string{"", "a", "ab", "b\x00"} {
		tr.Add([]byte(s), 1)
	}
	tr.Add([]byte("ab"), 2)
	got := map[string]bool{}
	tr.RemovePipe(1, func(prefix []byte, last bool) {
		if _, dup := got[string(prefix)]; dup {
			t.Errorf("prefix %q reported twice", prefix)
		}
		got[string(prefix)] = last
	})
	want := map[string]bool{"": true, "a": true, "ab": false, "b\x00": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("RemovePipe reported %v, want %v", got, want)
	}
	if tr.Pipes() != 1 || tr.Has([]byte("a"), 1) {
		t.Fatal("pipe 1 still present")
	}
	if got := matchSorted(&tr, "abc"); !slices.Equal(got, []int{2}) {
		t.Fatalf("Match after RemovePipe = %v", got)
	}
	tr.RemovePipe(1, func([]byte, bool) { t.Error("callback for an unknown pipe") })
	tr.RemovePipe(2, nil)
	if nodes := trieNodes(&tr.root); nodes != 0 || tr.Pipes() != 0 {
		t.Fatalf("%d nodes and %d pipes left after removing everything", nodes, tr.Pipes())
	}
}

// trieNodes counts the nodes below n.
func trieNodes[P comparable](n *trieNode[P]) int {
	c := 0
	for i, e := range n.kids {
		k := e.node
		if k.parent != n || k.label != e.label {
			panic("broken parent link")
		}
		if i > 0 && n.kids[i-1].label >= e.label {
			panic("edges out of order")
		}
		c += 1 + trieNodes(k)
	}
	return c
}

// randPrefix returns a prefix over a tiny alphabet, so prefixes overlap,
// that is occasionally empty and occasionally up to 255 bytes long.
func randPrefix(rng *rand.Rand) []byte {
	alphabet := []byte{0x00, 'a', 0xFF}
	var n int
	switch rng.IntN(10) {
	case 0:
		n = 0
	case 1:
		n = rng.IntN(256)
	default:
		n = rng.IntN(5)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return b
}

// TestTrieRandom checks Trie against a map-of-sets model under random
// operations, including that pruning leaves exactly the nodes the live
// prefixes need.
func TestTrieRandom(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		var tr Trie[int]
		model := map[string]map[int]bool{} // prefix -> holders
		holders := func(s string) int { return len(model[s]) }
		const pipes = 6
		for step := range 3000 {
			p := rng.IntN(pipes)
			prefix := randPrefix(rng)
			if rng.IntN(3) == 0 && len(model) > 0 {
				// Pick a live prefix so removals hit.
				live := slices.Sorted(maps.Keys(model))
				prefix = []byte(live[rng.IntN(len(live))])
			}
			key := string(prefix)
			switch op := rng.IntN(10); {
			case op < 4:
				added, first := tr.Add(prefix, p)
				wantAdded, wantFirst := !model[key][p], holders(key) == 0
				if added != wantAdded || first != wantFirst {
					t.Fatalf("seed %d step %d: Add(%q, %d) = %v, %v; want %v, %v", seed, step, prefix, p, added, first, wantAdded, wantFirst)
				}
				if model[key] == nil {
					model[key] = map[int]bool{}
				}
				model[key][p] = true
			case op < 7:
				removed, last := tr.Remove(prefix, p)
				wantRemoved := model[key][p]
				wantLast := wantRemoved && holders(key) == 1
				if removed != wantRemoved || last != wantLast {
					t.Fatalf("seed %d step %d: Remove(%q, %d) = %v, %v; want %v, %v", seed, step, prefix, p, removed, last, wantRemoved, wantLast)
				}
				if wantRemoved {
					delete(model[key], p)
					if len(model[key]) == 0 {
						delete(model, key)
					}
				}
			case op < 8:
				got := map[string]bool{}
				tr.RemovePipe(p, func(prefix []byte, last bool) {
					got[string(prefix)] = last
				})
				want := map[string]bool{}
				for s, hs := range model {
					if hs[p] {
						want[s] = len(hs) == 1
						delete(hs, p)
						if len(hs) == 0 {
							delete(model, s)
						}
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("seed %d step %d: RemovePipe(%d) reported %v, want %v", seed, step, p, got, want)
				}
			default:
				topic := randPrefix(rng)
				var got, want []int
				tr.Match(topic, func(q int) { got = append(got, q) })
				slices.Sort(got)
				seen := map[int]bool{}
				for s, hs := range model {
					if bytes.HasPrefix(topic, []byte(s)) {
						for q := range hs {
							seen[q] = true
						}
					}
				}
				for q := range seen {
					want = append(want, q)
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d step %d: Match(%q) = %v, want %v", seed, step, topic, got, want)
				}
			}
			if step%100 == 0 || step == 2999 {
				checkTrieShape(t, &tr, model)
			}
		}
		for p := range pipes {
			tr.RemovePipe(p, nil)
		}
		checkTrieShape(t, &tr, map[string]map[int]bool{})
	}
}

// checkTrieShape verifies that the trie has one node per distinct non-empty
// prefix of a live subscription and one record per subscribed pipe.
func checkTrieShape(t *testing.T, tr *Trie[int], model map[string]map[int]bool) {
	t.Helper()
	need := map[string]bool{}
	pipes := map[int]bool{}
	for s, hs := range model {
		for i := 1; i <= len(s); i++ {
			need[s[:i]] = true
		}
		for p := range hs {
			pipes[p] = true
		}
	}
	if got := trieNodes(&tr.root); got != len(need) {
		t.Fatalf("trie has %d nodes, live prefixes need %d", got, len(need))
	}
	if tr.Pipes() != len(pipes) {
		t.Fatalf("Pipes = %d, want %d", tr.Pipes(), len(pipes))
	}
}

// TestTrieChurn checks that memory does not grow when pipes come and go.
func TestTrieChurn(t *testing.T) {
	var tr Trie[int]
	for p := range 1000 {
		tr.Add([]byte("stable"), -1)
		tr.Add(fmt.Appendf(nil, "topic/%d", p), p)
		tr.Add([]byte("topic/"), p)
		if p >= 10 {
			tr.RemovePipe(p-10, nil)
		}
	}
	if n := trieNodes(&tr.root); n > len("stable")+len("topic/")+10*len("topic/999") {
		t.Fatalf("%d nodes after churn", n)
	}
	if tr.Pipes() != 11 {
		t.Fatalf("Pipes = %d, want 11", tr.Pipes())
	}
}

// fill1000 subscribes 100 pipes to 1000 distinct topics under a few
// roots, plus a catch-all subscriber.
func fill1000(tr *Trie[int]) {
	for i := range 1000 {
		tr.Add(fmt.Appendf(nil, "market.%d.price.%d", i%10, i), i%100)
	}
	tr.Add([]byte("market."), 100)
	tr.Add(nil, 101)
}

func TestTrieMatchAllocs(t *testing.T) {
	var tr Trie[int]
	fill1000(&tr)
	topic := []byte("market.3.price.123.extra")
	n := 0
	count := func(int) { n++ }
	tr.Match(topic, count)
	if n != 3 {
		t.Fatalf("Match reported %d pipes, want 3", n)
	}
	if a := testing.AllocsPerRun(1000, func() { tr.Match(topic, count) }); a != 0 {
		t.Fatalf("Match allocates %v times", a)
	}
}

func BenchmarkTrieMatch(b *testing.B) {
	var tr Trie[int]
	fill1000(&tr)
	for _, topic := range []string{"market.3.price.123.extra", "weather.nothing.matches"} {
		b.Run(strings.SplitN(topic, ".", 2)[0], func(b *testing.B) {
			t := []byte(topic)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				tr.Match(t, func(int) { n++ })
			}
		})
	}
}

func ExampleTrie() {
	var t Trie[string]
	added, first := t.Add([]byte("news."), "conn1")
	fmt.Println("conn1 news.:", added, first)
	added, first = t.Add([]byte("news."), "conn1") // a set: no change
	fmt.Println("conn1 news. again:", added, first)
	added, first = t.Add([]byte("news.sport"), "conn2")
	fmt.Println("conn2 news.sport:", added, first)

	t.Match([]byte("news.sport.football"), func(p string) { fmt.Println("deliver to", p) })

	removed, last := t.Remove([]byte("news."), "conn1")
	fmt.Println("conn1 cancels news.:", removed, last)
	// Unordered output:
	// conn1 news.: true true
	// conn1 news. again: false false
	// conn2 news.sport: true true
	// deliver to conn1
	// deliver to conn2
	// conn1 cancels news.: true true
}
