//go:build cgo

package interop

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// The security matrix: every mechanism (NULL, PLAIN, CURVE) with our socket as the
// mechanism's server and a libzmq client, and the reverse; the server binding or
// connecting; over tcp and ipc; for REQ/REP, DEALER/ROUTER, PUB/SUB, PUB/XSUB and
// PUSH/PULL. CURVE uses the example keys of zmq_curve(7). Where libzmq is a PLAIN or
// CURVE server, pebbe's ZAP handler (started once per process, see startZAP) admits
// the client in domain matrixDomain.

// The example key pairs of zmq_curve(7), public test vectors.
const (
	exampleClientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
	exampleClientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
	exampleServerPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
	exampleServerSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
)

const (
	matrixDomain = "interop-matrix"
	denyDomain   = "interop-deny"
)

// exampleKeys parses the zmq_curve(7) keys with our cert package.
func exampleKeys(t testing.TB) (spub cert.PublicKey, ssec cert.SecretKey, cpub cert.PublicKey, csec cert.SecretKey) {
	t.Helper()
	var err error
	spub, err = cert.ParsePublicKey(exampleServerPublic)
	require.NoError(t, err)
	ssec, err = cert.ParseSecretKey(exampleServerSecret)
	require.NoError(t, err)
	cpub, err = cert.ParsePublicKey(exampleClientPublic)
	require.NoError(t, err)
	csec, err = cert.ParseSecretKey(exampleClientSecret)
	require.NoError(t, err)
	require.Equal(t, spub, ssec.Public(), "zmq_curve(7) server pair")
	require.Equal(t, cpub, csec.Public(), "zmq_curve(7) client pair")
	return spub, ssec, cpub, csec
}

// matrixMechs returns NULL, PLAIN and CURVE (with the example keys). Our servers give
// the client a User-Id ("admin", or the client's Z85 key); NULL has none. The libzmq
// servers' credentials are registered with the ZAP handler here, before any test
// runs in parallel.
func matrixMechs(t *testing.T) []secureRole {
	t.Helper()
	startZAP(t)
	spub, ssec, cpub, csec := exampleKeys(t)
	matrixZAPOnce.Do(func() {
		zmq.AuthPlainAdd(matrixDomain, "admin", "secret")
		zmq.AuthCurveAdd(matrixDomain, exampleClientPublic)
		// denyDomain knows the same credentials but refuses 127.0.0.1.
		zmq.AuthPlainAdd(denyDomain, "admin", "secret")
		zmq.AuthCurveAdd(denyDomain, exampleClientPublic)
		zmq.AuthDeny(denyDomain, "127.0.0.1")
	})
	none := func(*zmq.Socket) error { return nil }
	return []secureRole{
		{name: "NULL", lzServer: none, lzClient: none},
		{
			name: "PLAIN",
			server: &wire.PlainServer{Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
				if string(c.Username) == "admin" && string(c.Password) == "secret" {
					return wire.AuthReply{UserID: "admin"}, nil
				}
				return wire.AuthReply{}, &wire.AuthError{Status: "400"}
			}},
			client:   &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")},
			userID:   "admin",
			lzServer: func(s *zmq.Socket) error { return s.ServerAuthPlain(matrixDomain) },
			lzClient: func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") },
		},
		{
			name: "CURVE",
			server: &wire.CurveServer{PublicKey: spub, SecretKey: ssec, Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
				if bytes.Equal(c.PublicKey, cpub[:]) {
					return wire.AuthReply{UserID: exampleClientPublic}, nil
				}
				return wire.AuthReply{}, &wire.AuthError{Status: "400"}
			}},
			client:   &wire.CurveClient{PublicKey: cpub, SecretKey: csec, ServerKey: spub},
			userID:   exampleClientPublic,
			lzServer: func(s *zmq.Socket) error { return s.ServerAuthCurve(matrixDomain, exampleServerSecret) },
			lzClient: func(s *zmq.Socket) error {
				return s.ClientAuthCurve(exampleServerPublic, exampleClientPublic, exampleClientSecret)
			},
		},
	}
}

var matrixZAPOnce sync.Once

// mechOpts returns our socket options for role r on the server or client side.
func mechOpts(r secureRole, server bool) socket.Options {
	if server {
		return socket.Options{Mechanism: r.server}
	}
	return socket.Options{Mechanism: r.client}
}

// authedOurs is our server socket whose every received message must carry the User-Id
// its mechanism gave the client (none for NULL).
type authedOurs struct {
	*ours
	userID string
}

func (o authedOurs) check(t testing.TB, m socket.Msg) [][]byte {
	t.Helper()
	uid, ok := m.Properties().Get(wire.PropUserID)
	if o.userID == "" {
		require.False(t, ok, "%v: User-Id %q under NULL", o, uid)
	} else {
		require.True(t, ok, "%v: message without User-Id", o)
		require.Equal(t, o.userID, uid, "%v: User-Id", o)
	}
	return m.Frames
}

func (o authedOurs) Recv(t testing.TB) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := o.s.Recv(ctx)
	require.NoError(t, err, "%v recv", o)
	return o.check(t, m)
}

func (o authedOurs) TryRecv(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := o.s.Recv(ctx)
	if err != nil {
		require.ErrorIs(t, err, context.DeadlineExceeded, "%v recv", o)
		return nil, false
	}
	return o.check(t, m), true
}

// securePattern is a socket pair; server is the side that runs the mechanism's server.
type securePattern struct {
	server, client socket.Type
	run            func(t *testing.T, server, client peer)
}

var securePatterns = []securePattern{
	{server: socket.Rep, client: socket.Req, run: func(t *testing.T, s, c peer) { convReqRep(t, c, s) }},
	{server: socket.Router, client: socket.Dealer, run: func(t *testing.T, s, c peer) { convDealerRouter(t, c, s) }},
	// SUB filters locally, XSUB does not: with XSUB a publisher that ignored the
	// encrypted SUBSCRIBE would be caught by convPubSub.
	{server: socket.Pub, client: socket.Sub, run: convPubSub},
	{server: socket.Pub, client: socket.XSub, run: convPubSub},
	{server: socket.Pull, client: socket.Push, run: func(t *testing.T, s, c peer) { convPushPull(t, c, s) }},
}

func TestSecureMatrix(t *testing.T) {
	for _, mech := range matrixMechs(t) {
		t.Run(mech.name, func(t *testing.T) {
			for _, pat := range securePatterns {
				for _, oursServer := range []bool{true, false} {
					for _, serverBinds := range []bool{true, false} {
						for _, tr := range transports {
							t.Run(secureMatrixName(pat, oursServer, serverBinds, tr), func(t *testing.T) {
								t.Parallel()
								runSecurePair(t, mech, pat, oursServer, serverBinds, tr)
							})
						}
					}
				}
			}
		})
	}
}

func secureMatrixName(pat securePattern, oursServer, serverBinds bool, tr string) string {
	srv, cli := "libzmq", "our"
	if oursServer {
		srv, cli = "our", "libzmq"
	}
	how := "bound"
	if !serverBinds {
		how = "connecting"
	}
	return fmt.Sprintf("%s %v client with %s %v server %s on %s", cli, pat.client, srv, pat.server, how, tr)
}

func runSecurePair(t *testing.T, mech secureRole, pat securePattern, oursServer, serverBinds bool, tr string) {
	var srv, cli peer
	if oursServer {
		srv = authedOurs{newOurs(t, pat.server, mechOpts(mech, true)), mech.userID}
		cli = newLZ(t, pat.client, mech.lzClient)
	} else {
		srv = newLZ(t, pat.server, mech.lzServer)
		cli = newOurs(t, pat.client, mechOpts(mech, false))
	}
	binder, connecter := srv, cli
	if !serverBinds {
		binder, connecter = cli, srv
	}
	connecter.Connect(t, binder.Bind(t, tr))
	pat.run(t, srv, cli)
}
