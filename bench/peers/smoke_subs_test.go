package peers_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// TestSmokeAgainstLibzmqPubSubs runs pub_subs, libzmq's (bench/peers/c/pub_subs.c) and
// ours (zmqbench pub_subs), at 20 subscribers × 10 subscriptions. Both follow the same
// topic plan, so both must report the same deliveries; the run is small enough that no
// queue can fill (at most 90 messages per subscriber against an HWM of 1000), so every
// due message must arrive. It skips without libzmq's headers or a C compiler.
func TestSmokeAgainstLibzmqPubSubs(t *testing.T) {
	if err := harness.HaveLibzmq(); err != nil {
		t.Skipf("libzmq not available: %v", err)
	}
	dirs, err := harness.FindDirs()
	require.NoError(t, err)
	require.NoError(t, dirs.BuildC())
	bin := filepath.Join(t.TempDir(), "zmqbench")
	require.NoError(t, dirs.BuildOurs(bin))

	want := map[string]string{
		"message size":     "64 [B]",
		"message count":    "2000",
		"subscribers":      "20",
		"subscriptions":    "200",
		"delivered":        "1800 of 1800",
		"dropped":          "0",
		"unmatched":        "200",
		"churn operations": "400",
	}
	for _, p := range []harness.Program{
		harness.CProgram("libzmq", "libzmq", dirs.CBin()),
		harness.GoProgram("ours", "zmqbench", bin),
	} {
		t.Run(p.Key, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			argv := p.Argv("pub_subs", "64", "2000", "20", "10")
			out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output()
			require.NoError(t, err, "%s", out)
			got := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				k, v, ok := strings.Cut(line, ": ")
				require.True(t, ok, "line %q", line)
				got[k] = v
			}
			for k, v := range want {
				require.Equal(t, v, got[k], "%q in\n%s", k, out)
			}
			for _, k := range []string{"setup", "publish cost", "publish cpu", "churn", "churn cpu"} {
				require.Regexp(t, `^[0-9.]+ \[(ms|ns/msg|ops/s|ns/op)\]$`, got[k], "%q in\n%s", k, out)
				require.NotRegexp(t, `^0(\.0*)? `, got[k], "%q in\n%s", k, out)
			}
			t.Logf("%s", out)
		})
	}
}
