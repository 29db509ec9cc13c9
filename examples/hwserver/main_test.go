package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestHelloWorld runs hwserver as a process, lets the guide's hwclient (ours) send it
// ten requests over tcp, and stops it with SIGTERM.
func TestHelloWorld(t *testing.T) {
	server := progtest.Build(t, ".")
	client := progtest.Build(t, "../hwclient")
	ep := progtest.TCP(t)

	srv := progtest.Start(t, server, nil, "-bind", ep)
	out := progtest.Start(t, client, nil, "-connect", ep).Wait()
	require.Equal(t, want(10), out)

	require.Equal(t, strings.Repeat("Received Hello\n", 10), srv.Stop())
}

// TestSIGTERMWhileWorking stops the server in the middle of a request's work (-work,
// the guide's one-second sleep): it exits 0 without answering.
func TestSIGTERMWhileWorking(t *testing.T) {
	server := progtest.Build(t, ".")
	client := progtest.Build(t, "../hwclient")
	ep := progtest.TCP(t)

	srv := progtest.Start(t, server, nil, "-bind", ep, "-work", "1h")
	cli := progtest.Start(t, client, nil, "-connect", ep, "-n", "1")
	srv.WaitLines(1)
	require.Equal(t, "Received Hello\n", srv.Stop())
	require.Equal(t, "Connecting to hello world server...\nSending Hello 0...\n", cli.Stop())
}

// want is hwclient's output for n requests answered by hwserver.
func want(n int) string {
	var b strings.Builder
	b.WriteString("Connecting to hello world server...\n")
	for i := range n {
		fmt.Fprintf(&b, "Sending Hello %d...\nReceived World %d\n", i, i)
	}
	return b.String()
}
