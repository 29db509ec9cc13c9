package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chromiumFlags are what headless Chromium needs here: no sandbox (tests run as
// root), and no background connections to the outside.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-extensions", "--disable-dev-shm-usage",
}

// TestBrowser opens the page in headless Chromium (Debian's chromium package) and
// runs the four socket types of web/zws.js (bare ZWS2.0) against ours: the page's
// SUB must receive N updates of its topic and nothing else, its REQ an answer to
// each of three requests, its DEALER the ROUTER's echo of two messages, and our PULL
// must get the three messages its PUSH sends. Results come back to us as the page's
// POST to /report.
func TestBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed (apt-get install -y chromium; make test does it as root)")
		}
		t.Skip("chromium is not installed: apt-get install -y chromium (make test installs it as root)")
	}
	const n = 5
	reports := make(chan report, 1)
	s, err := start(config{
		http: "127.0.0.1:0", feed: "ws://127.0.0.1:*/feed", rpc: "ws://127.0.0.1:*/rpc",
		sink: "ws://127.0.0.1:*/sink", echo: "ws://127.0.0.1:*/echo",
		topic: "weather", other: "sports", interval: 20 * time.Millisecond,
		onReport: func(r report) {
			select {
			case reports <- r:
			default:
			}
		},
	})
	require.NoError(t, err)
	defer s.close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s?report=%d", s.url(), n)
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir(), url)
	cmd := exec.Command(chromium, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers stop with it
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		// Stop Chromium's process group and wait, bounded, until every process of
		// it has gone, its helpers included.
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		deadline := time.Now().Add(10 * time.Second)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
		killed := false
		for syscall.Kill(-pgid, 0) == nil {
			if time.Now().After(deadline) {
				if killed {
					t.Errorf("chromium's process group %d outlived SIGKILL", pgid)
					return
				}
				syscall.Kill(-pgid, syscall.SIGKILL)
				killed, deadline = true, time.Now().Add(10*time.Second)
			}
			time.Sleep(20 * time.Millisecond) // polling the group's end, bounded above
		}
	}()

	var r report
	select {
	case r = <-reports:
	case err := <-exited:
		exited <- err
		t.Fatalf("chromium exited before the page reported: %v\n%s", err, out.String())
	case <-ctx.Done():
		t.Fatalf("no report from the page: %v\nchromium said:\n%s", ctx.Err(), out.String())
	}
	require.Empty(t, r.Error, "the page failed")
	require.Len(t, r.Updates, n)
	for _, u := range r.Updates {
		require.Len(t, u, 2, "update %q", u)
		require.Equal(t, "weather", u[0], "an update off the page's topic arrived: %q", u)
		require.True(t, strings.HasPrefix(u[1], "update "), "update %q", u)
	}
	require.Equal(t, []string{"answer to one", "answer to two", "answer to three"}, r.Replies)
	require.Equal(t, []string{"echo: d1", "echo: d2"}, r.Echoes)
	for i := 1; i <= 3; i++ {
		select {
		case got := <-s.pushed:
			require.Equal(t, []string{"pushed", fmt.Sprint(i)}, got)
		case <-ctx.Done():
			t.Fatalf("push %d did not reach our PULL", i)
		}
	}
	require.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded))
}
