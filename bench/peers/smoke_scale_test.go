package peers_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// TestSmokeAgainstLibzmqScale runs the scale programs at a small client count over
// 127.0.0.1, ours and libzmq's in each role: local_router against remote_dealers and
// remote_conns, local_idle against remote_idle. Every run must finish and print the
// figures bench/compare -scale reads, matching the request. (Its name extends
// TestSmokeAgainstLibzmq so that make bench-smoke runs it.) It skips without libzmq's
// headers or a C compiler.
func TestSmokeAgainstLibzmqScale(t *testing.T) {
	libzmq, ours := smokePrograms(t)
	const (
		clients  = 50
		size     = 64
		requests = 2000
	)
	n, sz, req := strconv.Itoa(clients), strconv.Itoa(size), strconv.Itoa(requests)
	tests := []struct {
		local, remote string
		largs, rargs  []string
		want          map[string]float64 // lines with a known value
		positive      []string           // lines with a measured value
	}{
		{"local_router", "remote_dealers", []string{sz, req}, []string{sz, req, n},
			map[string]float64{"message size": size, "request count": requests, "clients": clients, "replies": requests},
			[]string{"mean throughput", "server throughput", "server rss", "server peak rss"}},
		{"local_router", "remote_conns", []string{"1", n}, []string{n},
			map[string]float64{"message size": 1, "request count": clients, "clients": clients},
			[]string{"mean connection rate", "server throughput", "server rss", "server peak rss"}},
		{"local_idle", "remote_idle", []string{n}, []string{n},
			map[string]float64{"clients": clients},
			[]string{"rss before", "rss after"}},
	}
	for _, tc := range tests {
		for _, pair := range [][2]harness.Program{{ours, libzmq}, {libzmq, ours}} {
			local, remote := pair[0], pair[1]
			t.Run(fmt.Sprintf("%s=%s/%s=%s", tc.local, local.Key, tc.remote, remote.Key), func(t *testing.T) {
				var out string
				var err error
				for attempt := 0; attempt < 3; attempt++ { // a free port can be taken again
					port, perr := harness.FreePort()
					require.NoError(t, perr)
					ep := fmt.Sprintf("tcp://127.0.0.1:%d", port)
					out, err = harness.RunPairOutput(
						local.Argv(tc.local, append([]string{ep}, tc.largs...)...),
						remote.Argv(tc.remote, append([]string{ep}, tc.rargs...)...),
						ep, harness.Options{Timeout: 30 * time.Second})
					if err == nil {
						break
					}
				}
				require.NoError(t, err, "output:\n%s", out)
				m, err := harness.Figures(out)
				require.NoError(t, err, out)
				for k, v := range tc.want {
					require.Equal(t, v, m[k], "%q in\n%s", k, out)
				}
				for _, k := range tc.positive {
					require.Positive(t, m[k], "%q in\n%s", k, out)
				}
				if tc.local == "local_idle" {
					// The ROUTER holds 50 more connections than before, so its memory grew.
					require.Greater(t, m["rss after"], m["rss before"], out)
					require.InDelta(t, (m["rss after"]-m["rss before"])*1024/clients, m["memory per connection"], 1, out)
				}
				t.Logf("%s", out)
			})
		}
	}
}
