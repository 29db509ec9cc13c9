//go:build cgo

package interop

// JeroMQ 0.3.6 (Debian's libjeromq-java) as a second real peer. It speaks ZMTP 2.0
// (15/ZMTP), so these tests exercise our side of the old protocol: the greeting in
// libzmq's steps, the socket-type byte, identity frames, and subscriptions sent as
// messages. The JeroMQ side is jeromq/JeromqPeer.java, compiled with javac into a
// temporary directory and run once per case.

import (
	"bufio"
	"bytes"
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

// jeromqWait bounds every wait on the JeroMQ side, which starts a JVM per case: it is
// generous so that a loaded machine does not make the suite flake.
const jeromqWait = 30 * time.Second

// jeromqCount is how many messages or round trips each case exchanges.
const jeromqCount = 50

// jeromqJars are where Debian's libjeromq-java puts JeroMQ; JEROMQ_JAR overrides.
var jeromqJars = []string{"/usr/share/java/jeromq.jar", "/usr/share/java/jeromq-0.3.6.jar"}

// jeromqEnv is a compiled JeromqPeer and the classpath to run it with.
type jeromqEnv struct {
	java      string
	classpath string
}

// setupJeromq finds java, javac and the JeroMQ jar and compiles JeromqPeer.java. What
// is missing makes the test fail in CI (CI=true), where .ci/run installs it, and skip
// with the reason elsewhere.
func setupJeromq(t *testing.T) *jeromqEnv {
	t.Helper()
	missing := func(what string) {
		msg := "JeroMQ interop needs " + what + ": apt-get install -y default-jdk-headless libjeromq-java"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		missing("java")
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		missing("javac")
	}
	jars := jeromqJars
	if j := os.Getenv("JEROMQ_JAR"); j != "" {
		jars = []string{j}
	}
	jar := ""
	for _, j := range jars {
		if _, err := os.Stat(j); err == nil {
			jar = j
			break
		}
	}
	if jar == "" {
		missing("the JeroMQ jar (" + strings.Join(jars, " or ") + "; JEROMQ_JAR names another)")
	}
	dir := t.TempDir()
	out, err := exec.Command(javac, "-d", dir, "-cp", jar, filepath.Join("jeromq", "JeromqPeer.java")).CombinedOutput()
	require.NoError(t, err, "javac: %s", out)
	return &jeromqEnv{java: java, classpath: jar + string(os.PathListSeparator) + dir}
}

// jeromqPeer is one running JeromqPeer.
type jeromqPeer struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // its stdout, closed at EOF
	wg    sync.WaitGroup

	mu  sync.Mutex
	out []string // every line seen, for failure messages
}

// start runs JeromqPeer as role; mode "bind" binds a random port on 127.0.0.1 (see
// port), "connect" connects to endpoint.
func (env *jeromqEnv) start(t *testing.T, role, mode, endpoint string, count int) *jeromqPeer {
	t.Helper()
	p := &jeromqPeer{name: "JeroMQ " + strings.ToUpper(role), lines: make(chan string, 16)}
	p.cmd = exec.Command(env.java, "-cp", env.classpath, "JeromqPeer", role, mode, endpoint, fmt.Sprint(count))
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
	return p
}

func (p *jeromqPeer) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// next returns the next line the peer prints.
func (p *jeromqPeer) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		require.True(t, ok, "%s exited early; it said:\n%s", p.name, p.output())
		return l
	case <-time.After(jeromqWait):
		t.Fatalf("%s said nothing for %v; so far:\n%s", p.name, jeromqWait, p.output())
		return ""
	}
}

// endpoint waits for the port the peer bound and returns its endpoint.
func (p *jeromqPeer) endpoint(t *testing.T) string {
	t.Helper()
	l := p.next(t)
	port, ok := strings.CutPrefix(l, "PORT ")
	require.True(t, ok, "%s: want PORT n, got %q", p.name, l)
	return "tcp://127.0.0.1:" + port
}

// done waits for the peer to report OK and exit 0.
func (p *jeromqPeer) done(t *testing.T) {
	t.Helper()
	l := p.next(t)
	require.Equal(t, "OK", l, "%s failed its side of the exchange", p.name)
	exited := make(chan error, 1)
	go func() { p.wg.Wait(); exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		require.NoError(t, err, "%s exit status; it said:\n%s", p.name, p.output())
	case <-time.After(jeromqWait):
		t.Fatalf("%s did not exit after OK", p.name)
	}
}

// jeromqBig is the long second frame of message i of the PUSH cases (big in the Java
// program).
func jeromqBig(i int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i)
}

func jeromqRecv(t *testing.T, s *socket.Socket) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), jeromqWait)
	defer cancel()
	m, err := s.Recv(ctx)
	require.NoError(t, err, "our %v Recv", s.Type())
	return m.Frames
}

func jeromqSend(t *testing.T, s *socket.Socket, frames ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), jeromqWait)
	defer cancel()
	require.NoError(t, s.Send(ctx, socket.NewMsg(frames...)), "our %v Send", s.Type())
}

func strs(frames [][]byte) []string {
	s := make([]string, len(frames))
	for i, f := range frames {
		s[i] = string(f)
	}
	return s
}

// jeromqCase is one conversation: our socket of type ours talks to a JeroMQ socket
// playing role, and run carries out our side of it.
type jeromqCase struct {
	name string
	ours socket.Type
	opts socket.Options
	role string
	run  func(t *testing.T, s *socket.Socket, p *jeromqPeer)
}

var jeromqCases = []jeromqCase{
	{
		name: "JeroMQ PUSH to our PULL: two-frame messages, the second a long frame",
		ours: socket.Pull, role: "push",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				f := jeromqRecv(t, s)
				require.Len(t, f, 2, "message %d", i)
				require.Equal(t, fmt.Sprintf("push-%d", i), string(f[0]))
				require.Equal(t, jeromqBig(i), f[1], "long frame of message %d", i)
			}
		},
	},
	{
		name: "our PUSH to JeroMQ PULL: two-frame messages, the second a long frame",
		ours: socket.Push, role: "pull",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				jeromqSend(t, s, fmt.Appendf(nil, "push-%d", i), jeromqBig(i))
			}
		},
	},
	{
		name: "JeroMQ REQ to our REP",
		ours: socket.Rep, role: "req",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				require.Equal(t, []string{fmt.Sprintf("req-%d", i)}, strs(jeromqRecv(t, s)))
				jeromqSend(t, s, fmt.Appendf(nil, "rep-%d", i))
			}
		},
	},
	{
		name: "our REQ to JeroMQ REP",
		ours: socket.Req, role: "rep",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				jeromqSend(t, s, fmt.Appendf(nil, "req-%d", i))
				require.Equal(t, []string{fmt.Sprintf("rep-%d", i)}, strs(jeromqRecv(t, s)))
			}
		},
	},
	{
		name: "JeroMQ DEALER to our ROUTER: its identity frame is the routing id",
		ours: socket.Router, role: "dealer",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				f := jeromqRecv(t, s)
				require.Equal(t, []string{"jeromq-dealer", "", fmt.Sprintf("dealer-%d", i)}, strs(f))
				jeromqSend(t, s, f[0], nil, fmt.Appendf(nil, "echo-%d", i))
			}
		},
	},
	{
		name: "our DEALER to JeroMQ ROUTER: Options.RoutingID is sent as the identity frame",
		ours: socket.Dealer, opts: socket.Options{RoutingID: []byte("go-dealer")}, role: "router",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			for i := range jeromqCount {
				jeromqSend(t, s, nil, fmt.Appendf(nil, "dealer-%d", i))
				require.Equal(t, []string{"", fmt.Sprintf("echo-%d", i)}, strs(jeromqRecv(t, s)))
			}
		},
	},
	{
		name: "JeroMQ PUB to our SUB: our subscription travels as a message",
		ours: socket.Sub, role: "pub",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			require.NoError(t, s.Subscribe([]byte("A")))
			for i := range jeromqCount {
				f := jeromqRecv(t, s)
				require.Len(t, f, 1)
				require.True(t, strings.HasPrefix(string(f[0]), "A-"), "publication %d is %q", i, f[0])
			}
			p.stdin.Close() // the publisher may stop
		},
	},
	{
		name: "our PUB to JeroMQ SUB: its subscription message reaches our PUB",
		ours: socket.Pub, role: "sub",
		run: func(t *testing.T, s *socket.Socket, p *jeromqPeer) {
			// Nothing reaches JeroMQ unless our PUB took its subscription to A. Publish
			// until it has what it wants (its OK line, which done reads next).
			stop := make(chan struct{})
			var wg sync.WaitGroup
			defer wg.Wait()
			defer close(stop)
			wg.Go(func() {
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					s.Send(ctx, socket.NewMsgString(fmt.Sprintf("B-%d", i)))
					s.Send(ctx, socket.NewMsgString(fmt.Sprintf("A-%d", i)))
					cancel()
				}
			})
			p.done(t)
		},
	},
}

// TestJeromq runs every conversation with each side binding in turn, over tcp on
// 127.0.0.1.
func TestJeromq(t *testing.T) {
	env := setupJeromq(t)
	for _, c := range jeromqCases {
		for _, oursBinds := range []bool{true, false} {
			name := c.name + "/JeroMQ binds"
			if oursBinds {
				name = c.name + "/ours binds"
			}
			t.Run(name, func(t *testing.T) {
				opts := c.opts
				opts.Linger = jeromqWait
				s, err := socket.New(c.ours, opts)
				require.NoError(t, err)
				defer s.Close()
				var p *jeromqPeer
				if oursBinds {
					require.NoError(t, s.Bind("tcp://127.0.0.1:*"))
					p = env.start(t, c.role, "connect", s.LastEndpoint(), jeromqCount)
				} else {
					p = env.start(t, c.role, "bind", "127.0.0.1", jeromqCount)
					require.NoError(t, s.Connect(p.endpoint(t)))
				}
				c.run(t, s, p)
				if c.ours != socket.Pub {
					p.done(t)
				}
			})
		}
	}
}
