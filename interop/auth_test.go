//go:build cgo

package interop

import (
	"context"
	"log/slog"
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// TestAuthenticatorWithLibzmqClients: our server sockets, without an Authenticate of
// their own, ask our authenticator (package auth) through ZAP. It admits the libzmq
// PLAIN and CURVE clients it knows, with their User-Id, and refuses the others,
// which libzmq reports as failed handshakes; a denied address refuses even a known
// client.
func TestAuthenticatorWithLibzmqClients(t *testing.T) {
	reg := inproc.NewRegistry()
	a, err := auth.Start(auth.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	opub, osec := curveKeys(t)
	a.SetCurveKeys(auth.AnyDomain, cpub)

	plainServer := func(t *testing.T) *ours {
		return newOurs(t, socket.Rep, socket.Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}})
	}
	curveServer := func(t *testing.T) *ours {
		return newOurs(t, socket.Rep, socket.Options{InprocRegistry: reg, Mechanism: &wire.CurveServer{PublicKey: spub, SecretKey: ssec}})
	}
	admitted := func(t *testing.T, rep *ours, req *lz, userID string) {
		t.Helper()
		req.Send(t, "question")
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		m, err := rep.s.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, "question", string(m.Frames[0]))
		uid, _ := m.Properties().Get(wire.PropUserID)
		require.Equal(t, userID, uid)
		rep.Send(t, "answer")
		require.Equal(t, []string{"answer"}, str(req.Recv(t)))
	}

	t.Run("PLAIN admitted", func(t *testing.T) {
		rep := plainServer(t)
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") })
		req.Connect(t, rep.Bind(t, "tcp"))
		admitted(t, rep, req, "admin")
	})
	t.Run("PLAIN refused", func(t *testing.T) {
		rep := plainServer(t)
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "guess") })
		mon := monitorLZ(t, req)
		req.Connect(t, rep.Bind(t, "tcp"))
		ev := rep.waitEvent(t, socket.EventHandshakeAuth)
		require.Equal(t, uint32(400), ev.Code, "%v", ev)
		// libzmq 4.3's PLAIN client takes our ERROR, spelt as ZMTP says, for an
		// unexpected command (see TestSecurePlainRefusedBothWays): refused all the same.
		mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH|zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
	})
	t.Run("CURVE admitted", func(t *testing.T) {
		rep := curveServer(t)
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) })
		req.Connect(t, rep.Bind(t, "tcp"))
		admitted(t, rep, req, cpub.String())
	})
	t.Run("CURVE refused", func(t *testing.T) {
		rep := curveServer(t)
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), opub.String(), osec.Z85()) })
		mon := monitorLZ(t, req)
		req.Connect(t, rep.Bind(t, "tcp"))
		ev := rep.waitEvent(t, socket.EventHandshakeAuth)
		require.Equal(t, uint32(400), ev.Code, "%v", ev)
		lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
		require.Equal(t, 400, lev.Value)
	})
	t.Run("address denied", func(t *testing.T) {
		a.Deny("127.0.0.1")
		rep := curveServer(t)
		req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) })
		mon := monitorLZ(t, req)
		req.Connect(t, rep.Bind(t, "tcp"))
		ev := rep.waitEvent(t, socket.EventHandshakeAuth)
		require.Equal(t, uint32(400), ev.Code, "%v", ev)
		lev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
		require.Equal(t, 400, lev.Value)
	})
}
