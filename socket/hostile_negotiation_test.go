package socket_test

// Negotiation attacks on secured sockets, servers and clients: a mechanism
// mismatch and a downgrade to ZMTP 1.0 or 2.0. See hostile_curve_test.go for what
// every case checks.

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

// TestHostileSecureMechanismMismatch: a peer whose greeting names another mechanism,
// at our CURVE and PLAIN servers (a PLAIN, NULL or CURVE client) and at our CURVE and
// PLAIN clients (a server answering NULL, PLAIN or CURVE). The connection is refused
// with ErrMechanismMismatch after the greeting: nothing beyond our greeting is sent,
// and the client's healthy connection to a genuine server keeps all the traffic.
func TestHostileSecureMechanismMismatch(t *testing.T) {
	for _, server := range []string{"CURVE", "PLAIN"} {
		for _, peer := range []string{"NULL", "PLAIN", "CURVE"} {
			if peer == server {
				continue
			}
			t.Run("our "+server+" server, a "+peer+" client", func(t *testing.T) {
				leaks := hstLeakCheck(t)
				env := hstSecBind(t, server, socket.Options{})
				c := hstDial(t, env.addr)
				raw := hstGreeting(peer)
				if peer == "NULL" {
					raw = append(raw, hstReady("PUSH")...)
				}
				hstWrite(t, c, raw)
				env.roundTrip(t, "during")
				env.failed(t, c, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeMechanismMismatch, Err: wire.ErrMechanismMismatch})
				got := hstExpectClosed(t, c, nil, hstWait)
				require.LessOrEqual(t, len(got), wire.GreetingSize, "sent more than a greeting: %q", got)
				c.Close()
				env.finish(t, leaks)
			})
			t.Run("our "+server+" client, a "+peer+" server", func(t *testing.T) {
				hstClientAgainst(t, server, func(t *testing.T, c net.Conn) {
					hstWrite(t, c, hstGreeting(peer))
				}, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeMechanismMismatch, Err: wire.ErrMechanismMismatch})
			})
		}
	}
}

// TestHostileSecureDowngrade: a ZMTP 2.0 or 1.0 greeting, which has no security, at a
// CURVE or PLAIN socket of ours, server or client, followed at once by old-style
// frames. The socket refuses the old version (ErrVersion, as libzmq does when a
// mechanism is configured) instead of opening an unauthenticated session: nothing is
// delivered and no old-style greeting is answered beyond the signature.
func TestHostileSecureDowngrade(t *testing.T) {
	old := []struct {
		name  string
		bytes []byte
	}{
		{"zmtp2", append(hstV2Greeting(socket.Push, ""), 0, 5, 's', 'n', 'e', 'a', 'k')},
		{"zmtp1", append(hstV1Msg(""), hstV1Msg("sneak")...)},
	}
	for _, mech := range []string{"CURVE", "PLAIN"} {
		for _, o := range old {
			t.Run("our "+mech+" server, a "+o.name+" client", func(t *testing.T) {
				leaks := hstLeakCheck(t)
				env := hstSecBind(t, mech, socket.Options{})
				c := hstDial(t, env.addr)
				hstWrite(t, c, o.bytes)
				env.roundTrip(t, "during")
				env.failed(t, c, socket.EventHandshakeProtocol, wire.ErrVersion)
				got := hstExpectClosed(t, c, nil, hstWait)
				require.LessOrEqual(t, len(got), 11, "sent more than the signature and version: %x", got)
				c.Close()
				env.finish(t, leaks)
			})
			t.Run("our "+mech+" client, a "+o.name+" server", func(t *testing.T) {
				hstClientAgainst(t, mech, func(t *testing.T, c net.Conn) {
					hstWrite(t, c, o.bytes)
				}, socket.EventHandshakeProtocol, wire.ErrVersion)
			})
		}
	}
}

// hstClientAgainst connects a secured PUSH of ours (mech "CURVE" or "PLAIN") both to a
// genuine server and to a raw hostile server that runs behave on the connection. The
// hostile connection must fail with an event of type typ matching want (want nil:
// any) and be closed by our client, and all the PUSH's messages must reach the genuine
// server, in order: with Immediate, a hostile peer that had been attached would take
// every other one.
func hstClientAgainst(t *testing.T, mech string, behave func(t *testing.T, c net.Conn), typ socket.EventType, want error) {
	t.Helper()
	leaks := hstLeakCheck(t)
	env := hstSecBind(t, mech, socket.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	mon := hstNewMonitor()
	var client wire.Mechanism = &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")}
	if mech == "CURVE" {
		client = &wire.CurveClient{PublicKey: env.clientCert.Public, SecretKey: env.clientCert.Secret, ServerKey: env.serverCert.Public}
	}
	push, err := socket.New(socket.Push, socket.Options{Linger: -1, Mechanism: client, Monitor: mon.ch, ReconnectInterval: time.Hour, Immediate: true})
	require.NoError(t, err)
	defer push.Close()
	require.NoError(t, push.Connect(env.ep))
	mon.wait(t, "HANDSHAKE_SUCCEEDED with the genuine server", func(e socket.Event) bool { return e.Type == socket.EventHandshakeSucceeded })
	require.NoError(t, push.Connect("tcp://"+ln.Addr().String()))
	c, ok := <-accepted
	require.True(t, ok, "our client did not connect to the hostile server")
	defer c.Close()
	behave(t, c)
	e := mon.wait(t, "a handshake failure", func(e socket.Event) bool {
		return e.Remote == ln.Addr().String() && e.Type&(socket.EventHandshakeFailed|socket.EventHandshakeProtocol|socket.EventHandshakeAuth|socket.EventHandshakeSucceeded) != 0
	})
	require.Equal(t, typ, e.Type, "event %v: %v", e, e.Err)
	if want != nil {
		require.ErrorIs(t, e.Err, want, "event %v", e)
	}
	if mech == "CURVE" {
		require.NotContains(t, e.Err.Error(), env.clientCert.Secret.Z85(), "a secret key in an error")
	} else {
		require.NotContains(t, e.Err.Error(), "secret", "a password in an error")
	}
	got := hstExpectClosed(t, c, nil, hstWait)
	require.NotContains(t, string(got), "good", "a message reached the hostile server")
	for i := range 6 {
		require.NoError(t, push.Send(hstCtx(t), socket.NewMsgString("good", string(rune('a'+i)))))
	}
	for i := range 6 {
		m, err := env.s.Recv(hstCtx(t))
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("good"), []byte(string(rune('a' + i)))}, m.Frames)
	}
	ln.Close()
	push.Close()
	env.finish(t, leaks)
}
