package pattern

// Trie maps subscription prefixes to the pipes holding them, as libzmq's
// mtrie does for PUB and XPUB (zmq-spec §3.7, §3.8). It is a byte-wise
// prefix trie.
//
// Each pipe's subscriptions form a set: adding a prefix the pipe already
// holds changes nothing (gotcha 12; the reference counting of repeated
// subscriptions happens on the SUB side, see [CountTrie]). Add and Remove
// report whether the pipe's set changed and whether the prefix gained its
// first or lost its last holder, which is what XPUB needs to pass
// deduplicated (un)subscribe notifications upstream.
//
// Nodes that no longer hold a pipe or lead to one are freed on removal, so
// memory follows the live subscriptions, not their history.
//
// The zero value is an empty Trie ready to use. A Trie is not safe for
// concurrent use, and the callbacks of its methods must not call back into
// it.
type Trie[P comparable] struct {
	root trieNode[P]
	recs map[P]*triePipe[P]
	gen  uint64 // Match generation, for deduplication
	buf  []byte // prefix scratch for RemovePipe
}

// A trieNode is 64 bytes, one cache line on common CPUs, and its children are one
// array of label and pointer side by side: a step down the trie reads the node and
// that array, and nothing else. With many subscriptions most nodes are cold, so
// Match's cost is the cache lines it touches.
type trieNode[P comparable] struct {
	parent *trieNode[P]
	label  byte           // edge from parent; unused at the root
	kids   []trieEdge[P]  // sorted by label
	pipes  []*triePipe[P] // pipes holding the prefix ending here
}

// trieEdge is one child of a node and the byte that leads to it.
type trieEdge[P comparable] struct {
	label byte
	node  *trieNode[P]
}

// trieScan is the fan-out up to which child scans the edges one by one; above it, it
// searches them by halves.
const trieScan = 16

// child returns the child labelled c, or nil.
func (n *trieNode[P]) child(c byte) *trieNode[P] {
	kids := n.kids
	if len(kids) <= trieScan {
		for i := range kids {
			if kids[i].label == c {
				return kids[i].node
			}
		}
		return nil
	}
	lo, hi := 0, len(kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if kids[m].label < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(kids) && kids[lo].label == c {
		return kids[lo].node
	}
	return nil
}

// addChild inserts k under label c, which must not be present, keeping the order.
func (n *trieNode[P]) addChild(c byte, k *trieNode[P]) {
	i := 0
	for i < len(n.kids) && n.kids[i].label < c {
		i++
	}
	n.kids = append(n.kids, trieEdge[P]{})
	copy(n.kids[i+1:], n.kids[i:])
	n.kids[i] = trieEdge[P]{label: c, node: k}
}

// removeChild deletes the child labelled c, if any. A node that loses its last child
// drops its array, so a long-lived node does not keep a large one after churn.
func (n *trieNode[P]) removeChild(c byte) {
	for i := range n.kids {
		if n.kids[i].label != c {
			continue
		}
		last := len(n.kids) - 1
		copy(n.kids[i:], n.kids[i+1:])
		n.kids[last] = trieEdge[P]{}
		n.kids = n.kids[:last]
		if last == 0 {
			n.kids = nil
		}
		return
	}
}

// triePipe is the per-pipe record. Nodes point at it, so Match reaches the
// pipe and its deduplication mark without a map lookup.
type triePipe[P comparable] struct {
	p     P
	gen   uint64               // last Match generation p was reported in
	nodes map[*trieNode[P]]int // p's prefixes: node -> position in node.pipes
}

// Add subscribes p to prefix. added reports that p did not hold prefix
// before; first reports that no pipe held it before. An empty prefix
// matches every topic.
func (t *Trie[P]) Add(prefix []byte, p P) (added, first bool) {
	n := &t.root
	for _, c := range prefix {
		k := n.child(c)
		if k == nil {
			k = &trieNode[P]{parent: n, label: c}
			n.addChild(c, k)
		}
		n = k
	}
	if t.recs == nil {
		t.recs = make(map[P]*triePipe[P])
	}
	r := t.recs[p]
	if r == nil {
		r = &triePipe[P]{p: p, nodes: make(map[*trieNode[P]]int)}
		t.recs[p] = r
	}
	if _, ok := r.nodes[n]; ok {
		return false, false
	}
	r.nodes[n] = len(n.pipes)
	n.pipes = append(n.pipes, r)
	return true, len(n.pipes) == 1
}

// Remove unsubscribes p from prefix. removed reports that p held prefix;
// last reports that no pipe holds it any more. If p did not hold prefix,
// both are false.
func (t *Trie[P]) Remove(prefix []byte, p P) (removed, last bool) {
	r := t.recs[p]
	if r == nil {
		return false, false
	}
	n := t.find(prefix)
	if n == nil {
		return false, false
	}
	if _, ok := r.nodes[n]; !ok {
		return false, false
	}
	last = t.detach(r, n)
	return true, last
}

// RemovePipe unsubscribes p from every prefix it holds, calling fn (if not
// nil) once for each prefix with last reporting that no pipe holds it any
// more. XPUB uses this when a subscriber disconnects. The prefix slice is
// valid only during the call. The order of the calls is unspecified.
func (t *Trie[P]) RemovePipe(p P, fn func(prefix []byte, last bool)) {
	r := t.recs[p]
	if r == nil {
		return
	}
	for n := range r.nodes {
		last := len(n.pipes) == 1
		if fn != nil {
			// Report before detaching: detaching may free n's
			// ancestors, which the prefix is read from. Only n's
			// own holder count decides last, so it is known now.
			t.buf = appendPrefix(t.buf[:0], n)
			fn(t.buf, last)
		}
		t.detach(r, n)
	}
}

// Match calls fn once for every pipe subscribed to a prefix of topic, even
// if the pipe holds several such prefixes. The order of the calls is
// unspecified. Match does not allocate.
func (t *Trie[P]) Match(topic []byte, fn func(P)) {
	t.gen++
	g := t.gen
	n := &t.root
	for i := 0; ; i++ {
		for _, r := range n.pipes {
			if r.gen != g {
				r.gen = g
				fn(r.p)
			}
		}
		if i == len(topic) {
			return
		}
		if n = n.child(topic[i]); n == nil {
			return
		}
	}
}

// Has reports whether p holds prefix.
func (t *Trie[P]) Has(prefix []byte, p P) bool {
	r := t.recs[p]
	if r == nil {
		return false
	}
	n := t.find(prefix)
	if n == nil {
		return false
	}
	_, ok := r.nodes[n]
	return ok
}

// Pipes returns the number of pipes holding at least one prefix.
func (t *Trie[P]) Pipes() int { return len(t.recs) }

// find returns the node for prefix, or nil.
func (t *Trie[P]) find(prefix []byte) *trieNode[P] {
	n := &t.root
	for _, c := range prefix {
		if n = n.child(c); n == nil {
			return nil
		}
	}
	return n
}

// detach removes r from n, frees whatever became empty, and reports
// whether n lost its last holder.
func (t *Trie[P]) detach(r *triePipe[P], n *trieNode[P]) (last bool) {
	i := r.nodes[n]
	delete(r.nodes, n)
	end := len(n.pipes) - 1
	if i != end {
		moved := n.pipes[end]
		n.pipes[i] = moved
		moved.nodes[n] = i
	}
	n.pipes[end] = nil
	n.pipes = n.pipes[:end]
	if end == 0 {
		n.pipes = nil
	}
	if len(r.nodes) == 0 {
		delete(t.recs, r.p)
	}
	t.prune(n)
	return end == 0
}

// prune frees n and its ancestors while they hold no pipe and lead nowhere.
func (t *Trie[P]) prune(n *trieNode[P]) {
	for n.parent != nil && len(n.pipes) == 0 && len(n.kids) == 0 {
		p := n.parent
		p.removeChild(n.label)
		n.parent = nil
		n = p
	}
}

// appendPrefix appends the prefix that leads to n.
func appendPrefix[P comparable](b []byte, n *trieNode[P]) []byte {
	start := len(b)
	for ; n.parent != nil; n = n.parent {
		b = append(b, n.label)
	}
	// Walking up produced the prefix backwards.
	for i, j := start, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}
