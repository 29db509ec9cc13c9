package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestHelloWorld runs hwclient as a process against the guide's hwserver (ours) over
// tcp: it prints the ten "World" replies and exits 0 by itself.
func TestHelloWorld(t *testing.T) {
	client := progtest.Build(t, ".")
	server := progtest.Build(t, "../hwserver")
	ep := progtest.TCP(t)

	srv := progtest.Start(t, server, nil, "-bind", ep)
	out := progtest.Start(t, client, nil, "-connect", ep).Wait()
	var want strings.Builder
	want.WriteString("Connecting to hello world server...\n")
	for i := range 10 {
		fmt.Fprintf(&want, "Sending Hello %d...\nReceived World %d\n", i, i)
	}
	require.Equal(t, want.String(), out)
	require.Equal(t, 10, strings.Count(out, "Received World"))
	srv.Stop()
}

// TestSIGTERMWithoutServer stops a client waiting for a server that is not there: it
// exits 0.
func TestSIGTERMWithoutServer(t *testing.T) {
	client := progtest.Build(t, ".")
	cli := progtest.Start(t, client, nil, "-connect", progtest.TCP(t))
	cli.WaitLines(2)
	require.Equal(t, "Connecting to hello world server...\nSending Hello 0...\n", cli.Stop())
}
