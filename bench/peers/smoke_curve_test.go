package peers_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// TestSmokeCurveAgainstLibzmq runs the -curve mode and the connection-rate test across
// implementations over 127.0.0.1: zmqbench and libzmq's C programs, each as the CURVE
// server (local_*) against the other as the client (remote_*), for thr, lat and conn.
// A run where only the server uses CURVE must not complete, which shows that -curve
// really changes what goes over the wire. It skips without libzmq's headers or a C
// compiler.
func TestSmokeCurveAgainstLibzmq(t *testing.T) {
	libzmq, ours := smokePrograms(t)
	counts := map[string]int{"thr": 20000, "lat": 500, "conn": 50}
	const size = 64

	run := func(local, remote harness.Program, metric string, n int, timeout time.Duration) (harness.Result, string, error) {
		args := []string{strconv.Itoa(size), strconv.Itoa(n)}
		var r harness.Result
		var out string
		var err error
		for attempt := 0; attempt < 3; attempt++ { // a free port can be taken again
			port, perr := harness.FreePort()
			require.NoError(t, perr)
			ep := fmt.Sprintf("tcp://127.0.0.1:%d", port)
			r, out, err = harness.RunPair(
				local.Argv("local_"+metric, append([]string{ep}, args...)...),
				remote.Argv("remote_"+metric, append([]string{ep}, args...)...),
				ep, harness.Options{Timeout: timeout})
			if err == nil || timeout < 10*time.Second {
				break
			}
		}
		return r, out, err
	}

	curveOurs, curveLibzmq := harness.Curve(ours, "ours", "zmqbench -curve"), harness.Curve(libzmq, "libzmq", "libzmq -curve")
	for _, pair := range [][2]harness.Program{{curveOurs, curveLibzmq}, {curveLibzmq, curveOurs}} {
		local, remote := pair[0], pair[1]
		for _, metric := range []string{"thr", "lat", "conn"} {
			n := counts[metric]
			t.Run(fmt.Sprintf("%s/server=%s/client=%s", metric, local.Key, remote.Key), func(t *testing.T) {
				r, out, err := run(local, remote, metric, n, 30*time.Second)
				require.NoError(t, err, "output:\n%s", out)
				require.Equal(t, size, r.Size, out)
				switch metric {
				case "thr":
					require.Equal(t, n, r.Count, out)
					require.Positive(t, r.MsgPerSec, out)
				case "lat":
					require.Equal(t, n, r.Roundtrips, out)
					require.Positive(t, r.LatencyUS, out)
				case "conn":
					require.Equal(t, n, r.Conns, out)
					require.Positive(t, r.ConnPerSec, out)
				}
				t.Logf("%s", out)
			})
		}
	}

	t.Run("server-only-curve-does-not-pair", func(t *testing.T) {
		_, out, err := run(curveOurs, libzmq, "lat", 10, 3*time.Second)
		require.Error(t, err, "a NULL client completed against a CURVE server:\n%s", out)
		require.Contains(t, err.Error(), "timed out")
	})
}
