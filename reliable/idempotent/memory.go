package idempotent

import (
	"bytes"
	"sync"
	"time"
)

// DefaultWindow is the number of ids a Memory store remembers when given none.
const DefaultWindow = 10000

// Memory is a Store in memory that remembers the replies of the last Window ids,
// each for at most TTL: a bounded window, whatever the request rate.
type Memory struct {
	window int
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*entry
	order   []*entry // ring of insertion order, oldest at head
	head, n int
}

type entry struct {
	id    string
	reply [][]byte
	at    time.Time
}

// NewMemory returns a Memory store of window ids (DefaultWindow when not positive),
// each remembered for ttl (forever, within the window, when not positive).
func NewMemory(window int, ttl time.Duration) *Memory {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Memory{window: window, ttl: ttl, now: time.Now,
		entries: make(map[string]*entry), order: make([]*entry, window)}
}

// Len returns the number of ids remembered now.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked()
	return len(m.entries)
}

// Get returns a copy of the reply remembered for id.
func (m *Memory) Get(id []byte) ([][]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked()
	e, ok := m.entries[string(id)]
	if !ok {
		return nil, false, nil
	}
	return cloneFrames(e.reply), true, nil
}

// Put remembers reply for id, evicting the oldest id when the window is full. The
// frames are copied.
func (m *Memory) Put(id []byte, reply [][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireLocked()
	if _, ok := m.entries[string(id)]; ok {
		return nil
	}
	if m.n == m.window {
		m.evictLocked()
	}
	e := &entry{id: string(id), reply: cloneFrames(reply), at: m.now()}
	m.entries[e.id] = e
	m.order[(m.head+m.n)%m.window] = e
	m.n++
	return nil
}

func (m *Memory) evictLocked() {
	e := m.order[m.head]
	m.order[m.head] = nil
	m.head = (m.head + 1) % m.window
	m.n--
	delete(m.entries, e.id)
}

// expireLocked drops the entries older than the TTL; they are the oldest, at the
// head of the ring.
func (m *Memory) expireLocked() {
	if m.ttl <= 0 {
		return
	}
	cutoff := m.now().Add(-m.ttl)
	for m.n > 0 && !m.order[m.head].at.After(cutoff) {
		m.evictLocked()
	}
}

func cloneFrames(f [][]byte) [][]byte {
	cp := make([][]byte, len(f))
	for i := range f {
		cp[i] = bytes.Clone(f[i])
	}
	return cp
}
