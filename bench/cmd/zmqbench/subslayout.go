package main

import "fmt"

// subsLayout is the topic plan pub_subs shares with bench/peers/c/pub_subs.c, so that
// both publish the same messages to the same subscriptions:
//
//   - There are T = subscribers × per data subscriptions, one per symbol 0 … T-1. The
//     topic of symbol k is "sym." + k in W decimal digits + ".", where W is the number of
//     digits of 2T-1, so no topic is a prefix of another (sym.000042.).
//   - Subscriber i holds the symbols j×subscribers + i for j = 0 … per-1: neighbouring
//     symbols belong to different subscribers, so their prefixes share trie nodes.
//   - Every tenth message (m mod 10 = 9) is the u-th unmatched one, u = m / 10, and
//     carries symbol T + (u × stride mod T), which no subscriber holds; any other is
//     the q-th matched one, q = m - m / 10, and carries symbol q × stride mod T.
//     stride is the first number from 5T/8 + 1 up that is coprime with T, so
//     consecutive messages jump across the trie and every T matched messages visit
//     every symbol once.
//   - Every message body starts with its topic; the rest of the body is zeros.
type subsLayout struct {
	subs, per int // subscribers, subscriptions per subscriber
	total     int // T
	width     int // W
	stride    int
}

// subsUnmatchedEvery makes every tenth message one that no subscriber holds.
const subsUnmatchedEvery = 10

func newSubsLayout(subs, per int) subsLayout {
	l := subsLayout{subs: subs, per: per, total: subs * per}
	for n := 2*l.total - 1; ; n /= 10 {
		l.width++
		if n < 10 {
			break
		}
	}
	l.stride = l.total*5/8 + 1
	for gcd(l.stride, l.total) != 1 {
		l.stride++
	}
	return l
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// topicLen is the length of every data topic.
func (l subsLayout) topicLen() int { return len("sym.") + l.width + len(".") }

// appendTopic appends the topic of symbol k to b.
func (l subsLayout) appendTopic(b []byte, k int) []byte {
	b = append(b, "sym."...)
	start := len(b)
	for range l.width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start; i-- {
		b[i] = byte('0' + k%10)
		k /= 10
	}
	return append(b, '.')
}

// subscription returns subscriber i's j-th symbol.
func (l subsLayout) subscription(i, j int) int { return j*l.subs + i }

// symbol returns the symbol of message m.
func (l subsLayout) symbol(m int) int {
	u := m / subsUnmatchedEvery
	if m%subsUnmatchedEvery == subsUnmatchedEvery-1 {
		return l.total + l.scatter(u)
	}
	return l.scatter(m - u)
}

// scatter returns i × stride mod T.
func (l subsLayout) scatter(i int) int {
	return int(uint64(i) * uint64(l.stride) % uint64(l.total))
}

// owner returns the subscriber that holds symbol k, or false for the unheld ones.
func (l subsLayout) owner(k int) (int, bool) {
	if k < 0 || k >= l.total {
		return 0, false
	}
	return k % l.subs, true
}

// parse returns the symbol of a body that starts with a data topic.
func (l subsLayout) parse(b []byte) (int, error) {
	if len(b) < l.topicLen() || string(b[:4]) != "sym." || b[4+l.width] != '.' {
		return 0, fmt.Errorf("no data topic at the start of a %d-byte message", len(b))
	}
	k := 0
	for _, c := range b[4 : 4+l.width] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad symbol %q", b[:l.topicLen()])
		}
		k = k*10 + int(c-'0')
	}
	return k, nil
}
