package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// runScalePair runs a scale test's local and remote subcommands against each other in
// this process and returns what each printed.
func runScalePair(t *testing.T, local, remote []string) (string, string) {
	var lout, rout bytes.Buffer
	done := make(chan int, 1)
	go func() {
		handled, status := scaleMain(local, &lout)
		require.True(t, handled)
		done <- status
	}()
	handled, status := scaleMain(remote, &rout)
	require.True(t, handled)
	require.Zero(t, status, "remote")
	require.Zero(t, <-done, "local")
	return lout.String(), rout.String()
}

func TestScaleRouter(t *testing.T) {
	ep := freeEndpoint(t)
	local, remote := runScalePair(t,
		[]string{"local_router", ep, "64", "400"},
		[]string{"remote_dealers", ep, "64", "400", "20"})
	require.Contains(t, local, "message size: 64 [B]\nrequest count: 400\nserver throughput: ")
	require.Contains(t, local, "server peak rss: ")
	require.Contains(t, remote, "clients: 20\nreplies: 400\nmean throughput: ")
}

func TestScaleConns(t *testing.T) {
	ep := freeEndpoint(t)
	local, remote := runScalePair(t,
		[]string{"local_router", ep, "1", "20"},
		[]string{"remote_conns", ep, "20"})
	require.Contains(t, local, "request count: 20\n")
	require.Contains(t, remote, "clients: 20\nmean connection rate: ")
}

func TestScaleIdle(t *testing.T) {
	ep := freeEndpoint(t)
	local, remote := runScalePair(t,
		[]string{"local_idle", ep, "20"},
		[]string{"remote_idle", ep, "20"})
	require.Contains(t, local, "clients: 20\nrss before: ")
	require.Contains(t, local, "memory per connection: ")
	require.Empty(t, remote)
}

func TestScaleUsage(t *testing.T) {
	handled, status := scaleMain([]string{"local_router", "tcp://127.0.0.1:1", "64"}, new(bytes.Buffer))
	require.True(t, handled)
	require.Equal(t, 2, status, "too few arguments")
	handled, status = scaleMain([]string{"remote_idle", "tcp://127.0.0.1:1", "0"}, new(bytes.Buffer))
	require.True(t, handled)
	require.Equal(t, 2, status, "no clients")
	handled, _ = scaleMain([]string{"local_thr", "tcp://127.0.0.1:1", "64", "10"}, new(bytes.Buffer))
	require.False(t, handled, "not a scale test")
}
