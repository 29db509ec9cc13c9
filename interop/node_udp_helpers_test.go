//go:build cgo

package interop

// libzmq 4.3.5 with the draft API, through zeromq.js 6.8.0 under node, as the peer of
// the udp:// tests (RADIO/DISH and DGRAM). Debian's libzmq is built without the draft
// API, and zeromq.js ships a prebuilt libzmq that has it. The node side is
// node/udp_peer.js, beside the draft types' peer.js; `make interop-deps` runs npm ci in
// interop/node.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const nodeUDPDir = "node"

// setupNodeUDP finds node and the installed zeromq package. What is missing makes the
// test fail in CI (CI=true) and skip with the reason elsewhere.
func setupNodeUDP(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		msg := "udp interop with libzmq 4.3.5 needs " + what
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node (apt-get install -y nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(nodeUDPDir, "node_modules", "zeromq", "package.json")); err != nil {
		missing("the npm package zeromq@6.8.0: make interop-deps, or cd interop/node && npm ci")
	}
	return node
}

// udpNodePeer is one running udp_peer.js.
type udpNodePeer struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // its stdout, closed at EOF
	wg    sync.WaitGroup

	mu  sync.Mutex
	out []string
}

// startNodeUDP runs udp_peer.js with args (its role first).
func startNodeUDP(t *testing.T, args ...string) *udpNodePeer {
	t.Helper()
	node := setupNodeUDP(t)
	p := &udpNodePeer{name: "libzmq " + args[0], lines: make(chan string, 64)}
	p.cmd = exec.Command(node, append([]string{"udp_peer.js"}, args...)...)
	p.cmd.Dir = nodeUDPDir
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	p.cmd.Stderr = &stderr
	require.NoError(t, p.cmd.Start())
	p.wg.Go(func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
	})
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.wg.Wait()
		p.cmd.Wait()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("%s stderr:\n%s", p.name, stderr.String())
		}
	})
	require.Equal(t, "READY", p.next(t))
	return p
}

// next returns the next line the peer prints, failing after 20 seconds.
func (p *udpNodePeer) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("%s exited; its output:\n%s", p.name, strings.Join(p.out, "\n"))
		}
		return l
	case <-time.After(20 * time.Second):
		t.Fatalf("%s printed nothing for 20s", p.name)
	}
	return ""
}

// say writes one line to the peer's stdin.
func (p *udpNodePeer) say(t *testing.T, format string, args ...any) {
	t.Helper()
	_, err := fmt.Fprintf(p.stdin, format+"\n", args...)
	require.NoError(t, err)
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago, for a
// libzmq peer to bind (libzmq reports no port chosen for "*" over udp).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
