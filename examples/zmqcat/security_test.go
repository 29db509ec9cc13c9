package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// The zmqcert command, built once for the tests that make certificates with it.
var (
	zmqcertOnce sync.Once
	zmqcertDir  string
	zmqcertBin  string
	zmqcertErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if zmqcertDir != "" {
		os.RemoveAll(zmqcertDir)
	}
	os.Exit(code)
}

// zmqcertNew runs "zmqcert new dir/name" and returns the public key it printed.
func zmqcertNew(t *testing.T, dir, name string) string {
	t.Helper()
	zmqcertOnce.Do(func() {
		if zmqcertDir, zmqcertErr = os.MkdirTemp("", "zmqcert"); zmqcertErr != nil {
			return
		}
		zmqcertBin = filepath.Join(zmqcertDir, "zmqcert")
		out, err := exec.Command("go", "build", "-o", zmqcertBin, "../zmqcert").CombinedOutput()
		if err != nil {
			zmqcertErr = errors.New(string(out))
		}
	})
	require.NoError(t, zmqcertErr, "building zmqcert")
	out, err := exec.Command(zmqcertBin, "new", filepath.Join(dir, name)).Output()
	require.NoError(t, err)
	pub := strings.TrimSpace(string(out))
	require.Len(t, pub, 40)
	return pub
}

// await polls cond until it holds, failing the test after testTimeout.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "timed out waiting for "+what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// goSocket returns a socket of the test's own, closed at the end of the test.
func goSocket(t *testing.T, typ socket.Type, opts socket.Options) *socket.Socket {
	t.Helper()
	opts.Linger = time.Second
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestCurve(t *testing.T) {
	dir := t.TempDir()
	pub := zmqcertNew(t, dir, "server")

	pull := start(t, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--count", "2",
		"--curve-server", "--curve-cert", filepath.Join(dir, "server.key_secret"))
	ep := pull.endpoint(t)
	push := start(t, strings.NewReader("top\tsecret\nmessage\n"), "push", "--connect", ep,
		"--curve-servercert", filepath.Join(dir, "server.key"))
	require.Equal(t, 0, push.wait(t), "push stderr:\n%s", push.stderr.String())
	require.Equal(t, 0, pull.wait(t), "pull stderr:\n%s", pull.stderr.String())
	require.Equal(t, "top\tsecret\nmessage\n", pull.stdout.String())
	require.Contains(t, pull.stderr.String(), "zmqcat: CURVE public key "+pub+"\n")
	require.Contains(t, push.stderr.String(), "zmqcat: CURVE public key ") // its fresh key
	require.NotContains(t, push.stderr.String(), pub)
}

// TestCurveWrongServerKey: a client with the wrong server key gets nowhere and
// the server reports it; a client with the right key then gets through.
func TestCurveWrongServerKey(t *testing.T) {
	dir := t.TempDir()
	zmqcertNew(t, dir, "server")
	server, err := cert.Load(filepath.Join(dir, "server.key"))
	require.NoError(t, err)
	pull := start(t, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--count", "1",
		"--curve-server", "--curve-cert", filepath.Join(dir, "server.key_secret"))
	ep := pull.endpoint(t)

	client, err := cert.New()
	require.NoError(t, err)
	events := make(chan socket.Event, 64)
	bad := goSocket(t, socket.Push, socket.Options{Monitor: events, Mechanism: &wire.CurveClient{
		PublicKey: client.Public, SecretKey: client.Secret, ServerKey: client.Public, // not the server's
	}})
	require.NoError(t, bad.Connect(ep))
	deadline := time.After(testTimeout)
	for failed := false; !failed; {
		select {
		case e := <-events:
			failed = e.Type == socket.EventHandshakeFailed && errors.Is(e.Err, wire.ErrServerHungUp)
		case <-deadline:
			require.FailNow(t, "no handshake failure on the client with the wrong key")
		}
	}
	await(t, "the server's report", func() bool {
		return strings.Contains(pull.stderr.String(), "HANDSHAKE_FAILED_PROTOCOL")
	})
	bad.Close()

	good := goSocket(t, socket.Push, socket.Options{Mechanism: &wire.CurveClient{
		PublicKey: client.Public, SecretKey: client.Secret, ServerKey: server.Public,
	}})
	require.NoError(t, good.Connect(ep))
	require.NoError(t, good.Send(t.Context(), socket.NewMsgString("right key")))
	require.Equal(t, 0, pull.wait(t), "pull stderr:\n%s", pull.stderr.String())
	require.Equal(t, "right key\n", pull.stdout.String())
	require.Equal(t, 1, strings.Count(pull.stderr.String(), "HANDSHAKE_FAILED_PROTOCOL"), "reported once per endpoint:\n%s", pull.stderr.String())
}

// TestCurveAuthenticator: --auth-curve-keys admits the clients whose public
// certificate is in the directory, and refuses others, which stop with status 1.
func TestCurveAuthenticator(t *testing.T) {
	dir, clients := t.TempDir(), t.TempDir()
	zmqcertNew(t, dir, "server")
	alice := zmqcertNew(t, clients, "alice") // alice.key is the one the server reads
	rep := start(t, nil, "rep", "--bind", "tcp://127.0.0.1:*", "--count", "1",
		"--curve-server", "--curve-cert", filepath.Join(dir, "server.key_secret"), "--auth-curve-keys", clients)
	ep := rep.endpoint(t)

	stranger := start(t, strings.NewReader("let me in\n"), "req", "--connect", ep,
		"--curve-servercert", filepath.Join(dir, "server.key"))
	require.Equal(t, 1, stranger.wait(t), "stranger stderr:\n%s", stranger.stderr.String())
	require.Contains(t, stranger.stderr.String(), "the peer refused this socket: HANDSHAKE_FAILED_AUTH")
	require.Contains(t, stranger.stderr.String(), "status=400")
	require.Empty(t, stranger.stdout.String())

	req := start(t, strings.NewReader("hello\n"), "req", "--connect", ep,
		"--curve-servercert", filepath.Join(dir, "server.key"), "--curve-cert", filepath.Join(clients, "alice.key_secret"))
	require.Equal(t, 0, req.wait(t), "req stderr:\n%s", req.stderr.String())
	require.Equal(t, "hello\n", req.stdout.String())
	require.Equal(t, 0, rep.wait(t), "rep stderr:\n%s", rep.stderr.String())

	// The authenticator logged both decisions on the server's stderr.
	log := rep.stderr.String()
	require.Contains(t, log, "mechanism=CURVE")
	require.Contains(t, log, alice) // the key, quoted or not
	require.Contains(t, log, "status=200")
	require.Contains(t, log, "status=400")
}

// TestPlainAuthenticate: zmqcat's PLAIN client against a server whose
// Authenticate is Go code.
func TestPlainAuthenticate(t *testing.T) {
	const password = "correct horse"
	pull := goSocket(t, socket.Pull, socket.Options{Mechanism: &wire.PlainServer{
		Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			if string(c.Username) != "admin" || string(c.Password) != password {
				return wire.AuthReply{}, &wire.AuthError{Status: "400"}
			}
			return wire.AuthReply{UserID: "admin"}, nil
		},
	}})
	require.NoError(t, pull.Bind("tcp://127.0.0.1:*"))
	ep := pull.LastEndpoint()

	wrong := start(t, strings.NewReader("x\n"), "push", "--connect", ep, "--plain-user", "admin", "--plain-password", "guessed")
	require.Equal(t, 1, wrong.wait(t), "stderr:\n%s", wrong.stderr.String())
	require.Contains(t, wrong.stderr.String(), "the peer refused this socket")
	require.NotContains(t, wrong.stderr.String(), "guessed")

	push := start(t, strings.NewReader("hi\n"), "push", "--connect", ep, "--plain-user", "admin", "--plain-password", password)
	require.Equal(t, 0, push.wait(t), "stderr:\n%s", push.stderr.String())
	m, err := pull.Recv(t.Context())
	require.NoError(t, err)
	require.Equal(t, "hi", string(m.Frames[0]))
	uid, ok := m.Properties().Get("User-Id")
	require.True(t, ok)
	require.Equal(t, "admin", uid)
}

// TestPlainAuthenticator: --plain-server with --auth-passwords.
func TestPlainAuthenticator(t *testing.T) {
	passwords := filepath.Join(t.TempDir(), "passwords")
	require.NoError(t, os.WriteFile(passwords, []byte("# users\nadmin=s3cret\nguest=\n"), 0o600))
	pull := start(t, nil, "pull", "--bind", "tcp://127.0.0.1:*", "--count", "2", "--plain-server", "--auth-passwords", passwords)
	ep := pull.endpoint(t)

	wrong := start(t, strings.NewReader("x\n"), "push", "--connect", ep, "--plain-user", "admin", "--plain-password", "s3cre")
	require.Equal(t, 1, wrong.wait(t), "stderr:\n%s", wrong.stderr.String())
	require.Contains(t, wrong.stderr.String(), "status=400")

	for _, user := range []string{"admin=s3cret", "guest="} {
		name, pw, _ := strings.Cut(user, "=")
		push := start(t, strings.NewReader("from "+name+"\n"), "push", "--connect", ep, "--plain-user", name, "--plain-password", pw)
		require.Equal(t, 0, push.wait(t), "stderr:\n%s", push.stderr.String())
	}
	require.Equal(t, 0, pull.wait(t), "pull stderr:\n%s", pull.stderr.String())
	// A push that has exited has handed its message to the kernel, not to the pull's
	// application: the two connections' messages may be received in either order.
	require.ElementsMatch(t, []string{"from admin", "from guest"}, strings.Split(strings.TrimSuffix(pull.stdout.String(), "\n"), "\n"))
	require.NotContains(t, pull.stderr.String(), "s3cre") // no password in the authenticator's log
	require.Contains(t, pull.stderr.String(), "user=admin")
}

// TestAddressLists: --auth-allow admits listed addresses; --auth-deny refuses,
// with NULL and a ZAP domain as well as with CURVE.
func TestAddressLists(t *testing.T) {
	dir := t.TempDir()
	zmqcertNew(t, dir, "server")
	curve := []string{"--curve-server", "--curve-cert", filepath.Join(dir, "server.key_secret"), "--auth-curve-any"}
	client := []string{"--curve-servercert", filepath.Join(dir, "server.key")}

	t.Run("allow", func(t *testing.T) {
		pull := start(t, nil, append([]string{"pull", "--bind", "tcp://127.0.0.1:*", "--count", "1", "--auth-allow", "127.0.0.0/8"}, curve...)...)
		push := start(t, strings.NewReader("in\n"), append([]string{"push", "--connect", pull.endpoint(t)}, client...)...)
		require.Equal(t, 0, push.wait(t), "stderr:\n%s", push.stderr.String())
		require.Equal(t, 0, pull.wait(t), "stderr:\n%s", pull.stderr.String())
		require.Equal(t, "in\n", pull.stdout.String())
	})
	for name, server := range map[string][]string{
		"deny curve": curve,
		"deny null":  {"--zap-domain", "test"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "1s", "--auth-allow", "127.0.0.0/8", "--auth-deny", "127.0.0.1"}
			pull := start(t, nil, append(args, server...)...)
			var push *proc
			if name == "deny curve" {
				push = start(t, strings.NewReader("out\n"), append([]string{"push", "--connect", pull.endpoint(t)}, client...)...)
			} else {
				push = start(t, strings.NewReader("out\n"), "push", "--connect", pull.endpoint(t))
			}
			require.Equal(t, 1, push.wait(t), "stderr:\n%s", push.stderr.String())
			require.Contains(t, push.stderr.String(), "the peer refused this socket")
			require.Equal(t, 0, pull.wait(t), "stderr:\n%s", pull.stderr.String())
			require.Empty(t, pull.stdout.String())
			require.Contains(t, pull.stderr.String(), "address=127.0.0.1")
		})
	}
}

func TestSecurityArguments(t *testing.T) {
	dir := t.TempDir()
	zmqcertNew(t, dir, "server")
	secret := filepath.Join(dir, "server.key_secret")
	badPasswords := filepath.Join(dir, "passwords")
	require.NoError(t, os.WriteFile(badPasswords, []byte("admin=hunter2\nhunter2\n"), 0o600))
	ep := []string{"--bind", "tcp://127.0.0.1:*"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"curve server without key", []string{"--curve-server"}, 2,
			"--curve-server needs the server's secret key: --curve-secretkey or --curve-cert"},
		{"plain and curve", []string{"--plain-server", "--curve-serverkey", strings.Repeat("a", 40)}, 2,
			"--curve-* and --plain-* flags together"},
		{"bad server key", []string{"--curve-serverkey", "short"}, 2,
			"--curve-serverkey: cert: invalid key: public key text of 5 characters, want 40"},
		{"bad secret key", []string{"--curve-server", "--curve-secretkey", "hunter2"}, 2,
			"--curve-secretkey: cert: invalid key: secret key text of 7 characters, want 40"},
		{"plain server without passwords", []string{"--plain-server"}, 2,
			"--plain-server refuses every client without --auth-passwords FILE"},
		{"auth flags on a client", []string{"--curve-serverkey", strings.Repeat("a", 40), "--auth-curve-any"}, 2,
			"--auth-curve-* checks CURVE clients"},
		{"bad address", []string{"--curve-server", "--curve-cert", secret, "--auth-curve-any", "--auth-deny", "localhost"}, 2,
			`invalid value "localhost" for flag -auth-deny: not an IP address or prefix`},
		{"missing password file", []string{"--plain-server", "--auth-passwords", filepath.Join(dir, "none")}, 1,
			"--auth-passwords: auth: open " + filepath.Join(dir, "none")},
		{"missing key directory", []string{"--curve-server", "--curve-cert", secret, "--auth-curve-keys", filepath.Join(dir, "none")}, 1,
			"zmqcat: --auth-curve-keys: "},
		{"missing key directory names it", []string{"--curve-server", "--curve-cert", secret, "--auth-curve-keys", filepath.Join(dir, "none")}, 1,
			"open " + filepath.Join(dir, "none") + ": no such file or directory"},
		{"malformed password file", []string{"--plain-server", "--auth-passwords", badPasswords}, 1,
			"--auth-passwords: auth: bad password file: " + badPasswords + " line 2: no '=' between user name and password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(t.Context(), append(append([]string{"pull"}, ep...), tc.args...), strings.NewReader(""), &stdout, &stderr)
			require.Equal(t, tc.code, code, "stderr:\n%s", stderr.String())
			require.Contains(t, stderr.String(), tc.want)
			require.NotContains(t, stderr.String(), "hunter2")
			require.Empty(t, stdout.String())
		})
	}
}
