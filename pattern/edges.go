package pattern

import "bytes"

// edges is the child list of a byte-wise trie node: parallel slices of
// labels and children, kept sorted by label so walks visit prefixes in
// lexicographic order. Lookups scan the label slice with
// [bytes.IndexByte], which is fast for the small fan-outs subscription
// tries have and never allocates.
type edges[N any] struct {
	keys []byte
	kids []*N
}

// get returns the child labelled c, or nil.
func (e *edges[N]) get(c byte) *N {
	if i := bytes.IndexByte(e.keys, c); i >= 0 {
		return e.kids[i]
	}
	return nil
}

// add inserts child n under label c, which must not be present.
func (e *edges[N]) add(c byte, n *N) {
	i := 0
	for i < len(e.keys) && e.keys[i] < c {
		i++
	}
	e.keys = append(e.keys, 0)
	copy(e.keys[i+1:], e.keys[i:])
	e.keys[i] = c
	e.kids = append(e.kids, nil)
	copy(e.kids[i+1:], e.kids[i:])
	e.kids[i] = n
}

// remove deletes the child labelled c, if any.
func (e *edges[N]) remove(c byte) {
	i := bytes.IndexByte(e.keys, c)
	if i < 0 {
		return
	}
	last := len(e.keys) - 1
	copy(e.keys[i:], e.keys[i+1:])
	e.keys = e.keys[:last]
	copy(e.kids[i:], e.kids[i+1:])
	e.kids[last] = nil
	e.kids = e.kids[:last]
	if last == 0 {
		// Drop the arrays of a node that lost its last child, so a
		// long-lived node does not keep a large array after churn.
		e.keys, e.kids = nil, nil
	}
}

func (e *edges[N]) len() int { return len(e.keys) }
