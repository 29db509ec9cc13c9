package wire

import (
	"encoding/hex"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// unhex decodes a hex string written with spaces and '|' separators.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// pumpReader reads a connection continuously from its own goroutine into an
// unbounded buffer, so that writes on the far side of a synchronous net.Pipe
// complete without waiting for our Reader.
type pumpReader struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	err  error
}

func pump(c net.Conn) *pumpReader {
	p := &pumpReader{}
	p.cond = sync.NewCond(&p.mu)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := c.Read(b)
			p.mu.Lock()
			p.buf = append(p.buf, b[:n]...)
			if err != nil {
				p.err = err
			}
			p.cond.Broadcast()
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *pumpReader) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && p.err == nil {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		return 0, p.err
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

// end is one side of a test connection.
type end struct {
	conn net.Conn
	r    *Reader
	w    *Writer
}

// pipePair returns the two ends of a net.Pipe, each read through a pump.
func pipePair(t *testing.T) (a, b end) {
	t.Helper()
	ca, cb := net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	a = end{conn: ca, r: NewReader(pump(ca), 0), w: NewWriter(ca, 0)}
	b = end{conn: cb, r: NewReader(pump(cb), 0), w: NewWriter(cb, 0)}
	return a, b
}

// replayReader replays data forever. data must hold whole messages, so that
// each wrap-around starts at a message boundary.
type replayReader struct {
	data []byte
	off  int
}

func (r *replayReader) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		r.off = 0
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

// errWriter fails every write.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// countWriter records the writes it receives.
type countWriter struct {
	writes int
	data   []byte
}

func (w *countWriter) Write(b []byte) (int, error) {
	w.writes++
	w.data = append(w.data, b...)
	return len(b), nil
}

var _ io.Writer = (*countWriter)(nil)

// avgAllocs is testing.AllocsPerRun without its rounding down to an integer:
// the mean number of allocations per call of f over n calls, after a warm-up.
func avgAllocs(n int, f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(n)
}
