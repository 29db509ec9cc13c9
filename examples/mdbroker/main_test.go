package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// buildPrograms builds mdbroker, mdworker and mdclient into a temporary directory.
func buildPrograms(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), ".", "../mdworker", "../mdclient")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return dir
}

// startProgram starts a built program; it is killed, if still running, at the end
// of the test.
func startProgram(t *testing.T, dir, name string, args ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, name), args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdout
}

// startBroker runs mdbroker on a loopback wildcard port and returns its endpoint.
func startBroker(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd, stdout := startProgram(t, dir, "mdbroker", "--bind", "tcp://127.0.0.1:*")
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	f := strings.Fields(line)
	require.Len(t, f, 2, line)
	require.Equal(t, "broker", f[0])
	return cmd, f[1]
}

// client runs mdclient with input and returns what it printed.
func client(t *testing.T, dir, ep, service, input string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "mdclient"), "--connect", ep, "--service", service)
	cmd.Stdin = strings.NewReader(input)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err)
	return string(out)
}

// The three programs, run as their documentation says: echo replies in order, MMI
// answers, and a worker killed (SIGKILL) while the client runs costs no request.
func TestPrograms(t *testing.T) {
	dir := buildPrograms(t)
	_, ep := startBroker(t, dir)
	w1, _ := startProgram(t, dir, "mdworker", "--connect", ep, "--service", "echo")
	startProgram(t, dir, "mdworker", "--connect", ep, "--service", "echo")

	// MMI answers once the workers registered; poll it as a script would.
	deadline := time.Now().Add(10 * time.Second)
	for client(t, dir, ep, "mmi.service", "echo\n") != "200\n" {
		require.True(t, time.Now().Before(deadline), "the workers never registered")
	}
	require.Equal(t, "200\n404\n", client(t, dir, ep, "mmi.service", "echo\nnobody\n"))
	require.Equal(t, "501\n", client(t, dir, ep, "mmi.other", "x\n"))
	require.Equal(t, "hello\nworld\n", client(t, dir, ep, "echo", "hello\nworld\n"))

	// Kill one worker mid-stream: the client's retries reach the other, and every
	// line comes back exactly once, in order.
	const lines = 200
	var in strings.Builder
	for i := range lines {
		fmt.Fprintf(&in, "line %d\n", i)
	}
	cmd := exec.Command(filepath.Join(dir, "mdclient"), "--connect", ep, "--service", "echo")
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for i := range lines {
		require.True(t, sc.Scan(), "reply %d missing", i)
		require.Equal(t, fmt.Sprintf("line %d", i), sc.Text())
		if i == lines/4 {
			require.NoError(t, w1.Process.Signal(syscall.SIGKILL))
		}
	}
	require.False(t, sc.Scan(), "an extra reply: %q", sc.Text())
	require.NoError(t, cmd.Wait())
}

// A broker killed (SIGKILL) and started again on the same endpoint: the worker
// registers with the new one by itself, and a client gets its replies.
func TestProgramsBrokerRestart(t *testing.T) {
	dir := buildPrograms(t)
	b, ep := startBroker(t, dir)
	startProgram(t, dir, "mdworker", "--connect", ep, "--service", "echo")
	require.Equal(t, "before\n", client(t, dir, ep, "echo", "before\n"))
	require.NoError(t, b.Process.Signal(syscall.SIGKILL))
	b.Wait()
	_, stdout := startProgram(t, dir, "mdbroker", "--bind", ep)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "broker "+ep+"\n", line)
	require.Equal(t, "after\nagain\n", client(t, dir, ep, "echo", "after\nagain\n"))
}

// The command line: bad flags and arguments are refused.
func TestRunFlags(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.Error(t, run(ctx, []string{"--nope"}, io.Discard))
	require.ErrorContains(t, run(ctx, []string{"extra"}, io.Discard), "unexpected arguments")
	require.Error(t, run(ctx, []string{"--bind", "bogus://x"}, io.Discard))
	// A broker runs until its context ends.
	ctx2, cancel2 := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- run(ctx2, []string{"--bind", "tcp://127.0.0.1:*"}, pw); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "broker tcp://127.0.0.1:"), line)
	cancel2()
	go io.Copy(io.Discard, pr)
	require.ErrorIs(t, <-errc, context.Canceled)
}
