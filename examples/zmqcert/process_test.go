package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/brokerless/zmq/internal/version"
	"github.com/stretchr/testify/require"
)

// TestProcess runs zmqcert as a program. It runs and exits, so its exit statuses and
// the files it writes are what is checked: new writes a key pair that zmqcat
// processes then use for a CURVE conversation, show prints it, a second new refuses
// to overwrite it (status 1, files untouched), and bad arguments exit with status 2.
func TestProcess(t *testing.T) {
	bin := progtest.Build(t, ".")
	zmqcat := progtest.Build(t, "../zmqcat")
	base := filepath.Join(t.TempDir(), "server")

	p := progtest.Start(t, bin, nil, "new", base)
	require.Equal(t, 0, p.Exit(), p.Stderr())
	require.Empty(t, p.Stderr())
	pub := strings.TrimSuffix(p.Stdout(), "\n")
	require.Len(t, pub, 40)
	st, err := os.Stat(base + ".key_secret")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the secret certificate is its owner's only")
	secret, err := os.ReadFile(base + ".key_secret")
	require.NoError(t, err)

	p = progtest.Start(t, bin, nil, "show", base+".key")
	require.Equal(t, 0, p.Exit(), p.Stderr())
	require.Equal(t, "public-key "+pub+"\n", p.Stdout())

	// The pair works: a CURVE server with the secret file, a client with the public one.
	rep := progtest.Start(t, zmqcat, nil, "rep", "--bind", "tcp://127.0.0.1:*", "--count", "1",
		"--curve-server", "--curve-cert", base+".key_secret")
	ep := ""
	rep.WaitStderr("the bound endpoint", func(s string) bool {
		_, rest, ok := strings.Cut(s, "zmqcat: bound to ")
		ep, _, _ = strings.Cut(rest, "\n")
		return ok && strings.Contains(rest, "\n")
	})
	req := progtest.Start(t, zmqcat, strings.NewReader("sealed\n"), "req", "--connect", ep,
		"--curve-servercert", base+".key", "--timeout", "1m")
	require.Equal(t, "sealed\n", req.Wait())
	rep.Wait()
	require.Contains(t, rep.Stderr(), "zmqcat: CURVE public key "+pub+"\n")

	p = progtest.Start(t, bin, nil, "new", base)
	require.Equal(t, 1, p.Exit())
	require.Contains(t, p.Stderr(), base+".key exists")
	require.Empty(t, p.Stdout())
	after, err := os.ReadFile(base + ".key_secret")
	require.NoError(t, err)
	require.Equal(t, secret, after, "a refused new must leave the certificate alone")

	p = progtest.Start(t, bin, nil, "show")
	require.Equal(t, 2, p.Exit())
	require.Contains(t, p.Stderr(), "usage: zmqcert new PATH/NAME")

	p = progtest.Start(t, bin, nil, "--version")
	require.Equal(t, 0, p.Exit())
	require.Equal(t, version.String("zmqcert")+"\n", p.Stdout())
}
