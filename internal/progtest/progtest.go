// Package progtest builds the programs under examples/ and runs them as processes in
// tests: each program is compiled with `go build` into the test's temporary directory,
// started with its flags, watched through its output, and stopped with SIGTERM, after
// which it must exit with status 0.
//
// Programs talk to each other over 127.0.0.1 on ports FreePort picks, or over ipc in
// the test's temporary directory, so tests never touch a fixed port.
package progtest

import (
	"bytes"
	"context"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/portlock"
	"github.com/brokerless/zmq/internal/raceflag"
	"github.com/stretchr/testify/require"
)

// Timeout bounds every wait in this package: building, output appearing, exiting. It
// is generous because the machine running the tests may be loaded.
const Timeout = 2 * time.Minute

// Build compiles the main package in dir (a path relative to the test's package, such
// as "." or "../hwserver") into t.TempDir() and returns the binary's path. When the
// test runs under the race detector, so does the program.
func Build(t testing.TB, dir string) string {
	t.Helper()
	name := filepath.Base(dir)
	if name == "." {
		abs, err := filepath.Abs(dir)
		require.NoError(t, err)
		name = filepath.Base(abs)
	}
	bin := filepath.Join(t.TempDir(), name)
	args := []string{"build", "-o", bin}
	if raceflag.Enabled {
		args = append(args, "-race")
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", append(args, dir)...).CombinedOutput()
	require.NoError(t, err, "go build %s: %s", dir, out)
	return bin
}

// FreePort returns a TCP port on 127.0.0.1 that is free and reserved for the test
// until it ends: taken from below the kernel's ephemeral range, so that no connect
// takes it first, and locked against the other tests that reserve ports (see
// package portlock).
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := portlock.Reserve()
	require.NoError(t, err)
	t.Cleanup(p.Release)
	return p.Num
}

// TCP returns "tcp://127.0.0.1:<port>" for a port FreePort picks.
func TCP(t testing.TB) string {
	t.Helper()
	return "tcp://127.0.0.1:" + strconv.Itoa(FreePort(t))
}

// Proc is a running program.
type Proc struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	out  *buffer // stdout
	err  *buffer // stderr
	done chan struct{}
	werr error // set before done closes
}

// Start runs bin with args and stdin (nil for none). The process is killed at the end
// of the test if it is still running.
func Start(t testing.TB, bin string, stdin io.Reader, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, name: filepath.Base(bin), out: newBuffer(), err: newBuffer(), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdin = stdin
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.err
	require.NoError(t, p.cmd.Start(), "start %s", p.name)
	go func() {
		p.werr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Stdout returns everything the program has written to standard output so far.
func (p *Proc) Stdout() string { return p.out.String() }

// Stderr returns everything the program has written to standard error so far.
func (p *Proc) Stderr() string { return p.err.String() }

// WaitOutput waits until cond holds for the program's standard output, and fails the
// test if the program exits first or Timeout passes.
func (p *Proc) WaitOutput(what string, cond func(stdout string) bool) {
	p.t.Helper()
	p.waitFor(p.out, what, cond)
}

// WaitStderr is WaitOutput for the program's standard error, where programs that
// use package log report what they are doing.
func (p *Proc) WaitStderr(what string, cond func(stderr string) bool) {
	p.t.Helper()
	p.waitFor(p.err, what, cond)
}

func (p *Proc) waitFor(b *buffer, what string, cond func(string) bool) {
	p.t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		ch := b.changed()
		if cond(b.String()) {
			return
		}
		select {
		case <-ch:
		case <-p.done:
			if cond(b.String()) {
				return
			}
			p.t.Fatalf("%s exited (%v) before %s; stdout:\n%s\nstderr:\n%s", p.name, p.werr, what, p.Stdout(), p.Stderr())
		case <-deadline.C:
			p.t.Fatalf("%s: no %s within %v; stdout:\n%s\nstderr:\n%s", p.name, what, Timeout, p.Stdout(), p.Stderr())
		}
	}
}

// WaitLines waits until the program's standard output holds at least n lines.
func (p *Proc) WaitLines(n int) {
	p.t.Helper()
	p.WaitOutput(strconv.Itoa(n)+" lines of output", func(s string) bool { return strings.Count(s, "\n") >= n })
}

// Wait waits for the program to exit by itself and requires status 0. It returns the
// program's standard output.
func (p *Proc) Wait() string {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(Timeout):
		p.t.Fatalf("%s did not exit within %v; stdout:\n%s\nstderr:\n%s", p.name, Timeout, p.Stdout(), p.Stderr())
	}
	require.NoError(p.t, p.werr, "%s exit; stdout:\n%s\nstderr:\n%s", p.name, p.Stdout(), p.Stderr())
	return p.Stdout()
}

// Exit waits for the program to exit by itself and returns its exit status, whatever
// it is; a program killed by a signal, or still running after Timeout, fails the test.
func (p *Proc) Exit() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(Timeout):
		p.t.Fatalf("%s did not exit within %v; stdout:\n%s\nstderr:\n%s", p.name, Timeout, p.Stdout(), p.Stderr())
	}
	code := p.cmd.ProcessState.ExitCode()
	if code < 0 {
		p.t.Fatalf("%s did not exit by itself: %v; stdout:\n%s\nstderr:\n%s", p.name, p.werr, p.Stdout(), p.Stderr())
	}
	return code
}

// Stop sends SIGTERM, waits for the program to exit and requires status 0. It returns
// the program's standard output.
func (p *Proc) Stop() string {
	p.t.Helper()
	select {
	case <-p.done:
		p.t.Fatalf("%s exited (%v) before SIGTERM; stdout:\n%s\nstderr:\n%s", p.name, p.werr, p.Stdout(), p.Stderr())
	default:
	}
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM), "SIGTERM %s", p.name)
	return p.Wait()
}

// buffer is an io.Writer safe for one writer and many readers, which tells readers
// when it grows.
type buffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	grew chan struct{} // closed and replaced on every write
}

func newBuffer() *buffer { return &buffer{grew: make(chan struct{})} }

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.grew)
	b.grew = make(chan struct{})
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *buffer) changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.grew
}

// WaitListening waits until something accepts TCP connections on endpoint, a
// "tcp://host:port" a program binds: a program that prints nothing when it starts is
// ready for SIGTERM once it listens (it installs its signal handler first). The probe
// connection is closed at once, which the program sees as a peer that went away.
func WaitListening(t testing.TB, endpoint string) {
	t.Helper()
	addr := strings.TrimPrefix(endpoint, "tcp://")
	deadline := time.Now().Add(Timeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, Timeout)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s after %v: %v", addr, Timeout, err)
		}
		time.Sleep(wait)
	}
}

// Listener is a plain TCP listener standing where a program expects a peer, so a test
// can tell when a program that only connects has started.
type Listener struct {
	t testing.TB
	l net.Listener
	// Endpoint is "tcp://127.0.0.1:<port>" to pass to the program.
	Endpoint string
}

// Listen opens a Listener on a free port of 127.0.0.1; it closes at the end of the test.
func Listen(t testing.TB) *Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return &Listener{t: t, l: l, Endpoint: "tcp://" + l.Addr().String()}
}

// WaitConnected waits for one connection (a program connecting: it is running and has
// installed its signal handler) and closes it.
func (l *Listener) WaitConnected() {
	l.t.Helper()
	require.NoError(l.t, l.l.(*net.TCPListener).SetDeadline(time.Now().Add(Timeout)))
	c, err := l.l.Accept()
	require.NoError(l.t, err, "no connection to %s within %v", l.Endpoint, Timeout)
	c.Close()
}
