package clone

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// newServer starts a server on wildcard loopback ports with a fast heartbeat.
func newServer(t *testing.T) *Server {
	t.Helper()
	s, err := NewServer(ServerOptions{
		Snapshot:  "tcp://127.0.0.1:*",
		Publisher: "tcp://127.0.0.1:*",
		Collector: "tcp://127.0.0.1:*",
		Heartbeat: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// clientOpts returns options for a client of s.
func clientOpts(s *Server, subtree string) ClientOptions {
	snap, pub, coll := s.Endpoints()
	return ClientOptions{Snapshot: snap, Publisher: pub, Collector: coll, Subtree: subtree, Timeout: time.Second}
}

func newClient(t *testing.T, opts ClientOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := NewClient(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 10*time.Millisecond, append([]any{msg}, args...)...)
}

// proxy forwards tcp connections from its own loopback port to target. Cut closes
// every forwarded connection and refuses new ones until Resume.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, conns: make(map[net.Conn]bool)}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) Endpoint() string { return "tcp://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			in.Close()
			continue
		}
		p.conns[in], p.conns[out] = true, true
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut drops every connection and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// Resume accepts connections again.
func (p *proxy) Resume() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}
