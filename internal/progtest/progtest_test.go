package progtest

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStop builds the test program, waits for its first line, and stops it with
// SIGTERM: it exits 0 and its whole output comes back.
func TestStop(t *testing.T) {
	bin := Build(t, "./testdata/waiter")
	p := Start(t, bin, nil)
	p.WaitLines(1)
	require.Equal(t, "ready\n", p.Stdout())
	require.Equal(t, "ready\nstopped\n", p.Stop())
	require.Empty(t, p.Stderr())
}

// TestFailingExit: a program that exits 1 is reported as failing, with its stderr.
func TestFailingExit(t *testing.T) {
	bin := Build(t, "./testdata/waiter")
	p := Start(t, bin, nil, "-fail")
	ft := &fakeT{TB: t}
	func() {
		defer func() { recover() }() // FailNow's stand-in panics to stop like Goexit
		p.t = ft
		p.Wait()
	}()
	require.True(t, ft.failed, "exit status 1 must fail the test")
	require.Equal(t, "failing as asked\n", p.Stderr())
}

// TestExitStatus: Exit returns the status of a program that exits by itself, and
// WaitStderr sees what it wrote to standard error.
func TestExitStatus(t *testing.T) {
	bin := Build(t, "./testdata/waiter")
	p := Start(t, bin, nil, "-fail")
	p.WaitStderr("the failure message", func(s string) bool { return strings.Contains(s, "failing as asked") })
	require.Equal(t, 1, p.Exit())

	p = Start(t, bin, nil)
	p.WaitLines(1)
	require.Equal(t, "ready\nstopped\n", p.Stop())
	require.Equal(t, 0, p.Exit())
}

// TestListen: a connection to the Listener's endpoint is seen.
func TestListen(t *testing.T) {
	l := Listen(t)
	require.True(t, strings.HasPrefix(l.Endpoint, "tcp://127.0.0.1:"), l.Endpoint)
	c, err := net.Dial("tcp", strings.TrimPrefix(l.Endpoint, "tcp://"))
	require.NoError(t, err)
	defer c.Close()
	l.WaitConnected()
	WaitListening(t, l.Endpoint)
}

// fakeT records a failure instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }
func (f *fakeT) FailNow()              { f.failed = true; panic(f) }
