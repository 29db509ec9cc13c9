package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Example runs the demo's main logic, bounded in time, and shows what it prints.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "zmq-demo-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := run(ctx, os.Stdout, dir); err != nil {
		panic(err)
	}
	// Output:
	// req/rep    inproc  10 requests, 10 replies
	// req/rep    ipc     10 requests, 10 replies
	// req/rep    tcp     10 requests, 10 replies
	// pub/sub    inproc  2 subscribers, 100 updates each, none off-topic
	// pub/sub    ipc     2 subscribers, 100 updates each, none off-topic
	// pub/sub    tcp     2 subscribers, 100 updates each, none off-topic
	// push/pull  inproc  100 tasks, 3 workers, 100 results
	// push/pull  ipc     100 tasks, 3 workers, 100 results
	// push/pull  tcp     100 tasks, 3 workers, 100 results
	// pair       inproc  10 pings, 10 pongs
	// pair       ipc     10 pings, 10 pongs
	// pair       tcp     10 pings, 10 pongs
	// every pattern worked over inproc, ipc and tcp
}

// TestRunFailsOnBadIPCDir checks that the demo reports failures: an ipc directory
// that does not exist makes every ipc run fail, and run says so.
func TestRunFailsOnBadIPCDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	err := run(ctx, &out, "/nonexistent/zmq-demo")
	require.Error(t, err)
	require.Contains(t, err.Error(), "req/rep over ipc")
	require.Contains(t, out.String(), "FAILED")
}
