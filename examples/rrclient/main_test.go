package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestClient runs rrclient as a process against the guide's rrbroker and rrworker
// (ours) over tcp: it prints the ten replies and exits 0 by itself.
func TestClient(t *testing.T) {
	client := progtest.Build(t, ".")
	broker := progtest.Build(t, "../rrbroker")
	worker := progtest.Build(t, "../rrworker")
	frontend, backend := progtest.TCP(t), progtest.TCP(t)

	brk := progtest.Start(t, broker, nil, "-frontend", frontend, "-backend", backend)
	wrk := progtest.Start(t, worker, nil, "-connect", backend, "-work", "0")
	var want strings.Builder
	for i := range 10 {
		fmt.Fprintf(&want, "Received reply %d [World]\n", i)
	}
	require.Equal(t, want.String(), progtest.Start(t, client, nil, "-connect", frontend).Wait())
	wrk.Stop()
	brk.Stop()
}

// TestSIGTERMWithoutBroker stops a client whose broker is not there: it exits 0 and
// prints nothing.
func TestSIGTERMWithoutBroker(t *testing.T) {
	client := progtest.Build(t, ".")
	broker := progtest.Listen(t)
	cli := progtest.Start(t, client, nil, "-connect", broker.Endpoint)
	broker.WaitConnected()
	require.Empty(t, cli.Stop())
}
