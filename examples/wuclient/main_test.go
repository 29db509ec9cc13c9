package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

var average = regexp.MustCompile(`^Collecting updates from weather server\.\.\.\nAverage temperature for zipcode '([0-9 ]*)' was (-?[0-9]+)F\n$`)

// TestWeather runs wuclient as a process against the guide's wuserver (ours) over tcp,
// with the guide's zipcode filter "10001 " and a broader one: it prints an average in
// the server's range of temperatures and exits 0 by itself.
func TestWeather(t *testing.T) {
	client := progtest.Build(t, ".")
	server := progtest.Build(t, "../wuserver")
	ep := progtest.TCP(t)
	srv := progtest.Start(t, server, nil, "-bind", ep, "-ipc", "")

	for _, c := range []struct{ n, filter string }{
		{"2", ""}, // the default, "10001 ": one update in 100000 matches
		{"50", "9"},
	} {
		args := []string{"-connect", ep, "-n", c.n}
		filter := "10001 "
		if c.filter != "" {
			args = append(args, c.filter)
			filter = c.filter
		}
		out := progtest.Start(t, client, nil, args...).Wait()
		m := average.FindStringSubmatch(out)
		require.NotNil(t, m, "wuclient output %q", out)
		require.Equal(t, filter, m[1])
		temp, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		require.GreaterOrEqual(t, temp, -80)
		require.LessOrEqual(t, temp, 134)
	}
	srv.Stop()
}

// TestSIGTERMWithoutServer stops a client waiting for updates that never come: it
// exits 0 without printing an average.
func TestSIGTERMWithoutServer(t *testing.T) {
	client := progtest.Build(t, ".")
	cli := progtest.Start(t, client, nil, "-connect", progtest.TCP(t))
	cli.WaitLines(1)
	require.Equal(t, "Collecting updates from weather server...\n", cli.Stop())
}
