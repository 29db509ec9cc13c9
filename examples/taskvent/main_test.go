package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestDivideAndConquer runs the guide's pipeline as four processes over tcp: tasksink,
// two taskwork workers and taskvent, which waits for Enter as in the guide. Every task
// reaches a worker, the workloads the workers report add up to the ventilator's
// expected cost, and the sink collects every result.
func TestDivideAndConquer(t *testing.T) {
	vent := progtest.Build(t, ".")
	worker := progtest.Build(t, "../taskwork")
	sink := progtest.Build(t, "../tasksink")
	ventEP, sinkEP := progtest.TCP(t), progtest.TCP(t)
	const n = 40

	snk := progtest.Start(t, sink, nil, "-bind", sinkEP, "-n", strconv.Itoa(n))
	w1 := progtest.Start(t, worker, nil, "-vent", ventEP, "-sink", sinkEP)
	w2 := progtest.Start(t, worker, nil, "-vent", ventEP, "-sink", sinkEP)
	out := progtest.Start(t, vent, strings.NewReader("\n"), "-bind", ventEP, "-sink", sinkEP, "-n", strconv.Itoa(n)).Wait()
	m := regexp.MustCompile(`^Press Enter when the workers are ready: Sending tasks to workers\.\.\.\nTotal expected cost: ([0-9]+) msec\n$`).FindStringSubmatch(out)
	require.NotNil(t, m, "taskvent output %q", out)
	total, err := strconv.Atoi(m[1])
	require.NoError(t, err)

	require.Regexp(t, `^(:\.{9}){4}\nTotal elapsed time: [0-9]+ msec\n$`, snk.Wait())
	tasks, sum := 0, 0
	for _, w := range []*progtest.Proc{w1, w2} {
		for _, f := range strings.Split(strings.TrimSuffix(w.Stop(), "."), ".") {
			if f == "" {
				continue // a worker that got no task
			}
			ms, err := strconv.Atoi(f)
			require.NoError(t, err, "worker output %q", f)
			require.True(t, ms >= 1 && ms <= 100, "workload %d ms", ms)
			tasks++
			sum += ms
		}
	}
	require.Equal(t, n, tasks)
	require.Equal(t, total, sum)
}

// TestSIGTERMBeforeEnter stops a ventilator waiting for Enter: it exits 0 without
// sending a task.
func TestSIGTERMBeforeEnter(t *testing.T) {
	vent := progtest.Build(t, ".")
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer w.Close()
	defer r.Close()
	v := progtest.Start(t, vent, r, "-bind", progtest.TCP(t), "-sink", progtest.TCP(t))
	v.WaitOutput("the Enter prompt", func(s string) bool { return strings.HasSuffix(s, ": ") })
	require.Equal(t, "Press Enter when the workers are ready: ", v.Stop())
}
