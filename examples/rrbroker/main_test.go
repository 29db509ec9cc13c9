package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestBroker runs the guide's extended request-reply as four processes over tcp:
// rrbroker, two rrworker processes and rrclient. Every request reaches one worker,
// every reply comes back to the client, and the broker and workers stop on SIGTERM.
func TestBroker(t *testing.T) {
	broker := progtest.Build(t, ".")
	worker := progtest.Build(t, "../rrworker")
	client := progtest.Build(t, "../rrclient")
	frontend, backend := progtest.TCP(t), progtest.TCP(t)

	brk := progtest.Start(t, broker, nil, "-frontend", frontend, "-backend", backend)
	w1 := progtest.Start(t, worker, nil, "-connect", backend, "-work", "1ms")
	w2 := progtest.Start(t, worker, nil, "-connect", backend, "-work", "1ms")
	require.Equal(t, replies(10), progtest.Start(t, client, nil, "-connect", frontend).Wait())

	requests := strings.Count(w1.Stop(), "Received request: [Hello]\n") + strings.Count(w2.Stop(), "Received request: [Hello]\n")
	require.Equal(t, 10, requests)
	require.Empty(t, brk.Stop(), "rrbroker prints nothing")
}

// TestSIGTERMIdle stops a broker nobody has used: it exits 0.
func TestSIGTERMIdle(t *testing.T) {
	broker := progtest.Build(t, ".")
	frontend, backend := progtest.TCP(t), progtest.TCP(t)
	brk := progtest.Start(t, broker, nil, "-frontend", frontend, "-backend", backend)
	progtest.WaitListening(t, backend)
	require.Empty(t, brk.Stop())
}

// replies is rrclient's output for n answered requests.
func replies(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(fmt.Sprintf("Received reply %d [World]\n", i))
	}
	return b.String()
}
