package secflag

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// keys is a set of certificate files and key texts for the tests.
type keys struct {
	server, client  *cert.Cert
	serverSecret    string // path of the server's NAME.key_secret
	serverPublic    string // path of the server's NAME.key
	clientSecret    string
	serverSecretZ85 string
	clientSecretZ85 string
}

func newKeys(t *testing.T) keys {
	t.Helper()
	dir := t.TempDir()
	var k keys
	var err error
	k.server, err = cert.New()
	require.NoError(t, err)
	k.client, err = cert.New()
	require.NoError(t, err)
	require.NoError(t, k.server.Save(filepath.Join(dir, "server")))
	require.NoError(t, k.client.Save(filepath.Join(dir, "client")))
	k.serverSecret = filepath.Join(dir, "server"+cert.SecretSuffix)
	k.serverPublic = filepath.Join(dir, "server"+cert.PublicSuffix)
	k.clientSecret = filepath.Join(dir, "client"+cert.SecretSuffix)
	k.serverSecretZ85 = k.server.Secret.Z85()
	k.clientSecretZ85 = k.client.Secret.Z85()
	return k
}

// parse registers the flags under prefix, parses args and returns the setup.
func parse(t *testing.T, prefix string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, prefix)
	require.NoError(t, fs.Parse(args))
	return f.Config()
}

func TestNull(t *testing.T) {
	c, err := parse(t, "")
	require.NoError(t, err)
	require.Nil(t, c.Mechanism)
	require.Equal(t, RoleNone, c.Role)
	require.Equal(t, "NULL", c.Name())
	require.Empty(t, c.ZAPDomain)

	c, err = parse(t, "", "--zap-domain", "global")
	require.NoError(t, err)
	require.Nil(t, c.Mechanism)
	require.Equal(t, "global", c.ZAPDomain)
}

func TestCurveServer(t *testing.T) {
	k := newKeys(t)
	for name, args := range map[string][]string{
		"cert":                  {"--curve-server", "--curve-cert", k.serverSecret},
		"secret key":            {"--curve-server", "--curve-secretkey", k.serverSecretZ85},
		"secret and public key": {"-curve-server", "-curve-secretkey", k.serverSecretZ85, "-curve-publickey", k.server.Public.String()},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := parse(t, "", append(args, "--zap-domain", "d")...)
			require.NoError(t, err)
			require.Equal(t, RoleServer, c.Role)
			require.Equal(t, "d", c.ZAPDomain)
			require.Equal(t, k.server.Public.String(), c.PublicKey)
			m, ok := c.Mechanism.(*wire.CurveServer)
			require.True(t, ok, "%T", c.Mechanism)
			require.Equal(t, [32]byte(k.server.Public), m.PublicKey)
			require.Equal(t, [32]byte(k.server.Secret), m.SecretKey)
			require.Nil(t, m.Authenticate)
		})
	}
}

func TestCurveClient(t *testing.T) {
	k := newKeys(t)
	for _, tc := range []struct {
		name string
		args []string
		own  *cert.Cert // nil: generated
	}{
		{"server key, generated keys", []string{"--curve-serverkey", k.server.Public.String()}, nil},
		{"server cert, generated keys", []string{"--curve-servercert", k.serverPublic}, nil},
		{"server secret cert serves as public", []string{"--curve-servercert", k.serverSecret}, nil},
		{"own cert", []string{"--curve-servercert", k.serverPublic, "--curve-cert", k.clientSecret}, k.client},
		{"own secret key", []string{"--curve-serverkey", k.server.Public.String(), "--curve-secretkey", k.clientSecretZ85}, k.client},
		{"own key pair", []string{"--curve-serverkey", k.server.Public.String(),
			"--curve-secretkey", k.clientSecretZ85, "--curve-publickey", k.client.Public.String()}, k.client},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, "", tc.args...)
			require.NoError(t, err)
			require.Equal(t, RoleClient, c.Role)
			require.Equal(t, "CURVE", c.Name())
			m, ok := c.Mechanism.(*wire.CurveClient)
			require.True(t, ok, "%T", c.Mechanism)
			require.Equal(t, [32]byte(k.server.Public), m.ServerKey)
			if tc.own != nil {
				require.Equal(t, [32]byte(tc.own.Public), m.PublicKey)
				require.Equal(t, [32]byte(tc.own.Secret), m.SecretKey)
			} else {
				require.NotEqual(t, [32]byte{}, m.SecretKey)
				require.Equal(t, [32]byte(cert.SecretKey(m.SecretKey).Public()), m.PublicKey)
				require.NotEqual(t, [32]byte(k.client.Public), m.PublicKey)
			}
			require.Equal(t, cert.PublicKey(m.PublicKey).String(), c.PublicKey)
		})
	}

	// Fresh keys differ from run to run.
	a, err := parse(t, "", "--curve-serverkey", k.server.Public.String())
	require.NoError(t, err)
	b, err := parse(t, "", "--curve-serverkey", k.server.Public.String())
	require.NoError(t, err)
	require.NotEqual(t, a.PublicKey, b.PublicKey)
}

func TestPlain(t *testing.T) {
	c, err := parse(t, "", "--plain-server")
	require.NoError(t, err)
	require.Equal(t, RoleServer, c.Role)
	m, ok := c.Mechanism.(*wire.PlainServer)
	require.True(t, ok, "%T", c.Mechanism)
	require.Nil(t, m.Authenticate)

	for _, tc := range []struct{ user, password string }{{"admin", "s3cret"}, {"guest", ""}, {"", ""}} {
		c, err := parse(t, "", "--plain-user", tc.user, "--plain-password", tc.password)
		require.NoError(t, err)
		require.Equal(t, RoleClient, c.Role)
		m, ok := c.Mechanism.(*wire.PlainClient)
		require.True(t, ok, "%T", c.Mechanism)
		require.Equal(t, tc.user, string(m.Username))
		require.Equal(t, tc.password, string(m.Password))
	}
}

func TestPrefix(t *testing.T) {
	k := newKeys(t)
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	front := Register(fs, "frontend-")
	back := Register(fs, "backend-")
	require.NoError(t, fs.Parse([]string{
		"--frontend-curve-server", "--frontend-curve-cert", k.serverSecret,
		"--backend-plain-user", "u", "--backend-plain-password", "p", "--backend-zap-domain", "b",
	}))
	fc, err := front.Config()
	require.NoError(t, err)
	require.Equal(t, RoleServer, fc.Role)
	require.Equal(t, "CURVE", fc.Name())
	require.Empty(t, fc.ZAPDomain)
	bc, err := back.Config()
	require.NoError(t, err)
	require.Equal(t, RoleClient, bc.Role)
	require.Equal(t, "PLAIN", bc.Name())
	require.Equal(t, "b", bc.ZAPDomain)

	// Unprefixed names do not exist beside prefixed ones.
	fs = flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Register(fs, "frontend-")
	require.ErrorContains(t, fs.Parse([]string{"--curve-server"}), "flag provided but not defined: -curve-server")

	// Errors name the prefixed flags.
	_, err = parse(t, "backend-", "--backend-curve-server")
	require.EqualError(t, err, "--backend-curve-server needs the server's secret key: --backend-curve-secretkey or --backend-curve-cert")
}

func TestErrors(t *testing.T) {
	k := newKeys(t)
	srv := k.server.Public.String()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.key")
	require.NoError(t, os.WriteFile(garbage, []byte("curve\n    public-key = \"tooshort\"\n"), 0o600))
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"curve server without key", []string{"--curve-server"},
			"--curve-server needs the server's secret key: --curve-secretkey or --curve-cert"},
		{"curve server with public key only", []string{"--curve-server", "--curve-publickey", srv},
			"--curve-publickey needs --curve-secretkey"},
		{"curve server and client", []string{"--curve-server", "--curve-cert", k.serverSecret, "--curve-serverkey", srv},
			"--curve-server serves CURVE and --curve-serverkey connects to a CURVE server: give one"},
		{"curve server and server cert", []string{"--curve-server", "--curve-secretkey", k.serverSecretZ85, "--curve-servercert", k.serverPublic},
			"--curve-server serves CURVE and --curve-servercert connects to a CURVE server: give one"},
		{"plain and curve", []string{"--plain-server", "--curve-server", "--curve-cert", k.serverSecret},
			"--curve-* and --plain-* flags together: a socket uses one mechanism"},
		{"plain client and curve client", []string{"--plain-user", "u", "--plain-password", "p", "--curve-serverkey", srv},
			"--curve-* and --plain-* flags together: a socket uses one mechanism"},
		{"plain server and client", []string{"--plain-server", "--plain-user", "u"},
			"--plain-server serves PLAIN and --plain-user connects to a PLAIN server: give one"},
		{"plain server and password", []string{"--plain-server", "--plain-password", "pw"},
			"--plain-server serves PLAIN and --plain-password connects to a PLAIN server: give one"},
		{"plain user without password", []string{"--plain-user", "u"}, "--plain-user needs --plain-password"},
		{"plain password without user", []string{"--plain-password", "p"}, "--plain-password needs --plain-user"},
		{"plain user too long", []string{"--plain-user", long, "--plain-password", "p"}, "--plain-user is longer than 255 bytes"},
		{"plain password too long", []string{"--plain-user", "u", "--plain-password", long}, "--plain-password is longer than 255 bytes"},
		{"zap domain too long", []string{"--zap-domain", long}, "--zap-domain is longer than 255 bytes"},
		{"own cert without role", []string{"--curve-cert", k.clientSecret},
			"--curve-cert needs --curve-server (to serve) or --curve-serverkey or --curve-servercert (to connect)"},
		{"secret key without role", []string{"--curve-secretkey", k.clientSecretZ85},
			"--curve-secretkey needs --curve-server (to serve) or --curve-serverkey or --curve-servercert (to connect)"},
		{"public key without role", []string{"--curve-publickey", srv},
			"--curve-publickey needs --curve-server (to serve) or --curve-serverkey or --curve-servercert (to connect)"},
		{"server key twice", []string{"--curve-serverkey", srv, "--curve-servercert", k.serverPublic},
			"--curve-serverkey and --curve-servercert together: give the server's key once"},
		{"own cert and secret key", []string{"--curve-serverkey", srv, "--curve-cert", k.clientSecret, "--curve-secretkey", k.clientSecretZ85},
			"--curve-cert and --curve-secretkey together: give this socket's keys once"},
		{"own cert and public key", []string{"--curve-serverkey", srv, "--curve-cert", k.clientSecret, "--curve-publickey", k.client.Public.String()},
			"--curve-cert and --curve-publickey together: give this socket's keys once"},
		{"public key without secret key", []string{"--curve-serverkey", srv, "--curve-publickey", k.client.Public.String()},
			"--curve-publickey needs --curve-secretkey"},
		{"public key not of the secret key", []string{"--curve-serverkey", srv, "--curve-secretkey", k.clientSecretZ85, "--curve-publickey", srv},
			"--curve-publickey is not the public key of --curve-secretkey"},
		{"short server key", []string{"--curve-serverkey", srv[:39]},
			"--curve-serverkey: cert: invalid key: public key text of 39 characters, want 40"},
		{"server key not z85", []string{"--curve-serverkey", "~" + srv[1:]},
			"--curve-serverkey: cert: invalid key: public key is not Z85 text"},
		{"short secret key", []string{"--curve-server", "--curve-secretkey", k.serverSecretZ85 + "x"},
			"--curve-secretkey: cert: invalid key: secret key text of 41 characters, want 40"},
		{"secret key not z85", []string{"--curve-server", "--curve-secretkey", "~" + k.serverSecretZ85[1:]},
			"--curve-secretkey: cert: invalid key: secret key is not Z85 text"},
		{"bad public key", []string{"--curve-server", "--curve-secretkey", k.serverSecretZ85, "--curve-publickey", "abc"},
			"--curve-publickey: cert: invalid key: public key text of 3 characters, want 40"},
		{"public cert as own cert", []string{"--curve-server", "--curve-cert", k.serverPublic},
			"--curve-cert: " + k.serverPublic + " holds no secret key (give the NAME.key_secret file, not NAME.key)"},
		{"missing own cert", []string{"--curve-server", "--curve-cert", filepath.Join(dir, "none.key_secret")},
			"--curve-cert: open " + filepath.Join(dir, "none.key_secret") + ": no such file or directory"},
		{"missing server cert", []string{"--curve-servercert", filepath.Join(dir, "none.key")},
			"--curve-servercert: open " + filepath.Join(dir, "none.key") + ": no such file or directory"},
		{"malformed server cert", []string{"--curve-servercert", garbage},
			"--curve-servercert: " + garbage + ": cert: invalid key: public key text of 8 characters, want 40"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, "", tc.args...)
			require.EqualError(t, err, tc.want)
			require.Nil(t, c.Mechanism)
			for _, secret := range []string{k.serverSecretZ85, k.clientSecretZ85, long} {
				require.NotContains(t, err.Error(), secret[:20])
			}
		})
	}
}

// TestNoSecretInErrors checks that a malformed secret or a password never
// shows in an error, whatever else is wrong.
func TestNoSecretInErrors(t *testing.T) {
	const secret = "Pa55word_that_must_not_leak_0123456789ab" // 40 characters, not Z85 ('_' is not)
	for _, args := range [][]string{
		{"--curve-server", "--curve-secretkey", secret},
		{"--curve-server", "--curve-secretkey", secret + "zz"},
		{"--curve-serverkey", strings.Repeat("a", 40), "--curve-secretkey", secret},
		{"--curve-secretkey", secret},
		{"--plain-password", secret},
		{"--plain-server", "--plain-password", secret},
		{"--plain-user", "u", "--plain-password", secret + strings.Repeat("x", 255)},
		{"--plain-user", "u", "--plain-password", secret, "--curve-server"},
	} {
		_, err := parse(t, "", args...)
		require.Error(t, err, args)
		require.NotContains(t, err.Error(), "Pa55word", args)
	}
}

func TestHelpShowsNoValues(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	Register(fs, "frontend-")
	require.NoError(t, fs.Parse([]string{"--frontend-plain-user", "u", "--frontend-plain-password", "hunter2"}))
	fs.PrintDefaults()
	help := out.String()
	for _, name := range []string{"curve-server", "curve-secretkey", "curve-publickey", "curve-cert",
		"curve-serverkey", "curve-servercert", "plain-server", "plain-user", "plain-password", "zap-domain"} {
		require.NotNil(t, fs.Lookup("frontend-"+name), name)
		require.Contains(t, help, "-frontend-"+name)
	}
	require.NotContains(t, help, "hunter2")
}
