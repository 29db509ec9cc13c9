package peers_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// TestSmokeAgainstLibzmqPercentiles checks -percentiles in libzmq's C latency programs,
// which bench/compare passes to every latency run: remote_lat against our local_lat
// over 127.0.0.1 (the flag before and after -curve), and inproc_lat, print the five
// round-trip percentile lines in order, and without the flag none. It skips without
// libzmq's headers or a C compiler.
func TestSmokeAgainstLibzmqPercentiles(t *testing.T) {
	if err := harness.HaveLibzmq(); err != nil {
		t.Skipf("libzmq not available: %v", err)
	}
	dirs, err := harness.FindDirs()
	require.NoError(t, err)
	require.NoError(t, dirs.BuildC())
	bin := filepath.Join(t.TempDir(), "zmqbench")
	require.NoError(t, dirs.BuildOurs(bin))
	libzmq := func(test string, args ...string) []string {
		return append([]string{filepath.Join(dirs.CBin(), test)}, args...)
	}
	const roundtrips = 500
	o := harness.Options{Timeout: 20 * time.Second}

	check := func(t *testing.T, r harness.Result, out string) {
		require.Equal(t, roundtrips, r.Roundtrips, out)
		var last float64
		for _, name := range []string{"p50", "p90", "p99", "p99.9", "max"} {
			v, ok := r.RTTUS[name]
			require.True(t, ok, "no %s line in\n%s", name, out)
			require.GreaterOrEqual(t, v, last, "%s below the percentile before it:\n%s", name, out)
			last = v
		}
		require.Positive(t, r.RTTUS["p50"], out)
		// The mean round trip lies between the smallest (≤ p50) and the largest.
		require.LessOrEqual(t, 2*r.LatencyUS, r.RTTUS["max"]*1.001, out)
	}

	for _, flags := range [][]string{{"-percentiles"}, {"-percentiles", "-curve"}, {"-curve", "-percentiles"}, nil} {
		t.Run(fmt.Sprintf("tcp%v", flags), func(t *testing.T) {
			curve := len(flags) == 2
			local := []string{bin}
			if curve {
				local = append(local, "-curve")
			}
			var r harness.Result
			var out string
			var err error
			for attempt := 0; attempt < 3; attempt++ { // a free port can be taken again
				port, perr := harness.FreePort()
				require.NoError(t, perr)
				ep := fmt.Sprintf("tcp://127.0.0.1:%d", port)
				remote := libzmq("remote_lat", append(append([]string{}, flags...), ep, "64", fmt.Sprint(roundtrips))...)
				r, out, err = harness.RunPair(append(local, "local_lat", ep, "64", fmt.Sprint(roundtrips)), remote, ep, o)
				if err == nil {
					break
				}
			}
			require.NoError(t, err, out)
			if flags == nil {
				require.Nil(t, r.RTTUS, out)
				return
			}
			check(t, r, out)
		})
	}
	t.Run("inproc", func(t *testing.T) {
		r, out, err := harness.RunOne(libzmq("inproc_lat", "-percentiles", "64", fmt.Sprint(roundtrips)), o)
		require.NoError(t, err, out)
		check(t, r, out)
	})
}
