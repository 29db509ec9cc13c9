package main

import (
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestRelay runs pair as a process: its three steps signal each other over inproc and
// it exits 0 by itself, having printed the guide's three lines in order. (It finishes
// at once, so there is no running program to stop with SIGTERM.)
func TestRelay(t *testing.T) {
	bin := progtest.Build(t, ".")
	const want = "Step 1 ready, signaling step 2\nStep 2 ready, signaling step 3\nTest successful!\n"
	require.Equal(t, want, progtest.Start(t, bin, nil).Wait())
	require.Equal(t, want, progtest.Start(t, bin, nil, "-prefix", "inproc://relay-").Wait())
}
