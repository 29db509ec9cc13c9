//go:build cgo

package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// These tests put libzmq clients against our servers whose decisions come from a ZAP
// handler on our side: a REP socket of the test, bound at socket.ZAPEndpoint in a
// private inproc registry, as a libzmq application's handler would be. (pebbe's
// handler, used elsewhere in this package, serves libzmq's servers only.)

// goZAP is the test's ZAP handler: it answers each request with decide's status
// and user id, and records the requests.
type goZAP struct {
	s      *socket.Socket
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	requests [][]string
}

// startGoZAP binds a REP handler in reg. decide gets the request frames after the
// version and request id (domain, address, routing id, mechanism, credentials).
func startGoZAP(t *testing.T, reg *inproc.Registry, decide func(req [][]byte) (status, userID string)) *goZAP {
	t.Helper()
	s, err := socket.New(socket.Rep, socket.Options{InprocRegistry: reg, Linger: -1})
	require.NoError(t, err)
	require.NoError(t, s.Bind(socket.ZAPEndpoint))
	ctx, cancel := context.WithCancel(context.Background())
	z := &goZAP{s: s, cancel: cancel}
	z.wg.Go(func() {
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				return
			}
			req := make([]string, len(m.Frames))
			for i, f := range m.Frames {
				req[i] = string(f)
			}
			z.mu.Lock()
			z.requests = append(z.requests, req)
			z.mu.Unlock()
			status, uid := "400", ""
			if len(m.Frames) >= 6 && string(m.Frames[0]) == "1.0" {
				status, uid = decide(m.Frames[2:])
			}
			reply := socket.NewMsg([]byte("1.0"), m.Frames[1], []byte(status), []byte("interop"), []byte(uid), nil)
			if err := s.Send(ctx, reply); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		z.wg.Wait()
		s.Close()
	})
	return z
}

// request returns the first request that has mechanism mech and credential cred
// (none: any).
func (z *goZAP) request(t *testing.T, mech string, cred []byte) []string {
	t.Helper()
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, r := range z.requests {
		if len(r) >= 6 && r[5] == mech && (cred == nil || (len(r) > 6 && r[6] == string(cred))) {
			return r
		}
	}
	t.Fatalf("no %s ZAP request among %q", mech, z.requests)
	return nil
}

// recvWithProps receives one message on our socket, with its properties.
func recvWithProps(t *testing.T, o *ours) socket.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := o.s.Recv(ctx)
	require.NoError(t, err)
	return m
}

// zapAddress is the address frame libzmq's servers, and ours, send for a client of
// this process: its IP over tcp, its credentials over ipc (see
// TestZAPRequestsAsLibzmqSends).
func zapAddress(tr string) string {
	if tr == "tcp" {
		return "127.0.0.1"
	}
	return fmt.Sprintf("localhost:%d:%d:%d", os.Getuid(), os.Getgid(), os.Getpid())
}

// TestZAPOursAdmitsAndRefusesLibzmqPlain: our PLAIN server asks our handler about
// libzmq PLAIN clients. The right password gets through with the handler's user id;
// the wrong one is refused with status 400 on our side, and libzmq's client, which
// cannot read the ERROR our server spells as ZMTP does (see
// TestSecurePlainRefusedBothWays), reports a protocol failure and gives up.
func TestZAPOursAdmitsAndRefusesLibzmqPlain(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			z := startGoZAP(t, reg, func(req [][]byte) (string, string) {
				if len(req) == 6 && string(req[3]) == "PLAIN" && string(req[4]) == "admin" && string(req[5]) == "secret" {
					return "200", "admin"
				}
				return "400", ""
			})
			rep := newOurs(t, socket.Rep, socket.Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, ZAPDomain: "interop-zap"})
			ep := rep.Bind(t, tr)

			req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") })
			req.Connect(t, ep)
			req.Send(t, "hello")
			m := recvWithProps(t, rep)
			require.Equal(t, "hello", string(m.Frames[0]))
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, "admin", uid)
			require.Equal(t, []string{"1.0", "1", "interop-zap", zapAddress(tr), "", "PLAIN", "admin", "secret"}, z.request(t, "PLAIN", []byte("admin")))
			rep.Send(t, "world")
			require.Equal(t, []string{"world"}, str(req.Recv(t)))

			intruder := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "guess") })
			mon := monitorLZ(t, intruder)
			intruder.Connect(t, ep)
			ev := rep.waitEvent(t, socket.EventHandshakeAuth)
			require.Equal(t, uint32(400), ev.Code)
			lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH|zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
			require.Equal(t, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL, lev.Type, "%v", lev)
			require.Equal(t, int(wire.CodeUnexpectedCommand), lev.Value, "%v", lev)
		})
	}
}

// TestZAPOursAdmitsAndRefusesLibzmqCurve: our CURVE server asks our handler with the
// libzmq client's public key. A known key gets through; an unknown one is refused
// with ERROR 400, which libzmq reports as HANDSHAKE_FAILED_AUTH 400; status 300
// closes the connection without a word.
func TestZAPOursAdmitsAndRefusesLibzmqCurve(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			spub, ssec := curveKeys(t)
			known, knownSec := curveKeys(t)
			stranger, strangerSec := curveKeys(t)
			later, laterSec := curveKeys(t)
			reg := inproc.NewRegistry()
			z := startGoZAP(t, reg, func(req [][]byte) (string, string) {
				switch {
				case len(req) != 5 || string(req[3]) != "CURVE":
					return "400", ""
				case bytes.Equal(req[4], known[:]):
					return "200", known.String()
				case bytes.Equal(req[4], later[:]):
					return "300", ""
				}
				return "400", ""
			})
			rep := newOurs(t, socket.Rep, socket.Options{InprocRegistry: reg, Mechanism: &wire.CurveServer{PublicKey: spub, SecretKey: ssec}})
			ep := rep.Bind(t, tr)

			req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), known.String(), knownSec.Z85()) })
			req.Connect(t, ep)
			req.Send(t, "hello")
			m := recvWithProps(t, rep)
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, known.String(), uid)
			require.Equal(t, []string{"1.0", "1", "", zapAddress(tr), "", "CURVE", string(known[:])}, z.request(t, "CURVE", known[:]))
			rep.Send(t, "world")
			require.Equal(t, []string{"world"}, str(req.Recv(t)))

			refused := newLZ(t, socket.Req, func(s *zmq.Socket) error {
				return s.ClientAuthCurve(spub.String(), stranger.String(), strangerSec.Z85())
			})
			mon := monitorLZ(t, refused)
			refused.Connect(t, ep)
			ev := rep.waitEvent(t, socket.EventHandshakeAuth)
			require.Equal(t, uint32(400), ev.Code)
			lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
			require.Equal(t, 400, lev.Value)

			silenced := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), later.String(), laterSec.Z85()) })
			mon = monitorLZ(t, silenced)
			silenced.Connect(t, ep)
			ev = rep.waitEvent(t, socket.EventHandshakeAuth)
			require.Equal(t, uint32(300), ev.Code)
			// No ERROR: libzmq's client sees only the hang-up.
			lev = mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH|zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL|zmq.EVENT_DISCONNECTED)
			require.NotEqual(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH, lev.Type, "%v", lev)
		})
	}
}

// TestZAPOursNullDomainWithLibzmq: with a ZAP domain our NULL server asks the handler
// about each libzmq client, by address; a refusal (400) reaches libzmq as
// HANDSHAKE_FAILED_AUTH 400, since libzmq's NULL reads ERROR as ZMTP spells it.
func TestZAPOursNullDomainWithLibzmq(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			var mu sync.Mutex
			admit := true
			startGoZAP(t, reg, func(req [][]byte) (string, string) {
				mu.Lock()
				defer mu.Unlock()
				if admit && len(req) == 4 && string(req[3]) == "NULL" {
					return "200", "guest"
				}
				return "400", ""
			})
			pull := newOurs(t, socket.Pull, socket.Options{InprocRegistry: reg, ZAPDomain: "lan"})
			ep := pull.Bind(t, tr)
			push := newLZ(t, socket.Push)
			push.Connect(t, ep)
			push.Send(t, "hello")
			m := recvWithProps(t, pull)
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, "guest", uid)

			mu.Lock()
			admit = false
			mu.Unlock()
			refused := newLZ(t, socket.Push)
			mon := monitorLZ(t, refused)
			refused.Connect(t, ep)
			ev := pull.waitEvent(t, socket.EventHandshakeAuth)
			require.Equal(t, uint32(400), ev.Code)
			lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
			require.Equal(t, 400, lev.Value)
		})
	}
}

// TestZAPSilentHandlerWithLibzmq: a handler that never answers costs the libzmq
// client its handshake within our HandshakeInterval, not forever.
func TestZAPSilentHandlerWithLibzmq(t *testing.T) {
	reg := inproc.NewRegistry()
	h, err := socket.New(socket.Router, socket.Options{InprocRegistry: reg, Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { h.Close() })
	require.NoError(t, h.Bind(socket.ZAPEndpoint))
	rep := newOurs(t, socket.Rep, socket.Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, HandshakeInterval: 300 * time.Millisecond})
	ep := rep.Bind(t, "tcp")
	req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") })
	mon := monitorLZ(t, req)
	req.Connect(t, ep)
	ev := rep.waitEvent(t, socket.EventHandshakeFailed)
	require.ErrorIs(t, ev.Err, socket.ErrZAPNoReply)
	mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL|zmq.EVENT_DISCONNECTED)
}

// TestZAPRequestsAsLibzmqSends: for the same client, our server's ZAP request is
// libzmq's, frame for frame: a libzmq server with the same domain and routing id, in
// a context of its own with its own handler, asks first, then ours.
func TestZAPRequestsAsLibzmqSends(t *testing.T) {
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	for _, mech := range []string{"NULL", "PLAIN", "CURVE"} {
		for _, tr := range transports {
			t.Run(mech+"/"+tr, func(t *testing.T) {
				client := func(*zmq.Socket) error { return nil }
				server := client
				var ours wire.Mechanism
				switch mech {
				case "PLAIN":
					client = func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") }
					server = func(s *zmq.Socket) error { return s.SetPlainServer(1) }
					ours = &wire.PlainServer{}
				case "CURVE":
					client = func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) }
					server = func(s *zmq.Socket) error {
						if err := s.SetCurveServer(1); err != nil {
							return err
						}
						return s.SetCurveSecretkey(ssec.Z85())
					}
					ours = &wire.CurveServer{PublicKey: spub, SecretKey: ssec}
				}
				lzReq := libzmqZAPRequest(t, tr, server, client)

				reg := inproc.NewRegistry()
				z := startGoZAP(t, reg, func([][]byte) (string, string) { return "200", "" })
				pull := newOurs(t, socket.Pull, socket.Options{InprocRegistry: reg, Mechanism: ours, ZAPDomain: "cmp", RoutingID: []byte("srv")})
				push := newLZ(t, socket.Push, client)
				push.Connect(t, pull.Bind(t, tr))
				push.Send(t, "x")
				require.Equal(t, []string{"x"}, str(pull.Recv(t)))
				require.Equal(t, lzReq, z.request(t, mech, nil))
				require.Equal(t, zapAddress(tr), lzReq[3])
			})
		}
	}
}

// libzmqZAPRequest returns the ZAP request a libzmq PULL with domain "cmp", routing
// id "srv" and the mechanism server sets up makes for a libzmq PUSH set up by client,
// in a libzmq context of its own whose handler admits it.
func libzmqZAPRequest(t *testing.T, tr string, server, client func(*zmq.Socket) error) []string {
	t.Helper()
	ctx, err := zmq.NewContext()
	require.NoError(t, err)
	var socks []*zmq.Socket
	newSock := func(typ zmq.Type) *zmq.Socket {
		s, err := ctx.NewSocket(typ)
		require.NoError(t, err)
		require.NoError(t, s.SetLinger(0))
		require.NoError(t, s.SetRcvtimeo(wait))
		socks = append(socks, s)
		return s
	}
	defer func() {
		for _, s := range socks {
			s.Close()
		}
		ctx.Term()
	}()
	h := newSock(zmq.REP)
	require.NoError(t, h.Bind("inproc://zeromq.zap.01"))
	pull := newSock(zmq.PULL)
	require.NoError(t, pull.SetZapDomain("cmp"))
	require.NoError(t, pull.SetIdentity("srv"))
	require.NoError(t, server(pull))
	require.NoError(t, pull.Bind(bindAddr(t, tr)))
	ep, err := pull.GetLastEndpoint()
	require.NoError(t, err)
	push := newSock(zmq.PUSH)
	require.NoError(t, client(push))
	require.NoError(t, push.Connect(ep))
	req, err := h.RecvMessage(0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(req), 2)
	_, err = h.SendMessage("1.0", req[1], "200", "OK", "", "")
	require.NoError(t, err)
	_, err = push.Send("x", 0)
	require.NoError(t, err)
	got, err := pull.RecvMessage(0)
	require.NoError(t, err)
	require.Equal(t, []string{"x"}, got)
	return req
}
