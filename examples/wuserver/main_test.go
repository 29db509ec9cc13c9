package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestWeather runs wuserver as a process bound on tcp and ipc, as in the guide, lets
// the guide's wuclient (ours) collect updates over each, and stops the server with
// SIGTERM.
func TestWeather(t *testing.T) {
	server := progtest.Build(t, ".")
	client := progtest.Build(t, "../wuclient")
	tcp := progtest.TCP(t)
	ipc := "ipc://" + filepath.Join(t.TempDir(), "weather.ipc")

	srv := progtest.Start(t, server, nil, "-bind", tcp, "-ipc", ipc)
	for _, ep := range []string{tcp, ipc} {
		// Zipcodes are uniform over 00000-99999, so "1" matches a tenth of them.
		out := progtest.Start(t, client, nil, "-connect", ep, "-n", "20", "1").Wait()
		requireAverage(t, out, "1")
	}
	require.Empty(t, srv.Stop(), "wuserver prints nothing")
}

// TestCount runs wuserver with -n: it publishes that many updates and exits 0 by
// itself.
func TestCount(t *testing.T) {
	server := progtest.Build(t, ".")
	ipc := "ipc://" + filepath.Join(t.TempDir(), "weather.ipc")
	require.Empty(t, progtest.Start(t, server, nil, "-bind", progtest.TCP(t), "-ipc", ipc, "-n", "1000").Wait())
}

var average = regexp.MustCompile(`^Collecting updates from weather server\.\.\.\nAverage temperature for zipcode '([0-9 ]*)' was (-?[0-9]+)F\n$`)

// requireAverage checks wuclient's output for filter: an average within wuserver's
// range of temperatures, -80F to 134F.
func requireAverage(t *testing.T, out, filter string) {
	t.Helper()
	m := average.FindStringSubmatch(out)
	require.NotNil(t, m, "wuclient output %q", out)
	require.Equal(t, filter, m[1])
	temp, err := strconv.Atoi(m[2])
	require.NoError(t, err)
	require.GreaterOrEqual(t, temp, -80)
	require.LessOrEqual(t, temp, 134)
}
