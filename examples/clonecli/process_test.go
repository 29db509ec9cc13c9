package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The programs as processes: a follower's replica follows a clonesrv that is killed
// with SIGKILL and restarted empty.
func TestProcessesServerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs; skipped with -short")
	}
	bin := t.TempDir()
	out, err := exec.Command("go", "build", "-o", bin+string(filepath.Separator), ".", "../clonesrv").CombinedOutput()
	require.NoError(t, err, "%s", out)

	startServer := func(args ...string) (*exec.Cmd, []string) {
		cmd := exec.Command(filepath.Join(bin, "clonesrv"), append(args, "-heartbeat", "100ms")...)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		sc := bufio.NewScanner(stdout)
		var eps []string
		for _, name := range []string{"snapshot", "publisher", "collector"} {
			require.True(t, sc.Scan())
			f := strings.Fields(sc.Text())
			require.Equal(t, []string{name, f[1]}, f)
			eps = append(eps, "-"+name, f[1])
		}
		return cmd, eps
	}
	cli := func(eps []string, args ...string) string {
		out, err := exec.Command(filepath.Join(bin, "clonecli"), append(append([]string{}, eps...), args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}

	srv, eps := startServer("-snapshot", "tcp://127.0.0.1:*", "-publisher", "tcp://127.0.0.1:*", "-collector", "tcp://127.0.0.1:*")
	require.Equal(t, "/client/a=1\n/client/b=2\nsequence 2\n", cli(eps, "-set", "/client/a=1", "-set", "/client/b=2", "-dump"))

	follower := exec.Command(filepath.Join(bin, "clonecli"), eps...)
	stdout, err := follower.StdoutPipe()
	require.NoError(t, err)
	follower.Stderr = os.Stderr
	require.NoError(t, follower.Start())
	t.Cleanup(func() { follower.Process.Kill(); follower.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// expect waits for the follower to print the changes in want, each "KEY=VALUE" or
	// "KEY deleted", in any order. The sequence number in front of each line is left
	// out: a deletion found by a resync carries the sequence of that snapshot, which
	// depends on whether the resync came before or after the next update.
	expect := func(want ...string) {
		t.Helper()
		got := map[string]bool{}
		deadline := time.After(20 * time.Second)
		for len(got) < len(want) {
			select {
			case l, ok := <-lines:
				require.True(t, ok, "the follower stopped")
				_, change, _ := strings.Cut(l, " ")
				got[change] = true
			case <-deadline:
				t.Fatalf("follower printed %v, want %v", got, want)
			}
		}
		for _, w := range want {
			require.True(t, got[w], "want %q, got %v", w, got)
		}
	}
	expect("/client/a=1", "/client/b=2") // the snapshot

	require.NoError(t, srv.Process.Signal(syscall.SIGKILL))
	srv.Wait()
	_, eps2 := startServer(eps...) // the same endpoints
	require.Equal(t, eps, eps2)
	require.Equal(t, "/client/c=3\nsequence 1\n", cli(eps, "-set", "/client/c=3", "-dump"))
	expect("/client/c=3", "/client/a deleted", "/client/b deleted")
}
