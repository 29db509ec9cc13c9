//go:build cgo

package interop

// libzmq 4.3.5 built with the draft API, through zeromq.js 6.8.0 (the npm package
// zeromq, whose prebuilt libzmq has capability.draft), as the peer of our draft socket
// types: CLIENT/SERVER, RADIO/DISH and SCATTER/GATHER, in both directions, with
// either side binding, over tcp and ipc. Debian's libzmq has no draft API, so cgo
// cannot reach these types. The node side is node/peer.js; `make interop-deps`
// installs its package with npm ci.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// nodeWait bounds every wait on the node side.
const nodeWait = 30 * time.Second

// nodeCount is how many messages or round trips each case exchanges.
const nodeCount = 20

// setupNode finds node and the installed zeromq package. What is missing makes the
// test fail in CI (CI=true), where make installs it, and skip with the reason
// elsewhere.
func setupNode(t *testing.T) (node, script string) {
	t.Helper()
	missing := func(what string) {
		msg := "draft-type interop needs " + what + " (run: make interop-deps)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node 18 or later")
	}
	dir, err := filepath.Abs("node")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "zeromq", "package.json")); err != nil {
		missing("the npm package zeromq@6.8.0 in interop/node (cd interop/node && npm ci)")
	}
	return node, filepath.Join(dir, "peer.js")
}

// nodePeer is a running peer.js.
type nodePeer struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	ep    string // the endpoint it bound or connected to
}

// startNode runs peer.js with args and waits for its READY line.
func startNode(t *testing.T, args ...string) *nodePeer {
	t.Helper()
	node, script := setupNode(t)
	cmd := exec.Command(node, append([]string{script}, args...)...)
	stderr := new(syncBuffer)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &nodePeer{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 1024)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		waited := make(chan error, 1)
		go func() { <-done; waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil && !t.Failed() {
				t.Errorf("node peer: %v\n%s", err, stderr.String())
			}
		case <-time.After(nodeWait):
			cmd.Process.Kill()
			<-waited
			t.Errorf("node peer did not exit\n%s", stderr.String())
		}
	})
	ready := p.line()
	require.True(t, strings.HasPrefix(ready, "READY "), "node peer said %q; stderr:\n%s", ready, stderr.String())
	p.ep = strings.TrimPrefix(ready, "READY ")
	return p
}

// syncBuffer collects a child's stderr, which the test may read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// line returns the peer's next stdout line.
func (p *nodePeer) line() string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		require.True(p.t, ok, "node peer exited early")
		return l
	case <-time.After(nodeWait):
		p.t.Fatal("node peer said nothing")
	}
	return ""
}

// draftEndpoints returns an endpoint to bind on tr, for either side.
func draftEndpoint(t *testing.T, tr string) string {
	if tr == "ipc" {
		return "ipc://" + filepath.Join(t.TempDir(), "s")
	}
	return "tcp://127.0.0.1:*"
}

// pairWithNode sets up a Go socket of type typ and a node peer of role, with the Go
// side binding when goBinds.
func pairWithNode(t *testing.T, tr string, goBinds bool, typ socket.Type, role string, nodeArgs ...string) (*socket.Socket, *nodePeer) {
	s, err := socket.New(typ, socket.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	args := func(mode, ep string) []string {
		return append([]string{role, mode, ep, fmt.Sprint(nodeCount)}, nodeArgs...)
	}
	if goBinds {
		require.NoError(t, s.Bind(draftEndpoint(t, tr)))
		return s, startNode(t, args("connect", s.LastEndpoint())...)
	}
	p := startNode(t, args("bind", draftEndpoint(t, tr))...)
	require.NoError(t, s.Connect(p.ep))
	return s, p
}

// draftCases runs f for each transport and each side binding.
func draftCases(t *testing.T, f func(t *testing.T, tr string, goBinds bool)) {
	for _, tr := range []string{"tcp", "ipc"} {
		for _, goBinds := range []bool{true, false} {
			name := tr + "/node-binds"
			if goBinds {
				name = tr + "/go-binds"
			}
			t.Run(name, func(t *testing.T) { f(t, tr, goBinds) })
		}
	}
}

func TestDraftNodeServerGoClient(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		c, _ := pairWithNode(t, tr, goBinds, socket.Client, "server")
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		for i := 0; i < nodeCount; i++ {
			require.NoError(t, c.Send(ctx, socket.NewMsgString(fmt.Sprint("hello ", i))))
			m, err := c.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, fmt.Sprint("re:hello ", i), string(m.Frames[0]))
		}
	})
}

func TestDraftGoServerNodeClient(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		s, p := pairWithNode(t, tr, goBinds, socket.Server, "client")
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		for i := 0; i < nodeCount; i++ {
			m, id, err := s.RecvFrom(ctx)
			require.NoError(t, err)
			require.Equal(t, fmt.Sprint("msg ", i), string(m.Frames[0]))
			require.NotZero(t, id)
			require.NoError(t, s.SendTo(ctx, id, socket.NewMsgString("re:"+string(m.Frames[0]))))
			require.Equal(t, fmt.Sprint("re:msg ", i), p.line())
		}
		require.Equal(t, "DONE", p.line())
	})
}

func TestDraftNodeRadioGoDish(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		d, err := socket.New(socket.Dish, socket.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { d.Close() })
		require.NoError(t, d.Join("wanted"))
		require.NoError(t, d.Join("also"))
		args := func(mode, ep string) []string {
			// "want" and "wantedx" are other groups: the match is exact.
			return []string{"radio", mode, ep, "0", "want", "wanted", "wantedx", "also", "other"}
		}
		if goBinds {
			require.NoError(t, d.Bind(draftEndpoint(t, tr)))
			startNode(t, args("connect", d.LastEndpoint())...)
		} else {
			p := startNode(t, args("bind", draftEndpoint(t, tr))...)
			require.NoError(t, d.Connect(p.ep))
		}
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		got := map[string]int{}
		for i := 0; i < nodeCount; i++ {
			m, g, err := d.RecvGroup(ctx)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(string(m.Frames[0]), "tick "), "body %q", m.Frames[0])
			got[g]++
		}
		require.Subset(t, []string{"wanted", "also"}, keys(got))
		require.Len(t, got, 2, "both joined groups arrive")
	})
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDraftGoRadioNodeDish(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		r, p := pairWithNode(t, tr, goBinds, socket.Radio, "dish", "wanted", "also")
		// The JOINs take a moment to arrive: send until the DISH has had enough.
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		got := map[string]int{}
		var lines []string
		for i := 0; len(lines) < nodeCount; i++ {
			for _, g := range []string{"want", "wanted", "wantedx", "also", "other"} {
				require.NoError(t, r.SendGroup(ctx, g, socket.NewMsgString(fmt.Sprint("tick ", i))))
			}
			for len(lines) < nodeCount {
				var l string
				select {
				case l = <-p.lines:
				case <-time.After(5 * time.Millisecond):
				}
				if l == "" {
					break
				}
				lines = append(lines, l)
				g, body, ok := strings.Cut(l, "\t")
				require.True(t, ok, "line %q", l)
				require.True(t, strings.HasPrefix(body, "tick "), "line %q", l)
				got[g]++
			}
			require.NoError(t, ctx.Err(), "the node DISH received %d messages", len(lines))
		}
		require.Subset(t, []string{"wanted", "also"}, keys(got))
		require.Equal(t, "DONE", p.line())
	})
}

func TestDraftNodeScatterGoGather(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		g, p := pairWithNode(t, tr, goBinds, socket.Gather, "scatter")
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		for i := 0; i < nodeCount; i++ {
			m, err := g.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, fmt.Sprint("msg ", i), string(m.Frames[0]))
		}
		require.Equal(t, "DONE", p.line())
	})
}

func TestDraftGoScatterNodeGather(t *testing.T) {
	draftCases(t, func(t *testing.T, tr string, goBinds bool) {
		s, p := pairWithNode(t, tr, goBinds, socket.Scatter, "gather")
		ctx, cancel := context.WithTimeout(context.Background(), nodeWait)
		defer cancel()
		for i := 0; i < nodeCount; i++ {
			require.NoError(t, s.Send(ctx, socket.NewMsgString(fmt.Sprint("msg ", i))))
		}
		for i := 0; i < nodeCount; i++ {
			require.Equal(t, fmt.Sprint("msg ", i), p.line())
		}
		require.Equal(t, "DONE", p.line())
	})
}
