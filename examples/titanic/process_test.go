package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/reliable/titanic"
	"github.com/stretchr/testify/require"
)

// buildPrograms builds titanic and mdbroker into a temporary directory.
func buildPrograms(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), ".", "../mdbroker").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return dir
}

// launch starts a built program and returns it with its first line of output. It
// is killed, if still running, at the end of the test.
func launch(t *testing.T, dir, name string, args ...string) (*exec.Cmd, string) {
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
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	require.NoError(t, err, "%s printed nothing", name)
	go io.Copy(io.Discard, r)
	return cmd, strings.TrimSpace(line)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()
}

// Requests acknowledged by a titanic process survive SIGKILL of that process and of
// the broker process: after both restart, each is carried out exactly once.
func TestProcessesKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	bin := buildPrograms(t)
	store := t.TempDir()

	broker, line := launch(t, bin, "mdbroker", "--bind", "tcp://127.0.0.1:*")
	f := strings.Fields(line)
	require.Len(t, f, 2, line)
	ep := f[1]
	ti, line := launch(t, bin, "titanic", "--connect", ep, "--dir", store, "--retry", "100ms")
	require.Contains(t, line, "0 pending")

	c, err := titanic.NewClient(ep, mdp.ClientOptions{Timeout: 500 * time.Millisecond, Retries: 40})
	require.NoError(t, err)
	defer c.Close()
	const n = 10
	ids := make([]string, n)
	for i := range n {
		ids[i], err = c.Request(ctx, "count", []byte(fmt.Sprint(i)))
		require.NoError(t, err)
	}

	kill(t, ti)
	kill(t, broker)
	_, line = launch(t, bin, "mdbroker", "--bind", ep)
	require.Equal(t, "broker "+ep, line)
	_, line = launch(t, bin, "titanic", "--connect", ep, "--dir", store, "--retry", "100ms")
	require.Contains(t, line, fmt.Sprintf("%d pending", n))

	var calls atomic.Int64
	w, err := mdp.NewWorker(ep, "count", func(_ context.Context, req [][]byte) ([][]byte, error) {
		calls.Add(1)
		return req, nil
	}, mdp.WorkerOptions{HeartbeatInterval: 200 * time.Millisecond})
	require.NoError(t, err)
	wctx, wstop := context.WithCancel(ctx)
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() { wstop(); <-wdone }()

	for i, id := range ids {
		for {
			reply, err := c.Reply(ctx, id)
			if err == nil {
				require.Equal(t, [][]byte{[]byte(fmt.Sprint(i))}, reply)
				break
			}
			require.True(t, errors.Is(err, titanic.ErrPending), "%v", err)
			select {
			case <-ctx.Done():
				t.Fatalf("no reply to request %d", i)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	require.Equal(t, int64(n), calls.Load(), "each request carried out once")
}
