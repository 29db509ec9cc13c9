package mdp

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cutter is a tcp relay on the loopback whose connections the test can cut, as a
// network failure would, while the listener stays up.
type cutter struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := &cutter{ln: ln, target: strings.TrimPrefix(target, "tcp://")}
	c.wg.Add(1)
	go c.accept()
	t.Cleanup(func() {
		ln.Close()
		c.cut()
		c.wg.Wait()
	})
	return c
}

func (c *cutter) endpoint() string { return "tcp://" + c.ln.Addr().String() }

func (c *cutter) accept() {
	defer c.wg.Done()
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			in.Close()
			continue
		}
		c.mu.Lock()
		c.conns = append(c.conns, in, out)
		c.mu.Unlock()
		c.wg.Add(2)
		go c.pipe(in, out)
		go c.pipe(out, in)
	}
}

func (c *cutter) pipe(dst, src net.Conn) {
	defer c.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// cut closes every relayed connection and reports how many pairs it had relayed
// since the last cut (some may have closed already).
func (c *cutter) cut() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	n := len(c.conns) / 2
	c.conns = nil
	return n
}

// A worker whose connection drops (the broker stays up, the worker's socket
// reconnects by itself) comes back under a new routing id: the broker tells the
// stranger to disconnect and the worker registers again. A request the worker held
// when its connection dropped gets exactly one reply, through the client's retry.
func TestMajordomoWorkerConnectionDropped(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	relay := newCutter(t, ep)
	var mu sync.Mutex
	executed := map[string]int{}
	held := make(chan struct{})
	cutDone := make(chan struct{})
	var once sync.Once
	w, _ := startWorker(t, relay.endpoint(), "svc", func(ctx context.Context, req [][]byte) ([][]byte, error) {
		mu.Lock()
		executed[string(req[0])]++
		mu.Unlock()
		if string(req[0]) == "held" {
			first := false
			once.Do(func() { close(held); first = true })
			if first {
				select { // reply only once the connection it came on is gone
				case <-cutDone:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
		}
		return req, nil
	})
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("svc") == 1 })
	c := newClient(t, ep, ClientOptions{Timeout: 500 * time.Millisecond, Retries: 10})
	rep, err := c.Request(ctxT(t), "svc", []byte("before"))
	require.NoError(t, err)
	require.Equal(t, []string{"before"}, strs(rep))

	// Cut the worker's connection while nothing is in flight.
	require.Equal(t, 1, relay.cut())
	eventually(t, 10*time.Second, "the worker registers again", func() bool {
		return w.Connects() >= 2 && b.Workers("svc") == 1
	})
	rep, err = c.Request(ctxT(t), "svc", []byte("after"))
	require.NoError(t, err)
	require.Equal(t, []string{"after"}, strs(rep))

	// Cut it while the worker holds a request: its reply goes out on the new
	// connection, from a routing id the broker does not know, and is dropped.
	res := make(chan error, 1)
	go func() {
		rep, err := c.Request(ctxT(t), "svc", []byte("held"))
		if err == nil && (len(rep) != 1 || string(rep[0]) != "held") {
			err = fmt.Errorf("reply %q", rep)
		}
		res <- err
	}()
	<-held
	require.GreaterOrEqual(t, relay.cut(), 1)
	close(cutDone)
	require.NoError(t, <-res)

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, executed["before"])
	require.Equal(t, 1, executed["after"])
	// Once in the worker that lost its connection, and at least once more for the
	// retry that got the reply (more if a retry waited while the worker came back).
	require.GreaterOrEqual(t, executed["held"], 2)
	t.Logf("the request held across the drop was carried out %d times", executed["held"])
}
