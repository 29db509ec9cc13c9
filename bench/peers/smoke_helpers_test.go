package peers_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// smokePrograms builds libzmq's C programs and zmqbench for a smoke test and returns
// them, or skips the test without libzmq's headers or a C compiler.
func smokePrograms(t *testing.T) (libzmq, ours harness.Program) {
	t.Helper()
	if err := harness.HaveLibzmq(); err != nil {
		t.Skipf("libzmq not available: %v", err)
	}
	dirs, err := harness.FindDirs()
	require.NoError(t, err)
	require.NoError(t, dirs.BuildC())
	bin := filepath.Join(t.TempDir(), "zmqbench")
	require.NoError(t, dirs.BuildOurs(bin))
	return harness.CProgram("libzmq", "libzmq", dirs.CBin()), harness.GoProgram("ours", "zmqbench", bin)
}
