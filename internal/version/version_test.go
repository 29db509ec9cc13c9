package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "53de447abcdef0123456789"}, {Key: "vcs.modified", Value: "true"}}
	cases := []struct {
		info *debug.BuildInfo
		want string
	}{
		{nil, "zmqcat (unknown version)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}}, "zmqcat v1.2.3 (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Settings: rev}, "zmqcat v1.2.3 (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: rev}, "zmqcat (devel) 53de447abcde+dirty (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: rev[:1]}, "zmqcat (devel) 53de447abcde (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0"}, "zmqcat (devel) (go1.26.0)"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, Format("zmqcat", c.info))
	}
}

// TestString checks the line of this test binary against what the go command
// recorded in it.
func TestString(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	got := String("tool")
	require.True(t, strings.HasPrefix(got, "tool "), got)
	require.True(t, strings.HasSuffix(got, "("+info.GoVersion+")"), got)
	require.Equal(t, Format("tool", info), got)
}

func TestRequested(t *testing.T) {
	require.True(t, Requested([]string{"--version"}))
	require.True(t, Requested([]string{"-version"}))
	require.False(t, Requested(nil))
	require.False(t, Requested([]string{"version"}))
	require.False(t, Requested([]string{"queue", "--version"}))
	require.False(t, Requested([]string{"--version", "x"}))
}

// tools are the commands people install with go install, by package directory
// relative to this one.
var tools = map[string]string{
	"zmqcat":    "../../examples/zmqcat",
	"zmqcert":   "../../examples/zmqcert",
	"zmqdevice": "../../device/cmd/zmqdevice",
	"zmqbench":  "../../bench/cmd/zmqbench",
}

// TestInstall installs every tool from this checkout with go install, as
// "go install github.com/brokerless/zmq/examples/zmqcat@latest" would from the
// module (each is a main package of the main module, which has no replace
// directive), and checks that each prints the version the go command recorded in it.
func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every tool")
	}
	gobin := t.TempDir()
	args := []string{"install"}
	for _, dir := range tools {
		args = append(args, dir)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for name := range tools {
		bin := filepath.Join(gobin, name)
		out, err := exec.Command(bin, "--version").CombinedOutput()
		require.NoError(t, err, "%s --version: %s", name, out)
		mod, err := exec.Command("go", "version", "-m", bin).Output()
		require.NoError(t, err)
		want := ""
		for _, line := range strings.Split(string(mod), "\n") { // mod <path> <version> [<sum>]
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "mod" {
				require.Equal(t, "github.com/brokerless/zmq", f[1])
				want = f[2]
			}
		}
		require.NotEmpty(t, want, "%s", mod)
		require.Regexp(t, "^"+regexp.QuoteMeta(name+" "+want+" ")+`(\S+ )?\(go[^)]+\)\n$`, string(out))
	}
}

// TestDevelBuild builds a tool without the VCS stamp: it reports "(devel)".
func TestDevelBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a command")
	}
	bin := filepath.Join(t.TempDir(), "zmqcert")
	out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, tools["zmqcert"]).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Regexp(t, `^zmqcert \(devel\) \(go[^)]+\)\n$`, string(out))
}
