package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/testcert"
)

// testTimeout bounds every zmqcat run in these tests.
const testTimeout = 20 * time.Second

// syncBuffer is a goroutine-safe bytes.Buffer standing in for stdout.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one zmqcat run in a goroutine.
type proc struct {
	stdout syncBuffer
	stderr syncBuffer
	bound  chan string // endpoints the run reported binding to
	done   chan int    // the exit status
}

// start runs zmqcat with args and stdin in a new goroutine, bounded by testTimeout.
func start(t *testing.T, stdin io.Reader, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	p := &proc{bound: make(chan string, 4), done: make(chan int, 1)}
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if ep, ok := strings.CutPrefix(line, "zmqcat: bound to "); ok {
				p.bound <- ep
			}
		}
	})
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	go func() {
		code := run(ctx, args, stdin, &p.stdout, pw)
		pw.Close()
		wg.Wait()
		cancel()
		p.done <- code
	}()
	return p
}

// endpoint returns the endpoint the run reported binding to.
func (p *proc) endpoint(t *testing.T) string {
	t.Helper()
	select {
	case ep := <-p.bound:
		return ep
	case code := <-p.done:
		p.done <- code
		require.FailNow(t, "zmqcat exited before binding", "status %d, stderr:\n%s", code, p.stderr.String())
	}
	return ""
}

// wait returns the run's exit status.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-p.done:
		p.done <- code
		return code
	case <-time.After(2 * testTimeout):
		require.FailNow(t, "zmqcat did not exit", "stderr:\n%s", p.stderr.String())
	}
	return 0
}

func TestPushPull(t *testing.T) {
	for _, ep := range []string{"tcp://127.0.0.1:*", "ipc://" + filepath.Join(t.TempDir(), "pushpull.sock")} {
		t.Run(strings.SplitN(ep, ":", 2)[0], func(t *testing.T) {
			pull := start(t, nil, "pull", "--bind", ep, "--count", "3")
			bound := ep
			if strings.HasSuffix(ep, "*") {
				bound = pull.endpoint(t)
			}
			push := start(t, strings.NewReader("a\nb\tc\nd"), "PUSH", "--connect", bound)
			require.Equal(t, 0, push.wait(t), "push stderr:\n%s", push.stderr.String())
			require.Equal(t, 0, pull.wait(t), "pull stderr:\n%s", pull.stderr.String())
			require.Equal(t, "a\nb\tc\nd\n", pull.stdout.String())
		})
	}
}

// TestWebSocket moves lines over ws:// and over wss:// with a certificate in PEM files.
func TestWebSocket(t *testing.T) {
	cert, key := testcert.WriteFiles(t, t.TempDir())
	for _, tc := range []struct {
		name       string
		ep         string
		bind, conn []string
	}{
		{"ws", "ws://127.0.0.1:*/cat", nil, nil},
		{"wss", "wss://127.0.0.1:*/cat", []string{"--tls-cert", cert, "--tls-key", key}, []string{"--tls-ca", cert}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pull := start(t, nil, append([]string{"pull", "--bind", tc.ep, "--count", "2"}, tc.bind...)...)
			bound := pull.endpoint(t)
			push := start(t, strings.NewReader("x\ty\nz"), append([]string{"push", "--connect", bound}, tc.conn...)...)
			require.Equal(t, 0, push.wait(t), "push stderr:\n%s", push.stderr.String())
			require.Equal(t, 0, pull.wait(t), "pull stderr:\n%s", pull.stderr.String())
			require.Equal(t, "x\ty\nz\n", pull.stdout.String())
		})
	}
}

func TestPubSub(t *testing.T) {
	sub := start(t, nil, "sub", "--bind", "tcp://127.0.0.1:*", "--subscribe", "weather", "--count", "2")
	ep := sub.endpoint(t)

	// A publisher drops what it sends before the subscription reaches it (the slow
	// joiner), so publish until the subscriber has what it waits for.
	pr, pw := io.Pipe()
	pub := start(t, pr, "pub", "--connect", ep)
	stopFeed := make(chan struct{})
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := io.WriteString(pw, "sports\tgoal\nweather\tsunny\n"); err != nil {
				return
			}
			select {
			case <-stopFeed:
				return
			case <-tick.C:
			}
		}
	}()
	code := sub.wait(t)
	close(stopFeed)
	<-fed
	pw.Close()
	require.Equal(t, 0, code, "sub stderr:\n%s", sub.stderr.String())
	require.Equal(t, "weather\tsunny\nweather\tsunny\n", sub.stdout.String())
	require.Equal(t, 0, pub.wait(t), "pub stderr:\n%s", pub.stderr.String())
}

func TestReqRep(t *testing.T) {
	rep := start(t, nil, "rep", "--bind", "tcp://127.0.0.1:*", "--count", "2")
	ep := rep.endpoint(t)
	req := start(t, strings.NewReader("hello\nworld\tand\tmore\n"), "req", "--connect", ep, "--timeout", "10s")
	require.Equal(t, 0, req.wait(t), "req stderr:\n%s", req.stderr.String())
	require.Equal(t, "hello\nworld\tand\tmore\n", req.stdout.String())
	require.Equal(t, 0, rep.wait(t), "rep stderr:\n%s", rep.stderr.String())
	require.Empty(t, rep.stdout.String())
}

func TestPairInproc(t *testing.T) {
	ep := "inproc://zmqcat-" + t.Name()
	// a sends two lines and, once its stdin ends, waits for b's line until the timeout.
	a := start(t, strings.NewReader("ping\nping again\n"), "pair", "--bind", ep, "--count", "1")
	b := start(t, strings.NewReader("pong\n"), "pair", "--connect", ep, "--count", "2")
	require.Equal(t, 0, b.wait(t), "b stderr:\n%s", b.stderr.String())
	require.Equal(t, "ping\nping again\n", b.stdout.String())
	require.Equal(t, 0, a.wait(t), "a stderr:\n%s", a.stderr.String())
	require.Equal(t, "pong\n", a.stdout.String())
}

func TestCountTimeout(t *testing.T) {
	// Nothing arrives: without --count the timeout is a normal end, with it a failure.
	pull := start(t, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "50ms")
	require.Equal(t, 0, pull.wait(t))
	pull = start(t, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "50ms", "--count", "1")
	require.Equal(t, 1, pull.wait(t))
	require.Contains(t, pull.stderr.String(), "timeout after 0 of 1 messages")
}

func TestBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "missing socket type"},
		{"unknown type", []string{"bogus", "--bind", "tcp://127.0.0.1:*"}, `unknown socket type "bogus"`},
		{"no endpoint", []string{"pull"}, "no endpoint"},
		{"no scheme", []string{"pull", "--bind", "127.0.0.1:5555"}, `missing "://"`},
		{"unknown transport", []string{"pull", "--connect", "udpx://127.0.0.1:5555"}, `unknown transport "udpx"`},
		{"udp for pull", []string{"pull", "--connect", "udp://127.0.0.1:5555"}, "PULL sockets cannot use udp"},
		{"dgram connecting", []string{"dgram", "--connect", "udp://127.0.0.1:5555"}, "cannot connect them"},
		{"connect to a wildcard", []string{"push", "--connect", "tcp://127.0.0.1:*"}, "wildcard"},
		{"subscribe on push", []string{"push", "--connect", "tcp://127.0.0.1:5555", "--subscribe", "x"}, "--subscribe needs a sub or xsub socket"},
		{"extra argument", []string{"pull", "--bind", "tcp://127.0.0.1:*", "extra"}, `unexpected argument "extra"`},
		{"negative count", []string{"pull", "--bind", "tcp://127.0.0.1:*", "--count", "-1"}, "--count must not be negative"},
		{"unknown flag", []string{"pull", "--frobnicate"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(t.Context(), tc.args, strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, 2, code)
			require.Contains(t, stderr.String(), tc.want)
			require.Empty(t, stdout.String())
		})
	}
}

func TestTypeAfterFlags(t *testing.T) {
	c, err := parseArgs([]string{"--connect", "tcp://127.0.0.1:5555", "Dealer"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "DEALER", c.typ.String())
	require.Equal(t, []string{"tcp://127.0.0.1:5555"}, c.connects)
}
