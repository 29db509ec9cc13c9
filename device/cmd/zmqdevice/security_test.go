package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// deviceRun is one in-process run of the command.
type deviceRun struct {
	logs   *logLines
	cancel context.CancelFunc
	done   chan int
}

func startDevice(t *testing.T, args ...string) *deviceRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &deviceRun{logs: newLogLines(), cancel: cancel, done: make(chan int, 1)}
	go func() { d.done <- run(ctx, append(args, "--log-format", "json"), io.Discard, d.logs) }()
	t.Cleanup(func() { d.stop(t) })
	return d
}

// stop cancels the run and returns its exit status.
func (d *deviceRun) stop(t *testing.T) int {
	t.Helper()
	d.cancel()
	select {
	case code := <-d.done:
		d.done <- code
		return code
	case <-time.After(testTimeout):
		t.Fatal("run did not return after cancel")
	}
	return -1
}

// await waits for a log line with msg and every attribute of attrs, and
// returns it.
func (d *deviceRun) await(t *testing.T, msg string, attrs map[string]any) map[string]any {
	t.Helper()
	return d.logs.await(t, msg, func(m map[string]any) bool {
		if m["msg"] != msg {
			return false
		}
		for k, v := range attrs {
			if m[k] != v {
				return false
			}
		}
		return true
	})
}

// TestCurveFrontend runs a streamer whose frontend is a CURVE server with an
// authenticator and whose backend is NULL: an allowed client's messages reach
// the backend, a stranger is refused.
func TestCurveFrontend(t *testing.T) {
	dir, clients := t.TempDir(), t.TempDir()
	server, err := cert.New()
	require.NoError(t, err)
	require.NoError(t, server.Save(filepath.Join(dir, "server")))
	alice, err := cert.New()
	require.NoError(t, err)
	require.NoError(t, alice.SavePublic(filepath.Join(clients, "alice.key")))

	d := startDevice(t, "streamer", "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
		"--frontend-curve-server", "--frontend-curve-cert", filepath.Join(dir, "server.key_secret"),
		"--auth-curve-keys", clients)
	d.await(t, "security", map[string]any{"socket": "frontend", "mechanism": "CURVE", "role": "server", "public_key": server.Public.String()})
	d.await(t, "security", map[string]any{"socket": "backend", "mechanism": "NULL"})
	d.await(t, "authenticator started", nil)
	frontend, backend := d.logs.endpoint(t, "frontend"), d.logs.endpoint(t, "backend")

	pull := newSocket(t, socket.Pull)
	require.NoError(t, pull.Connect(backend))

	// A client the authenticator does not know is refused.
	stranger, err := cert.New()
	require.NoError(t, err)
	events := make(chan socket.Event, 64)
	bad, err := socket.New(socket.Push, socket.Options{Monitor: events, Mechanism: &wire.CurveClient{
		PublicKey: stranger.Public, SecretKey: stranger.Secret, ServerKey: server.Public}})
	require.NoError(t, err)
	defer bad.Close()
	require.NoError(t, bad.Connect(frontend))
	deadline := time.After(testTimeout)
	for refused := false; !refused; {
		select {
		case e := <-events:
			refused = e.Type == socket.EventHandshakeAuth && e.Code == 400
		case <-deadline:
			t.Fatal("the stranger was not refused")
		}
	}
	d.await(t, "handshake failed", map[string]any{"socket": "frontend"})

	// The known client's messages go through, and the backend sees them in clear.
	push, err := socket.New(socket.Push, socket.Options{Mechanism: &wire.CurveClient{
		PublicKey: alice.Public, SecretKey: alice.Secret, ServerKey: server.Public}})
	require.NoError(t, err)
	defer push.Close()
	require.NoError(t, push.Connect(frontend))
	require.NoError(t, push.Send(ctxT(t), socket.NewMsgString("from", "alice")))
	m, err := pull.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("from"), []byte("alice")}, m.Frames)

	require.Equal(t, 0, d.stop(t))
	d.await(t, "auth: ZAP accepted", map[string]any{"mechanism": "CURVE", "key": alice.Public.String()})
	d.await(t, "auth: ZAP refused", map[string]any{"mechanism": "CURVE", "key": stranger.Public.String()})
}

// TestCurveBackendClient runs a streamer whose backend connects as a CURVE
// client (keys generated at start) to a server known by its public key.
func TestCurveBackendClient(t *testing.T) {
	server, err := cert.New()
	require.NoError(t, err)
	clientKeys := make(chan []byte, 16)
	pull := newSocketOpts(t, socket.Pull, socket.Options{Mechanism: &wire.CurveServer{
		PublicKey: server.Public, SecretKey: server.Secret,
		Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			clientKeys <- bytes.Clone(c.PublicKey)
			return wire.AuthReply{UserID: "device"}, nil
		},
	}})
	require.NoError(t, pull.Bind("tcp://127.0.0.1:*"))

	d := startDevice(t, "streamer", "--frontend", "tcp://127.0.0.1:*", "--backend", ">"+pull.LastEndpoint(),
		"--backend-curve-serverkey", server.Public.String())
	line := d.await(t, "security", map[string]any{"socket": "backend", "mechanism": "CURVE", "role": "client"})
	push := newSocket(t, socket.Push)
	require.NoError(t, push.Connect(d.logs.endpoint(t, "frontend")))
	require.NoError(t, push.Send(ctxT(t), socket.NewMsgString("hello")))
	m, err := pull.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "hello", string(m.Frames[0]))
	uid, _ := m.Properties().Get("User-Id")
	require.Equal(t, "device", uid)
	var used cert.PublicKey
	copy(used[:], <-clientKeys)
	require.Equal(t, line["public_key"], used.String(), "the device logs the key it handshakes with")
	require.Equal(t, 0, d.stop(t))
}

func newSocketOpts(t testing.TB, typ socket.Type, opts socket.Options) *socket.Socket {
	t.Helper()
	opts.Linger = time.Second
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSecurityUsageErrors(t *testing.T) {
	key := strings.Repeat("a", 40)
	good := []string{"queue", "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--frontend-curve-server"}, "--frontend-curve-server needs the server's secret key: --frontend-curve-secretkey or --frontend-curve-cert"},
		{[]string{"--backend-curve-serverkey", "short"}, "--backend-curve-serverkey: cert: invalid key: public key text of 5 characters, want 40"},
		{[]string{"--backend-plain-user", "u"}, "--backend-plain-user needs --backend-plain-password"},
		{[]string{"--frontend-plain-server"}, "--frontend-plain-server refuses every client without --auth-passwords FILE"},
		{[]string{"--backend-plain-server", "--backend-curve-serverkey", key}, "--backend-curve-* and --backend-plain-* flags together"},
		{[]string{"--auth-curve-any"}, "--auth-curve-* checks CURVE clients: it needs a CURVE server (--frontend-curve-server or --backend-curve-server)"},
		{[]string{"--auth-allow", "127.0.0.1"}, "--auth-* flags check the clients of a server"},
		{[]string{"--auth-deny", "nowhere"}, `invalid value "nowhere" for flag -auth-deny: not an IP address or prefix`},
		{[]string{"--curve-server"}, "flag provided but not defined: -curve-server"},
		{[]string{"--frontend-curve-secretkey", "Pa55word_that_must_not_leak_0123456789ab", "--frontend-curve-server"}, "--frontend-curve-secretkey: cert: invalid key: secret key is not Z85 text"},
	} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{}, good...), c.args...)
		code := run(context.Background(), args, &stdout, &stderr)
		require.Equal(t, 2, code, "%q: %s", c.args, stderr.String())
		require.Contains(t, stderr.String(), c.want, c.args)
		require.NotContains(t, stderr.String(), "Pa55word")
	}

	// A password file that cannot be read fails at start, naming the flag.
	var stdout, stderr bytes.Buffer
	missing := filepath.Join(t.TempDir(), "none")
	code := run(context.Background(), append(append([]string{}, good...),
		"--frontend-plain-server", "--auth-passwords", missing), &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	require.Contains(t, stderr.String(), "--auth-passwords: auth: open "+missing)
}

func TestHelpSecurity(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--help"}, &stdout, &stderr))
	for _, f := range []string{"--SIDE-curve-server", "--SIDE-curve-secretkey", "--SIDE-curve-publickey",
		"--SIDE-curve-cert", "--SIDE-curve-serverkey", "--SIDE-curve-servercert", "--SIDE-plain-server",
		"--SIDE-plain-user", "--SIDE-plain-password", "--SIDE-zap-domain", "--auth-passwords",
		"--auth-curve-keys", "--auth-curve-any", "--auth-allow", "--auth-deny"} {
		require.Contains(t, stdout.String(), f)
	}
}
