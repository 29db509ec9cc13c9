package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/brokerless/zmq/internal/version"
	"github.com/stretchr/testify/require"
)

// boundTo waits for the "zmqcat: bound to EP" line of a process that bound a
// wildcard endpoint and returns EP.
func boundTo(p *progtest.Proc) string {
	var ep string
	p.WaitStderr("the bound endpoint", func(s string) bool {
		_, rest, ok := strings.Cut(s, "zmqcat: bound to ")
		if !ok {
			return false
		}
		ep, _, ok = strings.Cut(rest, "\n")
		return ok
	})
	return ep
}

// TestProcessSIGTERM runs zmqcat as a program: a PULL that waits for messages with
// no --timeout prints what a PUSH process sends it and exits 0 on SIGTERM.
func TestProcessSIGTERM(t *testing.T) {
	bin := progtest.Build(t, ".")
	pull := progtest.Start(t, bin, nil, "pull", "--bind", "tcp://127.0.0.1:*")
	ep := boundTo(pull)
	push := progtest.Start(t, bin, strings.NewReader("one\ttwo\nthree\n"), "push", "--connect", ep)
	require.Empty(t, push.Wait())
	pull.WaitLines(2)
	require.Equal(t, "one\ttwo\nthree\n", pull.Stop())
}

// TestProcessSIGTERMWhileReadingStdin: a sending socket whose stdin stays open (a
// terminal, a pipe nobody writes to) is blocked reading it; SIGTERM must still stop
// it, with status 0, and what it sent before must have gone out.
func TestProcessSIGTERMWhileReadingStdin(t *testing.T) {
	bin := progtest.Build(t, ".")
	for _, typ := range []string{"push", "req", "pair"} {
		t.Run(typ, func(t *testing.T) {
			peer := map[string]string{"push": "pull", "req": "rep", "pair": "pair"}[typ]
			srv := progtest.Start(t, bin, nil, peer, "--bind", "tcp://127.0.0.1:*")
			ep := boundTo(srv)
			// A pipe of the system's, so that the program holds its read end itself.
			stdin, w, err := os.Pipe()
			require.NoError(t, err)
			t.Cleanup(func() { w.Close() })
			cli := progtest.Start(t, bin, stdin, typ, "--connect", ep)
			stdin.Close()
			_, err = io.WriteString(w, "first\n")
			require.NoError(t, err)
			if typ == "req" {
				cli.WaitLines(1) // the reply: the REP echoes it
			} else {
				srv.WaitLines(1)
			}
			// stdin is still open: zmqcat waits in a read of it.
			out := cli.Stop()
			if typ == "req" {
				require.Equal(t, "first\n", out)
			} else {
				require.Empty(t, out)
				require.Equal(t, "first\n", srv.Stop())
				return
			}
			require.Empty(t, srv.Stop())
		})
	}
}

// TestProcessExitStatus checks the statuses the program documents: 2 for bad
// arguments, 1 when --count is not reached before --timeout, 0 for --version.
func TestProcessExitStatus(t *testing.T) {
	bin := progtest.Build(t, ".")

	p := progtest.Start(t, bin, nil, "pull")
	require.Equal(t, 2, p.Exit())
	require.Contains(t, p.Stderr(), "no endpoint")
	require.Empty(t, p.Stdout())

	p = progtest.Start(t, bin, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--count", "1", "--timeout", "50ms")
	require.Equal(t, 1, p.Exit())
	require.Contains(t, p.Stderr(), "timeout after 0 of 1 messages")

	p = progtest.Start(t, bin, nil, "--version")
	require.Equal(t, 0, p.Exit())
	require.Equal(t, version.String("zmqcat")+"\n", p.Stdout())
}
