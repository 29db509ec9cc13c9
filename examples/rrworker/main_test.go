package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestWorker runs rrworker as a process behind the guide's rrbroker (ours), with the
// guide's one second of work per request: it answers rrclient's three requests, and
// stops on SIGTERM.
func TestWorker(t *testing.T) {
	worker := progtest.Build(t, ".")
	broker := progtest.Build(t, "../rrbroker")
	client := progtest.Build(t, "../rrclient")
	frontend, backend := progtest.TCP(t), progtest.TCP(t)

	brk := progtest.Start(t, broker, nil, "-frontend", frontend, "-backend", backend)
	wrk := progtest.Start(t, worker, nil, "-connect", backend)
	var want strings.Builder
	for i := range 3 {
		fmt.Fprintf(&want, "Received reply %d [World]\n", i)
	}
	require.Equal(t, want.String(), progtest.Start(t, client, nil, "-connect", frontend, "-n", "3").Wait())
	require.Equal(t, strings.Repeat("Received request: [Hello]\n", 3), wrk.Stop())
	brk.Stop()
}

// TestSIGTERMWhileWorking stops a worker in the middle of a request's work: it exits
// 0 without answering.
func TestSIGTERMWhileWorking(t *testing.T) {
	worker := progtest.Build(t, ".")
	broker := progtest.Build(t, "../rrbroker")
	client := progtest.Build(t, "../rrclient")
	frontend, backend := progtest.TCP(t), progtest.TCP(t)

	brk := progtest.Start(t, broker, nil, "-frontend", frontend, "-backend", backend)
	wrk := progtest.Start(t, worker, nil, "-connect", backend, "-work", "1h")
	cli := progtest.Start(t, client, nil, "-connect", frontend, "-n", "1")
	wrk.WaitLines(1)
	require.Equal(t, "Received request: [Hello]\n", wrk.Stop())
	require.Empty(t, cli.Stop(), "rrclient got no reply")
	brk.Stop()
}
