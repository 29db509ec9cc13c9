package pattern

import (
	"fmt"
	"testing"
	"unsafe"
)

// manyTopics is the layout of zmqbench pub_subs's default cell: pipes × per distinct
// topics "sym.NNNNNN.", pipe i holding the symbols j×pipes + i, so neighbouring
// symbols belong to different pipes.
func manyTopics(pipes, per int) [][]byte {
	t := make([][]byte, pipes*per)
	for k := range t {
		t[k] = fmt.Appendf(nil, "sym.%06d.", k)
	}
	return t
}

// manyOrder is a walk over n symbols that jumps across the trie, as pub_subs's
// messages do: k × stride mod n, with stride coprime with n.
func manyOrder(n int) []int {
	stride := n*5/8 + 1
	for gcd(stride, n) != 1 {
		stride++
	}
	o := make([]int, n)
	for i := range o {
		o[i] = i * stride % n
	}
	return o
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// BenchmarkTrieMany measures Match, and Remove then Add (churn), in a trie of 100 000
// subscriptions held by 1000 pipes, visiting the topics in a scattered order.
func BenchmarkTrieMany(b *testing.B) {
	const pipes, per = 1000, 100
	topics := manyTopics(pipes, per)
	var tr Trie[int]
	for k, t := range topics {
		tr.Add(t, k%pipes)
	}
	order := manyOrder(len(topics))
	msgs := make([][]byte, len(topics))
	for i, k := range order {
		msgs[i] = append(append([]byte(nil), topics[k]...), "payload"...)
	}
	b.Run("match", func(b *testing.B) {
		n, i := 0, 0
		b.ReportAllocs()
		for b.Loop() {
			tr.Match(msgs[i], func(int) { n++ })
			if i++; i == len(msgs) {
				i = 0
			}
		}
		if n == 0 {
			b.Fatal("nothing matched")
		}
	})
	b.Run("churn", func(b *testing.B) {
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			k := order[i]
			if removed, _ := tr.Remove(topics[k], k%pipes); !removed {
				b.Fatalf("%s was not held", topics[k])
			}
			tr.Add(topics[k], k%pipes)
			if i++; i == len(order) {
				i = 0
			}
		}
	})
}

// BenchmarkCountTrieMany is BenchmarkTrieMany's match for a SUB's CountTrie holding
// one pipe's share (100 topics) of the same layout.
func BenchmarkCountTrieMany(b *testing.B) {
	const pipes, per = 1000, 100
	topics := manyTopics(pipes, per)
	var tr CountTrie
	for k := 0; k < len(topics); k += pipes {
		tr.Add(topics[k])
	}
	msg := append(append([]byte(nil), topics[len(topics)-pipes]...), "payload"...)
	b.ReportAllocs()
	for b.Loop() {
		if !tr.Match(msg) {
			b.Fatal("no match")
		}
	}
}

// TestTrieWideNode fills one node with all 256 labels, beyond the fan-out at which
// child searches by halves, and checks Match and Remove on it and that removing
// everything frees every node.
func TestTrieWideNode(t *testing.T) {
	var tr Trie[int]
	for c := range 256 {
		tr.Add([]byte{'w', byte(c)}, c)
		tr.Add([]byte{'w', byte(c), 'x'}, 1000+c)
	}
	for c := range 256 {
		got := matchSorted(&tr, string([]byte{'w', byte(c), 'x', 'y'}))
		if len(got) != 2 || got[0] != c || got[1] != 1000+c {
			t.Fatalf("Match(w%02x x y) = %v", c, got)
		}
	}
	for c := 1; c < 256; c += 2 {
		if removed, last := tr.Remove([]byte{'w', byte(c)}, c); !removed || !last {
			t.Fatalf("Remove(w%02x) = %v, %v", c, removed, last)
		}
		if removed, _ := tr.Remove([]byte{'w', byte(c), 'x'}, 1000+c); !removed {
			t.Fatalf("Remove(w%02x x) did not remove", c)
		}
	}
	for c := range 256 {
		got := matchSorted(&tr, string([]byte{'w', byte(c), 'x'}))
		if want := c%2 == 0; (len(got) == 2) != want || (!want && len(got) != 0) {
			t.Fatalf("after removing the odd labels, Match(w%02x x) = %v", c, got)
		}
	}
	if n := trieNodes(&tr.root); n != 1+128*2 {
		t.Fatalf("%d nodes left, want %d", n, 1+128*2)
	}
	for c := 0; c < 256; c += 2 {
		tr.RemovePipe(c, nil)
		tr.RemovePipe(1000+c, nil)
	}
	if n := trieNodes(&tr.root); n != 0 || tr.Pipes() != 0 {
		t.Fatalf("%d nodes and %d pipes left after removing everything", n, tr.Pipes())
	}
}

// TestTrieNodeSize holds trieNode to the one cache line its comment promises, on
// 64-bit platforms.
func TestTrieNodeSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the 64-byte layout is for 64-bit platforms")
	}
	if s := unsafe.Sizeof(trieNode[*int]{}); s != 64 {
		t.Fatalf("a trie node takes %d bytes, want 64", s)
	}
}
