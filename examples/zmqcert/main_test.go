package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brokerless/zmq/cert"
	"github.com/stretchr/testify/require"
)

// zmqcert runs the command and returns its status, stdout and stderr.
func zmqcert(args ...string) (int, string, string) {
	var stdout, stderr strings.Builder
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestNewShow(t *testing.T) {
	base := filepath.Join(t.TempDir(), "server")
	code, out, errOut := zmqcert("new", base)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	pub := strings.TrimSuffix(out, "\n")
	require.Len(t, pub, 40)
	require.Equal(t, pub+"\n", out)

	// The files are the certificate pair the cert package (and CZMQ, pyzmq) reads.
	public, err := cert.Load(base + ".key")
	require.NoError(t, err)
	require.False(t, public.HasSecret)
	require.Equal(t, pub, public.Public.String())
	secret, err := cert.Load(base + ".key_secret")
	require.NoError(t, err)
	require.True(t, secret.HasSecret)
	require.Equal(t, pub, secret.Public.String())
	require.Equal(t, secret.Public, secret.Secret.Public())
	st, err := os.Stat(base + ".key_secret")
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	code, out, errOut = zmqcert("show", base+".key")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "public-key "+pub+"\n", out)

	code, out, errOut = zmqcert("show", base+".key_secret")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "public-key "+pub+"\nsecret-key "+secret.Secret.Z85()+"\n", out)

	// A second pair gets a different key.
	code, out2, _ := zmqcert("new", base+"2")
	require.Equal(t, 0, code)
	require.NotEqual(t, out, out2)
}

func TestNewRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "client")
	code, out, _ := zmqcert("new", base)
	require.Equal(t, 0, code)
	before, err := os.ReadFile(base + ".key_secret")
	require.NoError(t, err)

	code, _, errOut := zmqcert("new", base)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, base+".key exists")
	after, err := os.ReadFile(base + ".key_secret")
	require.NoError(t, err)
	require.Equal(t, before, after)

	// A lone secret file is not overwritten either.
	require.NoError(t, os.Remove(base+".key"))
	code, _, errOut = zmqcert("new", base)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, base+".key_secret exists")
	_, err = os.Stat(base + ".key")
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NotEmpty(t, out)

	code, _, errOut = zmqcert("new", filepath.Join(dir, "missing", "dir", "x"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no such file or directory")
}

func TestShowErrors(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := zmqcert("show", filepath.Join(dir, "none.key"))
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "no such file or directory")

	// A secret key that is not the public key's: refused without quoting either.
	a, err := cert.New()
	require.NoError(t, err)
	b, err := cert.New()
	require.NoError(t, err)
	bad := filepath.Join(dir, "bad.key_secret")
	text := "curve\n    public-key = \"" + a.Public.String() + "\"\n    secret-key = \"" + b.Secret.Z85() + "\"\n"
	require.NoError(t, os.WriteFile(bad, []byte(text), 0o600))
	code, out, errOut = zmqcert("show", bad)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "the secret-key does not belong to the public-key")
	require.NotContains(t, errOut, b.Secret.Z85())

	garbage := filepath.Join(dir, "garbage.key")
	require.NoError(t, os.WriteFile(garbage, []byte("hello\n"), 0o644))
	code, _, errOut = zmqcert("show", garbage)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "cert: malformed certificate")
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "missing command: new or show"},
		{[]string{"make", "x"}, `unknown command "make": want new or show`},
		{[]string{"new"}, "new takes one argument, PATH/NAME"},
		{[]string{"new", "a", "b"}, "new takes one argument, PATH/NAME"},
		{[]string{"new", ""}, "new takes one argument, PATH/NAME"},
		{[]string{"show"}, "show takes one argument, FILE"},
		{[]string{"show", "a", "b"}, "show takes one argument, FILE"},
	} {
		code, out, errOut := zmqcert(tc.args...)
		require.Equal(t, 2, code, tc.args)
		require.Empty(t, out)
		require.Contains(t, errOut, tc.want)
		require.Contains(t, errOut, "usage: zmqcert new PATH/NAME")
	}
	for _, help := range []string{"-h", "--help", "help"} {
		code, out, errOut := zmqcert(help)
		require.Equal(t, 0, code)
		require.Empty(t, errOut)
		require.True(t, strings.HasPrefix(out, "usage: zmqcert new PATH/NAME"))
	}
}
