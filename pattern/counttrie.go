package pattern

// CountTrie is the reference-counted subscription set of SUB and XSUB
// (zmq-spec §3.7, §3.8): each prefix carries a count, so subscribing twice
// needs two cancels. SUB forwards every subscribe upstream but a cancel only
// when [CountTrie.Remove] reports last, filters incoming messages with
// [CountTrie.Match], and replays [CountTrie.Each] to every new connection.
//
// Nodes whose count drops to zero and that lead nowhere are freed.
//
// The zero value is an empty CountTrie ready to use. A CountTrie is not safe
// for concurrent use, and the callback of Each must not call back into it.
type CountTrie struct {
	root countNode
	n    int    // distinct prefixes
	buf  []byte // prefix scratch for Each
}

type countNode struct {
	parent *countNode
	label  byte
	kids   edges[countNode]
	count  int
}

// Add adds one reference to prefix and reports whether it is the first.
// An empty prefix matches every topic.
func (t *CountTrie) Add(prefix []byte) (first bool) {
	n := &t.root
	for _, c := range prefix {
		k := n.kids.get(c)
		if k == nil {
			k = &countNode{parent: n, label: c}
			n.kids.add(c, k)
		}
		n = k
	}
	n.count++
	if n.count == 1 {
		t.n++
		return true
	}
	return false
}

// Remove drops one reference to prefix. ok is false if prefix was not
// present; last reports that this was its final reference.
func (t *CountTrie) Remove(prefix []byte) (last, ok bool) {
	n := &t.root
	for _, c := range prefix {
		if n = n.kids.get(c); n == nil {
			return false, false
		}
	}
	if n.count == 0 {
		return false, false
	}
	n.count--
	if n.count > 0 {
		return false, true
	}
	t.n--
	for n.parent != nil && n.count == 0 && n.kids.len() == 0 {
		p := n.parent
		p.kids.remove(n.label)
		n.parent = nil
		n = p
	}
	return true, true
}

// Match reports whether some prefix of topic is present. It does not
// allocate.
func (t *CountTrie) Match(topic []byte) bool {
	n := &t.root
	for i := 0; ; i++ {
		if n.count > 0 {
			return true
		}
		if i == len(topic) {
			return false
		}
		if n = n.kids.get(topic[i]); n == nil {
			return false
		}
	}
}

// Each calls fn once for every distinct prefix present, in lexicographic
// byte order. The prefix slice is valid only during the call.
func (t *CountTrie) Each(fn func(prefix []byte)) {
	t.buf = t.each(&t.root, t.buf[:0], fn)
}

func (t *CountTrie) each(n *countNode, b []byte, fn func([]byte)) []byte {
	if n.count > 0 {
		fn(b)
	}
	for i, k := range n.kids.kids {
		b = t.each(k, append(b, n.kids.keys[i]), fn)
		b = b[:len(b)-1]
	}
	return b
}

// Len returns the number of distinct prefixes present.
func (t *CountTrie) Len() int { return t.n }
