package secflag

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// parseAuth parses args with one socket's flags (under prefix "") and the
// authenticator's, and checks them together.
func parseAuth(t *testing.T, args ...string) (*AuthFlags, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, "")
	a := RegisterAuth(fs)
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	c, err := f.Config()
	require.NoError(t, err)
	return a, a.Check(c)
}

func TestAuthFlags(t *testing.T) {
	k := newKeys(t)
	curve := []string{"--curve-server", "--curve-cert", k.serverSecret}

	a, err := parseAuth(t, curve...)
	require.NoError(t, err)
	require.False(t, a.Enabled())

	a, err = parseAuth(t, append(curve, "--auth-curve-keys", "/etc/curve", "--auth-allow", "127.0.0.1", "-auth-allow=::1")...)
	require.NoError(t, err)
	require.True(t, a.Enabled())
	require.Equal(t, "/etc/curve", a.CurveKeys)
	require.Equal(t, []string{"127.0.0.1", "::1"}, a.Allow)
	require.Empty(t, a.Deny)

	a, err = parseAuth(t, append(curve, "--auth-curve-any", "--auth-deny", "10.0.0.1", "--auth-deny", "10.0.0.2")...)
	require.NoError(t, err)
	require.True(t, a.CurveAny)
	require.Equal(t, []string{"10.0.0.1", "10.0.0.2"}, a.Deny)

	// Prefixes, and an allow list with exceptions.
	a, err = parseAuth(t, append(curve, "--auth-curve-any", "--auth-allow", "10.0.0.0/8", "--auth-deny", "10.0.0.5", "--auth-deny", "fd00::/8")...)
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8"}, a.Allow)
	require.Equal(t, []string{"10.0.0.5", "fd00::/8"}, a.Deny)

	a, err = parseAuth(t, "--plain-server", "--auth-passwords", "/etc/passwords")
	require.NoError(t, err)
	require.Equal(t, "/etc/passwords", a.Passwords)

	// NULL with a ZAP domain consults the authenticator for addresses.
	a, err = parseAuth(t, "--zap-domain", "global", "--auth-deny", "127.0.0.2")
	require.NoError(t, err)
	require.True(t, a.Enabled())
}

func TestAuthFlagErrors(t *testing.T) {
	k := newKeys(t)
	curve := []string{"--curve-server", "--curve-cert", k.serverSecret}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"plain server without passwords", []string{"--plain-server"},
			"--plain-server refuses every client without --auth-passwords FILE"},
		{"plain server with curve keys only", []string{"--plain-server", "--auth-curve-any"},
			"--plain-server refuses every client without --auth-passwords FILE"},
		{"passwords for a curve server", append(curve, "--auth-passwords", "p"),
			"--auth-passwords checks PLAIN clients: it needs a PLAIN server (--plain-server)"},
		{"curve keys for a plain server", []string{"--plain-server", "--auth-passwords", "p", "--auth-curve-keys", "d"},
			"--auth-curve-* checks CURVE clients: it needs a CURVE server (--curve-server)"},
		{"curve any for a client", []string{"--curve-serverkey", k.server.Public.String(), "--auth-curve-any"},
			"--auth-curve-* checks CURVE clients: it needs a CURVE server (--curve-server)"},
		{"curve any and keys", append(curve, "--auth-curve-any", "--auth-curve-keys", "d"),
			"--auth-curve-any and --auth-curve-keys together: --auth-curve-any already accepts every key"},
		{"curve server with an allow list only", append(curve, "--auth-allow", "127.0.0.1"),
			"the authenticator refuses every CURVE client without --auth-curve-keys DIR or --auth-curve-any"},
		{"allow for a client", []string{"--plain-user", "u", "--plain-password", "p", "--auth-allow", "127.0.0.1"},
			"--auth-* flags check the clients of a server: they need --curve-server, --plain-server or --zap-domain"},
		{"deny for NULL without a domain", []string{"--auth-deny", "127.0.0.1"},
			"--auth-* flags check the clients of a server: they need --curve-server, --plain-server or --zap-domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAuth(t, tc.args...)
			require.EqualError(t, err, tc.want)
		})
	}

	for _, bad := range []string{"localhost", "127.0.0.1/33", "", "1.2.3", "10.0.0.0/"} {
		_, err := parseAuth(t, append(curve, "--auth-allow", bad)...)
		require.ErrorContains(t, err, "not an IP address or prefix", bad)
		_, err = parseAuth(t, append(curve, "--auth-deny", bad)...)
		require.ErrorContains(t, err, "not an IP address or prefix", bad)
	}
}

func TestAuthCheckNamesEverySide(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	front, back := Register(fs, "frontend-"), Register(fs, "backend-")
	a := RegisterAuth(fs)
	require.NoError(t, fs.Parse([]string{"--backend-plain-server", "--auth-allow", "127.0.0.1"}))
	fc, err := front.Config()
	require.NoError(t, err)
	bc, err := back.Config()
	require.NoError(t, err)
	require.EqualError(t, a.Check(fc, bc), "--backend-plain-server refuses every client without --auth-passwords FILE")

	fs = flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	front, back = Register(fs, "frontend-"), Register(fs, "backend-")
	a = RegisterAuth(fs)
	require.NoError(t, fs.Parse([]string{"--auth-passwords", "p"}))
	fc, err = front.Config()
	require.NoError(t, err)
	bc, err = back.Config()
	require.NoError(t, err)
	require.EqualError(t, a.Check(fc, bc),
		"--auth-passwords checks PLAIN clients: it needs a PLAIN server (--frontend-plain-server or --backend-plain-server)")
}
