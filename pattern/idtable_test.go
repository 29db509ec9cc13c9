package pattern

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestIDTableExplicit(t *testing.T) {
	tab := NewIDTable[int]()
	id := []byte("alice")
	got, ok := tab.Add(id, 1)
	if !ok || string(got) != "alice" {
		t.Fatalf("Add(alice, 1) = %q, %v", got, ok)
	}
	id[0] = 'X' // the table keeps its own copy
	if p, ok := tab.Lookup([]byte("alice")); !ok || p != 1 {
		t.Fatalf("Lookup(alice) = %d, %v", p, ok)
	}
	if got, ok := tab.Add([]byte("alice"), 2); ok || got != nil {
		t.Fatalf("duplicate Add = %q, %v; want nil, false", got, ok)
	}
	if _, ok := tab.ID(2); ok {
		t.Fatal("failed Add registered the pipe")
	}
	if got, ok := tab.Add([]byte("alice"), 1); !ok || string(got) != "alice" {
		t.Fatalf("re-Add of own id = %q, %v", got, ok)
	}
	if id, ok := tab.ID(1); !ok || string(id) != "alice" {
		t.Fatalf("ID(1) = %q, %v", id, ok)
	}
	// Renaming releases the old id.
	if _, ok := tab.Add([]byte("bob"), 1); !ok {
		t.Fatal("rename failed")
	}
	if _, ok := tab.Lookup([]byte("alice")); ok {
		t.Fatal("old id still routes")
	}
	if _, ok := tab.Add([]byte("alice"), 2); !ok {
		t.Fatal("released id not reusable")
	}
	tab.Remove(1)
	tab.Remove(1)
	if _, ok := tab.Lookup([]byte("bob")); ok {
		t.Fatal("removed pipe still routes")
	}
	if _, ok := tab.ID(1); ok || tab.Len() != 1 {
		t.Fatalf("after Remove: ID ok %v, Len %d", ok, tab.Len())
	}
}

func TestIDTableGenerated(t *testing.T) {
	tab := NewIDTable[int]()
	a, ok := tab.Add(nil, 1)
	if !ok || len(a) != 5 || a[0] != 0 {
		t.Fatalf("generated id %x, %v; want 5 bytes starting 00", a, ok)
	}
	b, _ := tab.Add([]byte{}, 2)
	if binary.BigEndian.Uint32(b[1:]) != binary.BigEndian.Uint32(a[1:])+1 {
		t.Fatalf("ids %x then %x do not count up", a, b)
	}
	for id, p := range map[string]int{string(a): 1, string(b): 2} {
		if q, ok := tab.Lookup([]byte(id)); !ok || q != p {
			t.Fatalf("Lookup(%x) = %d, %v; want %d", id, q, ok, p)
		}
	}
}

func TestIDTableGeneratedSkipsUsed(t *testing.T) {
	var tab IDTable[int] // zero value works too
	tab.Add([]byte("x"), 0)
	tab.next = 0xFFFFFFFF
	// A peer chose the ids the counter will produce next.
	tab.Add([]byte{0, 0xFF, 0xFF, 0xFF, 0xFF}, 1)
	tab.Add([]byte{0, 0, 0, 0, 0}, 2)
	got, ok := tab.Add(nil, 3)
	if want := []byte{0, 0, 0, 0, 1}; !ok || !bytes.Equal(got, want) {
		t.Fatalf("generated %x, %v; want %x (counter wraps, used ids skipped)", got, ok, want)
	}
}

func TestIDTableRandomStart(t *testing.T) {
	// The chance that eight tables start at the same counter is 2^-224.
	first, _ := NewIDTable[int]().Add(nil, 0)
	for range 7 {
		if id, _ := NewIDTable[int]().Add(nil, 0); !bytes.Equal(id, first) {
			return
		}
	}
	t.Fatalf("eight tables all generated %x first", first)
}

func TestIDTableAllocs(t *testing.T) {
	tab := NewIDTable[int]()
	for p := range 100 {
		tab.Add(nil, p)
	}
	id, _ := tab.ID(42)
	key := bytes.Clone(id)
	if a := testing.AllocsPerRun(1000, func() {
		if p, ok := tab.Lookup(key); !ok || p != 42 {
			panic("Lookup failed")
		}
	}); a != 0 {
		t.Fatalf("Lookup allocates %v times", a)
	}
	if a := testing.AllocsPerRun(1000, func() { tab.ID(42) }); a != 0 {
		t.Fatalf("ID allocates %v times", a)
	}
}
