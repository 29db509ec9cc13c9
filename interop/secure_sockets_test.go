//go:build cgo

package interop

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// These tests put our sockets, configured with PLAIN and CURVE through
// socket.Options.Mechanism, against libzmq sockets in both roles, over tcp. Where
// libzmq is the server, pebbe's ZAP handler (zmq.AuthStart) decides.

// secureRole is the configuration of both sides of one mechanism, for our sockets
// and for libzmq's.
type secureRole struct {
	name string
	// ours
	server, client wire.Mechanism
	userID         string // the User-Id our server gives the client
	// libzmq
	lzServer func(*zmq.Socket) error
	lzClient func(*zmq.Socket) error
}

const zapDomain = "interop-sockets"

// curveRole: our server accepts any client and gives it its key as user id; the
// libzmq server's ZAP handler accepts the client's key.
func curveRole(t *testing.T) secureRole {
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	return secureRole{
		name: "CURVE",
		server: &wire.CurveServer{PublicKey: spub, SecretKey: ssec, Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			return wire.AuthReply{UserID: cert.PublicKey(c.PublicKey).String()}, nil
		}},
		client: &wire.CurveClient{PublicKey: cpub, SecretKey: csec, ServerKey: spub},
		userID: cpub.String(),
		lzServer: func(s *zmq.Socket) error {
			zmq.AuthCurveAdd(zapDomain, cpub.String())
			return s.ServerAuthCurve(zapDomain, ssec.Z85())
		},
		lzClient: func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) },
	}
}

func plainRole() secureRole {
	return secureRole{
		name: "PLAIN",
		server: &wire.PlainServer{Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			if string(c.Username) == "admin" && string(c.Password) == "secret" {
				return wire.AuthReply{UserID: "admin"}, nil
			}
			return wire.AuthReply{}, &wire.AuthError{Status: "400"}
		}},
		client: &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")},
		userID: "admin",
		lzServer: func(s *zmq.Socket) error {
			zmq.AuthPlainAdd(zapDomain, "admin", "secret")
			return s.ServerAuthPlain(zapDomain)
		},
		lzClient: func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") },
	}
}

// startZAP makes sure pebbe's ZAP handler runs. It is started once for the whole
// process and never stopped: restarting it is not safe (its handler goroutine reads
// the socket that the next AuthStart replaces, and may still hold the ZAP endpoint).
// Tests add what they accept to domains of their own. A CURVE server without a ZAP
// domain accepts every client, as libzmq does when no handler runs, so that tests of
// plain CURVE servers behave the same whether or not an earlier test started it.
// TestMain stops it (stopZAP).
func startZAP(t *testing.T) {
	t.Helper()
	zapOnce.Do(func() {
		if zapErr = zmq.AuthStart(); zapErr == nil {
			zapStarted = true
			zmq.AuthCurveAdd("", zmq.CURVE_ALLOW_ANY)
		}
	})
	require.NoError(t, zapErr, "AuthStart")
}

// stopZAP stops the ZAP handler if a test started it.
func stopZAP() {
	if zapStarted {
		zmq.AuthStop()
	}
}

var (
	zapOnce    sync.Once
	zapErr     error
	zapStarted bool
)

// secureTransports carry PLAIN and CURVE between libzmq and us: over ws the
// mechanism is named by the subprotocol (ZWS2.0/PLAIN, ZWS2.0/CURVE) instead of the
// greeting.
var secureTransports = []string{"tcp", "ws"}

func secureRoles(t *testing.T) []secureRole { return []secureRole{plainRole(), curveRole(t)} }

func TestSecureReqRepOursServer(t *testing.T) {
	for _, r := range secureRoles(t) {
		for _, tr := range secureTransports {
			t.Run(r.name+"/"+tr, func(t *testing.T) {
				rep := newOurs(t, socket.Rep, socket.Options{Mechanism: r.server})
				req := newLZ(t, socket.Req, r.lzClient)
				req.Connect(t, rep.Bind(t, tr))
				for i := range 3 {
					req.Send(t, "question", strings.Repeat("q", i*40000))
					ctx, cancel := context.WithTimeout(context.Background(), wait)
					m, err := rep.s.Recv(ctx)
					cancel()
					require.NoError(t, err)
					require.Equal(t, "question", string(m.Frames[0]))
					require.Len(t, m.Frames[1], i*40000)
					uid, ok := m.Properties().Get(wire.PropUserID)
					require.True(t, ok)
					require.Equal(t, r.userID, uid)
					rep.Send(t, "answer")
					require.Equal(t, []string{"answer"}, str(req.Recv(t)))
				}
			})
		}
	}
}

func TestSecureReqRepLibzmqServer(t *testing.T) {
	for _, r := range secureRoles(t) {
		for _, tr := range secureTransports {
			t.Run(r.name+"/"+tr, func(t *testing.T) {
				startZAP(t)
				rep := newLZ(t, socket.Rep, r.lzServer)
				req := newOurs(t, socket.Req, socket.Options{Mechanism: r.client})
				req.Connect(t, rep.Bind(t, tr))
				for i := range 3 {
					req.Send(t, "question", strings.Repeat("q", i*40000))
					got := rep.Recv(t)
					require.Equal(t, "question", string(got[0]))
					require.Len(t, got[1], i*40000)
					rep.Send(t, "answer")
					require.Equal(t, []string{"answer"}, str(req.Recv(t)))
				}
			})
		}
	}
}

// securePublishUntil publishes on pub until sub receives a message on topic, and checks
// that only that topic arrives afterwards.
func securePublishUntil(t *testing.T, pub, sub peer, topic string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		require.True(t, time.Now().Before(deadline), "no message reached the subscriber")
		pub.Send(t, "other", "x")
		pub.Send(t, topic, "body")
		if got, ok := sub.TryRecv(t, 50*time.Millisecond); ok {
			require.Equal(t, topic, string(got[0]))
			break
		}
	}
	pub.Send(t, "other", "y")
	pub.Send(t, topic, "last")
	for {
		got, ok := sub.TryRecv(t, wait)
		require.True(t, ok, "the last message did not arrive")
		require.Equal(t, topic, string(got[0]), "the subscription filter let another topic through")
		if string(got[1]) == "last" {
			return
		}
	}
}

func TestSecurePubSubOursServer(t *testing.T) {
	for _, r := range secureRoles(t) {
		for _, tr := range secureTransports {
			t.Run(r.name+"/"+tr, func(t *testing.T) {
				pub := newOurs(t, socket.Pub, socket.Options{Mechanism: r.server})
				sub := newLZ(t, socket.Sub, r.lzClient)
				sub.Connect(t, pub.Bind(t, tr))
				sub.Subscribe(t, "weather")
				securePublishUntil(t, pub, sub, "weather")
			})
		}
	}
}

func TestSecurePubSubLibzmqServer(t *testing.T) {
	for _, r := range secureRoles(t) {
		for _, tr := range secureTransports {
			t.Run(r.name+"/"+tr, func(t *testing.T) {
				startZAP(t)
				pub := newLZ(t, socket.Pub, r.lzServer)
				sub := newOurs(t, socket.Sub, socket.Options{Mechanism: r.client})
				sub.Connect(t, pub.Bind(t, tr))
				sub.Subscribe(t, "weather")
				securePublishUntil(t, pub, sub, "weather")
			})
		}
	}
}

// TestSecureCurveHeartbeatsWithLibzmq idles a CURVE connection between a libzmq REQ
// and our REP, both sending fast heartbeats inside MESSAGE: if either side could not
// open the other's PING or PONG, the connection would drop within a timeout. The
// timeouts are generous (5 s) so that a loaded machine under the race detector does
// not miss them.
func TestSecureCurveHeartbeatsWithLibzmq(t *testing.T) {
	for _, tr := range secureTransports {
		t.Run(tr, func(t *testing.T) { testSecureCurveHeartbeats(t, tr) })
	}
}

func testSecureCurveHeartbeats(t *testing.T, tr string) {
	r := curveRole(t)
	const timeout = 5 * time.Second
	rep := newOurs(t, socket.Rep, socket.Options{Mechanism: r.server,
		HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: timeout})
	req := newLZ(t, socket.Req, r.lzClient,
		func(s *zmq.Socket) error { return s.SetHeartbeatIvl(20 * time.Millisecond) },
		func(s *zmq.Socket) error { return s.SetHeartbeatTimeout(timeout) })
	mon := monitorLZ(t, req)
	req.Connect(t, rep.Bind(t, tr))
	req.Send(t, "one")
	require.Equal(t, []string{"one"}, str(rep.Recv(t)))
	rep.Send(t, "two")
	require.Equal(t, []string{"two"}, str(req.Recv(t)))

	// An absence: no disconnection on either side over more than a timeout.
	deadline := time.Now().Add(timeout + time.Second)
	for left := time.Until(deadline); left > 0; left = time.Until(deadline) {
		if e, ok := mon.next(t, left); ok {
			require.Zero(t, e.Type&(zmq.EVENT_DISCONNECTED|zmq.EVENT_CLOSED), "libzmq lost the connection: %v", e)
		}
	}
	for {
		select {
		case e := <-rep.mon:
			require.NotEqual(t, socket.EventDisconnected, e.Type, "we lost the connection: %v", e)
			continue
		default:
		}
		break
	}
	req.Send(t, "three")
	require.Equal(t, []string{"three"}, str(rep.Recv(t)))
}

// TestSecureCurveWrongServerKeyOursClient: our CURVE client with the wrong server key
// against a libzmq server. libzmq cannot open HELLO and hangs up; both sides report it.
func TestSecureCurveWrongServerKeyOursClient(t *testing.T) {
	_, ssec := curveKeys(t)
	other, _ := curveKeys(t)
	cpub, csec := curveKeys(t)
	rep := newLZ(t, socket.Rep,
		func(s *zmq.Socket) error { return s.SetCurveServer(1) },
		func(s *zmq.Socket) error { return s.SetCurveSecretkey(ssec.Z85()) })
	mon := monitorLZ(t, rep)
	ep := rep.Bind(t, "tcp")
	req := newOurs(t, socket.Req, socket.Options{HandshakeInterval: time.Minute,
		Mechanism: &wire.CurveClient{PublicKey: cpub, SecretKey: csec, ServerKey: other}})
	req.Connect(t, ep)
	ev := req.waitEvent(t, socket.EventHandshakeFailed)
	require.ErrorIs(t, ev.Err, wire.ErrServerHungUp)
	lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
	require.Equal(t, int(wire.CodeCryptographic), lev.Value, "ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: %v", lev)
}

// TestSecureCurveWrongServerKeyLibzmqClient: a libzmq CURVE client with the wrong
// server key against our server, which reports ErrCrypto; libzmq sees the hang-up.
func TestSecureCurveWrongServerKeyLibzmqClient(t *testing.T) {
	spub, ssec := curveKeys(t)
	other, _ := curveKeys(t)
	cpub, csec := curveKeys(t)
	rep := newOurs(t, socket.Rep, socket.Options{Mechanism: &wire.CurveServer{PublicKey: spub, SecretKey: ssec}})
	ep := rep.Bind(t, "tcp")
	req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(other.String(), cpub.String(), csec.Z85()) })
	mon := monitorLZ(t, req)
	req.Connect(t, ep)
	ev := rep.waitEvent(t, socket.EventHandshakeProtocol)
	require.ErrorIs(t, ev.Err, wire.ErrCrypto)
	mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL|zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL|zmq.EVENT_DISCONNECTED)
}

// TestSecurePlainRefusedBothWays: a wrong password is refused by either server, and
// the refused side sees an authentication failure.
func TestSecurePlainRefusedBothWays(t *testing.T) {
	t.Run("ours refuses libzmq", func(t *testing.T) {
		rep := newOurs(t, socket.Rep, socket.Options{Mechanism: plainRole().server})
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "guess") })
		mon := monitorLZ(t, req)
		req.Connect(t, rep.Bind(t, "tcp"))
		ev := rep.waitEvent(t, socket.EventHandshakeAuth)
		require.ErrorIs(t, ev.Err, wire.ErrAuthRefused)
		// libzmq 4.3's PLAIN client looks for ERROR under the same misspelt name its
		// server sends (see wire's libzmqPlainError): our ERROR "400", spelt as ZMTP
		// says, is to it an unexpected command. It is refused all the same, and does
		// not reconnect.
		lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH|zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
		require.Equal(t, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, lev.Type, "%v", lev)
		require.Equal(t, 0x10000001, lev.Value, "ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: %v", lev)
	})
	t.Run("libzmq refuses ours", func(t *testing.T) {
		startZAP(t)
		zmq.AuthPlainAdd(zapDomain, "admin", "secret")
		rep := newLZ(t, socket.Rep, func(s *zmq.Socket) error { return s.ServerAuthPlain(zapDomain) })
		mon := monitorLZ(t, rep)
		req := newOurs(t, socket.Req, socket.Options{Mechanism: &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")}})
		req.Connect(t, rep.Bind(t, "tcp"))
		ev := req.waitEvent(t, socket.EventHandshakeAuth)
		var pe *wire.PeerError
		require.ErrorAs(t, ev.Err, &pe)
		require.Equal(t, "400", pe.Reason)
		lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
		require.Equal(t, 400, lev.Value)
	})
}

// TestSecureCurveLargeMultipartWithLibzmq moves 1 MiB multipart messages both ways.
func TestSecureCurveLargeMultipartWithLibzmq(t *testing.T) {
	r := curveRole(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	dealer := newOurs(t, socket.Dealer, socket.Options{Mechanism: r.server})
	router := newLZ(t, socket.Router, r.lzClient)
	router.Connect(t, dealer.Bind(t, "tcp"))
	// The ROUTER learns the DEALER's id from its first message.
	dealer.SendBytes(t, big, []byte("mid"), big)
	got := router.Recv(t)
	require.Len(t, got, 4)
	require.True(t, bytes.Equal(big, got[1]) && bytes.Equal(big, got[3]))
	require.Equal(t, "mid", string(got[2]))
	router.SendBytes(t, got[0], big, []byte("back"))
	back := dealer.Recv(t)
	require.Len(t, back, 2)
	require.True(t, bytes.Equal(big, back[0]))
	require.Equal(t, "back", string(back[1]))
}
