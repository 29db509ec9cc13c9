package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// End to end: real server sockets over tcp on 127.0.0.1 ask the authenticator,
// and its decisions admit or refuse real PLAIN, CURVE and NULL clients.

// e2e is an authenticator and a PULL server bound on tcp in one registry.
type e2e struct {
	*harness
	server *socket.Socket
	ep     string
	events chan socket.Event
}

func newE2E(t *testing.T, opts socket.Options) *e2e {
	t.Helper()
	h := newHarness(t)
	e := &e2e{harness: h, events: make(chan socket.Event, 256)}
	opts.InprocRegistry = h.reg
	opts.Monitor = e.events
	opts.Linger = -1
	s, err := socket.New(socket.Pull, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Bind("tcp://127.0.0.1:*"))
	e.server, e.ep = s, s.LastEndpoint()
	return e
}

// client connects a PUSH with mechanism m (nil: NULL) and returns it with its
// monitor channel.
func (e *e2e) client(t *testing.T, m wire.Mechanism) (*socket.Socket, chan socket.Event) {
	t.Helper()
	events := make(chan socket.Event, 256)
	c, err := socket.New(socket.Push, socket.Options{Mechanism: m, Monitor: events, Linger: -1, InprocRegistry: inproc.NewRegistry()})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Connect(e.ep))
	return c, events
}

// admitted sends from c and requires the server to receive it with userID as
// its User-Id.
func (e *e2e) admitted(t *testing.T, c *socket.Socket, body, userID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Send(ctx, socket.NewMsgString(body)))
	m, err := e.server.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, body, string(m.Frames[0]))
	uid, _ := m.Properties().Get(wire.PropUserID)
	require.Equal(t, userID, uid)
}

// refused waits for the client's handshake to fail with the ZAP status code.
func refused(t *testing.T, events <-chan socket.Event, code uint32) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			switch ev.Type {
			case socket.EventHandshakeSucceeded:
				t.Fatalf("handshake succeeded, want a refusal with %d", code)
			case socket.EventHandshakeAuth:
				require.Equal(t, code, ev.Code, "%v", ev)
				return
			case socket.EventHandshakeProtocol, socket.EventHandshakeFailed:
				t.Fatalf("handshake failed otherwise: %v", ev)
			}
		case <-timeout:
			t.Fatal("no handshake result within 10s")
		}
	}
}

func TestEndToEndPlain(t *testing.T) {
	e := newE2E(t, socket.Options{Mechanism: &wire.PlainServer{}})
	e.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})

	good, _ := e.client(t, &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")})
	e.admitted(t, good, "hello", "admin")

	_, events := e.client(t, &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")})
	refused(t, events, 400)
	_, events = e.client(t, &wire.PlainClient{Username: []byte("mallory"), Password: []byte("secret")})
	refused(t, events, 400)

	// The server's own log says why, without the passwords.
	require.Len(t, e.logs.lines("ZAP refused", "user=admin", "address=127.0.0.1", `text="wrong password"`), 1, e.logs.String())
	require.Len(t, e.logs.lines("ZAP refused", "user=mallory", `text="unknown user"`), 1, e.logs.String())
	require.NotContains(t, e.logs.String(), "guess")
	require.NotContains(t, e.logs.String(), "secret")
}

func TestEndToEndPlainDomain(t *testing.T) {
	e := newE2E(t, socket.Options{Mechanism: &wire.PlainServer{}, ZAPDomain: "ops"})
	e.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	e.a.SetPasswords("ops", map[string]string{"operator": "ops-pw"})

	good, _ := e.client(t, &wire.PlainClient{Username: []byte("operator"), Password: []byte("ops-pw")})
	e.admitted(t, good, "hello", "operator")
	// The users of "*" do not apply where the domain has its own.
	_, events := e.client(t, &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")})
	refused(t, events, 400)
}

func TestEndToEndCurve(t *testing.T) {
	serverCert, err := cert.New()
	require.NoError(t, err)
	e := newE2E(t, socket.Options{Mechanism: &wire.CurveServer{PublicKey: serverCert.Public, SecretKey: serverCert.Secret}})

	dir, certs := certDir(t, 2)
	require.NoError(t, e.a.LoadCurveCerts(auth.AnyDomain, dir))
	for i, c := range certs {
		client, _ := e.client(t, &wire.CurveClient{PublicKey: c.Public, SecretKey: c.Secret, ServerKey: serverCert.Public})
		e.admitted(t, client, "hello "+string(rune('a'+i)), c.Public.String())
	}

	stranger, err := cert.New()
	require.NoError(t, err)
	strangerMech := &wire.CurveClient{PublicKey: stranger.Public, SecretKey: stranger.Secret, ServerKey: serverCert.Public}
	_, events := e.client(t, strangerMech)
	refused(t, events, 400)
	require.Len(t, e.logs.lines("ZAP refused", "mechanism=CURVE", stranger.Public.String()), 1, e.logs.String())

	// Any key, once allowed.
	e.a.AllowAnyCurve(auth.AnyDomain)
	client, _ := e.client(t, strangerMech)
	e.admitted(t, client, "now welcome", stranger.Public.String())
	for _, c := range append(certs, stranger, serverCert) {
		require.NotContains(t, e.logs.String(), c.Secret.Z85())
	}
}

func TestEndToEndAddressRules(t *testing.T) {
	// NULL asks the handler only with a ZAP domain.
	e := newE2E(t, socket.Options{ZAPDomain: "global"})
	e.a.Deny("127.0.0.1")
	_, events := e.client(t, nil)
	refused(t, events, 400)
	require.Len(t, e.logs.lines("ZAP refused", "mechanism=NULL", "address=127.0.0.1", `text="address denied"`), 1, e.logs.String())

	e2 := newE2E(t, socket.Options{ZAPDomain: "global"})
	e2.a.Allow("127.0.0.0/8")
	c, _ := e2.client(t, nil)
	e2.admitted(t, c, "hello", auth.AnonymousUserID)

	e3 := newE2E(t, socket.Options{Mechanism: &wire.PlainServer{}})
	e3.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	e3.a.Allow("10.0.0.1")
	_, events = e3.client(t, &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")})
	refused(t, events, 400)
}

func TestEndToEndHook(t *testing.T) {
	e := newE2E(t, socket.Options{Mechanism: &wire.PlainServer{}})
	e.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		if r.Username == "later" {
			return auth.Decision{Status: auth.StatusInternal, Text: "store offline"}
		}
		return auth.Decision{Status: auth.StatusOK, UserID: "hooked:" + r.Username}
	})
	c, _ := e.client(t, &wire.PlainClient{Username: []byte("anyone"), Password: []byte("x")})
	e.admitted(t, c, "hi", "hooked:anyone")
	_, events := e.client(t, &wire.PlainClient{Username: []byte("later"), Password: []byte("x")})
	refused(t, events, 500)
}

func TestEndToEndHookMetadata(t *testing.T) {
	e := newE2E(t, socket.Options{Mechanism: &wire.PlainServer{}})
	e.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	e.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		if d.Accepted() {
			d.Metadata = wire.Metadata{{Name: "X-Role", Value: []byte("root")}}
		}
		return d
	})
	c, _ := e.client(t, &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Send(ctx, socket.NewMsgString("hello")))
	m, err := e.server.Recv(ctx)
	require.NoError(t, err)
	role, ok := m.Properties().Get("X-Role")
	require.True(t, ok)
	require.Equal(t, "root", role)
	uid, _ := m.Properties().Get(wire.PropUserID)
	require.Equal(t, "admin", uid)
}
