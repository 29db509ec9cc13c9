package main

import (
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestWork runs taskwork as a process between the guide's taskvent and tasksink (ours)
// over tcp: it works through every task, printing each workload, and stops on SIGTERM.
func TestWork(t *testing.T) {
	worker := progtest.Build(t, ".")
	vent := progtest.Build(t, "../taskvent")
	sink := progtest.Build(t, "../tasksink")
	ventEP, sinkEP := progtest.TCP(t), progtest.TCP(t)

	snk := progtest.Start(t, sink, nil, "-bind", sinkEP, "-n", "10")
	wrk := progtest.Start(t, worker, nil, "-vent", ventEP, "-sink", sinkEP)
	progtest.Start(t, vent, nil, "-bind", ventEP, "-sink", sinkEP, "-n", "10", "-wait=false").Wait()
	require.Regexp(t, `^:\.{9}\nTotal elapsed time: [0-9]+ msec\n$`, snk.Wait())
	out := wrk.Stop()
	require.Regexp(t, `^([0-9]+\.){10}$`, out)
	require.Len(t, strings.Split(strings.TrimSuffix(out, "."), "."), 10)
}

// TestSIGTERMWithoutVentilator stops a worker that has no tasks: it exits 0 and
// prints nothing.
func TestSIGTERMWithoutVentilator(t *testing.T) {
	worker := progtest.Build(t, ".")
	vent := progtest.Listen(t)
	wrk := progtest.Start(t, worker, nil, "-vent", vent.Endpoint, "-sink", progtest.TCP(t))
	vent.WaitConnected()
	require.Empty(t, wrk.Stop())
}
