package main

import (
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestBatch feeds tasksink, run as a process, the guide's start-of-batch message and
// results from a PUSH program of the guide (taskwork, ours, working on tasks from
// taskvent): it prints one mark per result, a colon every tenth, and exits 0.
func TestBatch(t *testing.T) {
	sink := progtest.Build(t, ".")
	worker := progtest.Build(t, "../taskwork")
	vent := progtest.Build(t, "../taskvent")
	ventEP, sinkEP := progtest.TCP(t), progtest.TCP(t)

	snk := progtest.Start(t, sink, nil, "-bind", sinkEP, "-n", "25")
	wrk := progtest.Start(t, worker, nil, "-vent", ventEP, "-sink", sinkEP)
	progtest.Start(t, vent, nil, "-bind", ventEP, "-sink", sinkEP, "-n", "25", "-wait=false").Wait()
	out := snk.Wait()
	require.Regexp(t, `^:\.{9}:\.{9}:\.{4}\nTotal elapsed time: [0-9]+ msec\n$`, out)
	wrk.Stop()
}

// TestSIGTERMBeforeBatch stops a sink still waiting for its batch: it exits 0 and
// prints nothing.
func TestSIGTERMBeforeBatch(t *testing.T) {
	sink := progtest.Build(t, ".")
	ep := progtest.TCP(t)
	snk := progtest.Start(t, sink, nil, "-bind", ep)
	progtest.WaitListening(t, ep)
	require.Empty(t, snk.Stop())
}
