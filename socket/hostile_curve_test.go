package socket_test

// Hostile peers against secured sockets, over tcp: a raw connection that speaks (or
// mangles) PLAIN or CURVE at a PULL of ours while a healthy client of the same
// mechanism keeps sending. Each attack costs only its own connection: the socket
// reports it with the reason, does not panic, keeps its memory bounded, delivers
// nothing of the attacker's, serves the healthy client during and after, and leaves no
// goroutine behind.
//
// This file: CURVE handshake commands, MESSAGE replay and foreign cookies, at a
// server, and forged WELCOMEs at a client.

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

var (
	errMalformedHello = &wire.ProtocolError{Code: wire.CodeMalformedCommandHello, Err: wire.ErrMalformedCommand}
	errCrypto         = &wire.ProtocolError{Code: wire.CodeCryptographic, Err: wire.ErrCrypto}
)

// randomBytes returns n bytes from crypto/rand.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// TestHostileCurveHandshake: malformed, forged and replayed CURVE handshake commands.
// The attacker never gets a READY, and its connection is closed with the reason.
func TestHostileCurveHandshake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		attack func(t *testing.T, env *hstSecEnv, rc *rawCurve)
		typ    socket.EventType
		want   error
	}{
		{"truncated HELLO", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			hstWrite(t, rc.c, command("HELLO", h[2+6:len(h)-1]))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"HELLO cut off by the end of the stream", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			hstWrite(t, rc.c, h[:120])
			require.NoError(t, rc.c.(*net.TCPConn).CloseWrite())
		}, socket.EventHandshakeFailed, io.ErrUnexpectedEOF},
		{"HELLO cut after the client's key", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			hstWrite(t, rc.c, command("HELLO", h[2+6:2+6+2+72+32]))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"oversized HELLO", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			hstWrite(t, rc.c, command("HELLO", h[2+6:], make([]byte, 64<<10)))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"HELLO with a random box", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			copy(h[len(h)-80:], randomBytes(t, 80))
			hstWrite(t, rc.c, h)
		}, socket.EventHandshakeProtocol, errCrypto},
		{"HELLO of a wrong version", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			h := rc.hello(1)
			h[2+6] = 2
			hstWrite(t, rc.c, h)
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"a second HELLO instead of INITIATE", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			hstWrite(t, rc.c, rc.hello(2))
		}, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeUnexpectedCommand, Err: wire.ErrUnexpectedCommand}},
		{"INITIATE with a random box", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			in := rc.initiate(2, rc.cookie[:], pushMetadata())
			copy(in[len(in)-200:], randomBytes(t, 200))
			hstWrite(t, rc.c, in)
		}, socket.EventHandshakeProtocol, errCrypto},
		{"INITIATE with a random cookie", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			hstWrite(t, rc.c, rc.initiate(2, randomBytes(t, 96), pushMetadata()))
		}, socket.EventHandshakeProtocol, errCrypto},
		{"INITIATE with the HELLO's nonce", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(5))
			rc.readWelcome(t)
			hstWrite(t, rc.c, rc.initiate(5, rc.cookie[:], pushMetadata()))
		}, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeInvalidSequence, Err: wire.ErrNonce}},
		{"INITIATE vouching for a key the client does not hold", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			// Claim the accepted client's public key, vouched with another secret key.
			forged := *rc.perm
			forged.Public = env.clientCert.Public
			rc.perm = &forged
			hstWrite(t, rc.c, rc.initiate(2, rc.cookie[:], pushMetadata()))
		}, socket.EventHandshakeProtocol, errCrypto},
		{"INITIATE whose metadata claims a 4 GiB value", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			md := pushMetadata()
			md = append(md, 6)
			md = append(md, "X-Huge"...)
			md = append(md, 0xFF, 0xFF, 0xFF, 0xF0, 'a', 'b')
			hstWrite(t, rc.c, rc.initiate(2, rc.cookie[:], md))
		}, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeInvalidMetadata, Err: wire.ErrInvalidMetadata}},
		{"INITIATE whose metadata has no Socket-Type", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			rc.perm = env.clientCert // a client the server accepts
			hstWrite(t, rc.c, rc.initiate(2, rc.cookie[:], nil))
		}, socket.EventHandshakeProtocol, wire.ErrInvalidMetadata},
		{"a MESSAGE instead of INITIATE", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			hstWrite(t, rc.c, rc.message(2, false, "early"))
		}, socket.EventHandshakeProtocol, wire.ErrUnexpectedCommand},
		{"an unknown client key, properly vouched", func(t *testing.T, env *hstSecEnv, rc *rawCurve) {
			hstWrite(t, rc.c, rc.hello(1))
			rc.readWelcome(t)
			hstWrite(t, rc.c, rc.initiate(2, rc.cookie[:], pushMetadata()))
			// Refused with ERROR 400, as libzmq's ZAP refusal.
			name, data := hstReadCommand(t, rc.c, rc.r)
			require.Equal(t, wire.CmdError, name)
			reason, err := wire.ParseErrorReason(data)
			require.NoError(t, err)
			require.Equal(t, "400", reason)
		}, socket.EventHandshakeAuth, wire.ErrAuthRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			env := hstSecBind(t, "CURVE", socket.Options{})
			stranger, err := cert.New()
			require.NoError(t, err)
			rc := newRawCurve(t, env.addr, stranger, env.serverCert.Public)
			tc.attack(t, env, rc)
			env.roundTrip(t, "during")
			env.failed(t, rc.c, tc.typ, tc.want)
			hstExpectFrameEOF(t, rc.c, rc.r, hstWait)
			rc.c.Close()
			env.finish(t, leaks)
		})
	}
}

// TestHostileCurveReplayAfterHandshake: a client that completed the handshake replays
// a MESSAGE, or sends a lower nonce than the last one. The message with the fresh nonce
// is delivered once; the replay and the lower nonce end the connection (ErrNonce)
// without being delivered. A box that does not open ends it too.
func TestHostileCurveReplayAfterHandshake(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(rc *rawCurve) (accepted []byte, hostile []byte)
		want error
	}{
		{"the same MESSAGE twice", func(rc *rawCurve) ([]byte, []byte) {
			m := rc.message(3, false, "once")
			return m, m
		}, &wire.ProtocolError{Code: wire.CodeInvalidSequence, Err: wire.ErrNonce}},
		{"a decreasing nonce", func(rc *rawCurve) ([]byte, []byte) {
			return rc.message(10, false, "once"), rc.message(9, false, "replayed")
		}, &wire.ProtocolError{Code: wire.CodeInvalidSequence, Err: wire.ErrNonce}},
		{"the INITIATE's nonce again", func(rc *rawCurve) ([]byte, []byte) {
			return rc.message(3, false, "once"), rc.message(2, false, "replayed")
		}, wire.ErrNonce},
		{"a MESSAGE whose box was altered", func(rc *rawCurve) ([]byte, []byte) {
			bad := rc.message(4, false, "replayed")
			bad[len(bad)-1] ^= 1
			return rc.message(3, false, "once"), bad
		}, errCrypto},
		{"a random MESSAGE box", func(rc *rawCurve) ([]byte, []byte) {
			bad := rc.message(4, false, "replayed")
			_, _ = rand.Read(bad[2+8+8:])
			return rc.message(3, false, "once"), bad
		}, errCrypto},
		{"the last frame of a message replayed as its continuation", func(rc *rawCurve) ([]byte, []byte) {
			return rc.message(3, false, "once"), append(rc.message(4, true, "first"), rc.message(3, false, "once")...)
		}, wire.ErrNonce},
		{"a second HELLO, in clear, after the handshake", func(rc *rawCurve) ([]byte, []byte) {
			return rc.message(3, false, "once"), rc.hello(4)
		}, wire.ErrUnexpectedCommand},
		{"a MESSAGE in clear after the handshake", func(rc *rawCurve) ([]byte, []byte) {
			return rc.message(3, false, "once"), hstMsg("sneak")
		}, wire.ErrUnexpectedCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			env := hstSecBind(t, "CURVE", socket.Options{})
			rc := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
			rc.handshake(t)
			env.mon.wait(t, "HANDSHAKE_SUCCEEDED", forRemote(socket.EventHandshakeSucceeded, rc.c.LocalAddr().String()))
			ok, hostile := tc.send(rc)
			hstWrite(t, rc.c, ok)
			m, err := env.s.Recv(hstCtx(t))
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte("once")}, m.Frames)
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, "good", uid, "the raw client has the accepted key")

			hstWrite(t, rc.c, hostile)
			env.roundTrip(t, "during")
			e := env.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, rc.c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, tc.want, "event %v", e)
			hstExpectFrameEOF(t, rc.c, rc.r, hstWait)
			rc.c.Close()
			env.finish(t, leaks)
		})
	}
}

// TestHostileCurveCookieFromAnotherConnection: what one connection's handshake gave
// cannot be used on another. An INITIATE made on connection A (A's cookie, A's
// transient keys) sent on connection B, B's cookie used in an INITIATE on A, and a
// recorded handshake (HELLO, then INITIATE) replayed whole on a new connection: each
// fails with ErrCrypto, and connection A, which did not cheat, still completes.
func TestHostileCurveCookieFromAnotherConnection(t *testing.T) {
	leaks := hstLeakCheck(t)
	env := hstSecBind(t, "CURVE", socket.Options{})
	a := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
	b := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
	helloA := a.hello(1)
	hstWrite(t, a.c, helloA)
	a.readWelcome(t)
	hstWrite(t, b.c, b.hello(1))
	b.readWelcome(t)

	// A's whole INITIATE on B.
	initA := a.initiate(2, a.cookie[:], pushMetadata())
	hstWrite(t, b.c, initA)
	env.roundTrip(t, "during")
	env.failed(t, b.c, socket.EventHandshakeProtocol, errCrypto)
	hstExpectFrameEOF(t, b.c, b.r, hstWait)

	// B's cookie in an INITIATE on a third connection C, sealed with C's own keys.
	c := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
	hstWrite(t, c.c, c.hello(1))
	c.readWelcome(t)
	hstWrite(t, c.c, c.initiate(2, b.cookie[:], pushMetadata()))
	env.failed(t, c.c, socket.EventHandshakeProtocol, errCrypto)
	hstExpectFrameEOF(t, c.c, c.r, hstWait)

	// A completes with its own INITIATE and gets through.
	hstWrite(t, a.c, initA)
	a.readReady(t)
	hstWrite(t, a.c, a.message(3, false, "from A"))
	m, err := env.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("from A")}, m.Frames)

	// A's recorded HELLO and INITIATE replayed on a new connection D: D gets a WELCOME
	// with a fresh cookie key, so A's cookie does not open.
	d := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
	hstWrite(t, d.c, helloA)
	name, _ := hstReadCommand(t, d.c, d.r)
	require.Equal(t, "WELCOME", name)
	hstWrite(t, d.c, initA)
	env.failed(t, d.c, socket.EventHandshakeProtocol, errCrypto)
	hstExpectFrameEOF(t, d.c, d.r, hstWait)

	hstWrite(t, a.c, a.message(4, false, "A again"))
	m, err = env.s.Recv(hstCtx(t))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("A again")}, m.Frames)
	for _, rc := range []*rawCurve{a, b, c, d} {
		rc.c.Close()
	}
	env.finish(t, leaks)
}

// TestHostileCurveServerForgesWelcome: a server that answers our CURVE client's HELLO
// with a WELCOME it cannot have made (a random box, a short one, or an ERROR whose
// reason is long) is refused; our client sends nothing more.
func TestHostileCurveServerForgesWelcome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		welcome []byte
		typ     socket.EventType
		want    error
	}{
		{"random box", command("WELCOME", make([]byte, 160)), socket.EventHandshakeProtocol, errCrypto},
		{"short", command("WELCOME", make([]byte, 100)), socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeMalformedCommandWelcome, Err: wire.ErrMalformedCommand}},
		{"READY", hstReady("PULL"), socket.EventHandshakeProtocol, wire.ErrUnexpectedCommand},
		{"ERROR", wire.AppendError(nil, strings.Repeat("e", 255)), socket.EventHandshakeAuth, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			welcome := bytes.Clone(tc.welcome)
			if tc.name == "random box" {
				_, _ = rand.Read(welcome[2+8:])
			}
			hstClientAgainst(t, "CURVE", func(t *testing.T, c net.Conn) {
				hstWrite(t, c, hstGreeting("CURVE"))
				r := wire.NewReader(c, 0)
				require.NoError(t, c.SetReadDeadline(time.Now().Add(hstWait)))
				_, err := r.ReadGreeting()
				require.NoError(t, err)
				name, _ := hstReadCommand(t, c, r)
				require.Equal(t, "HELLO", name)
				hstWrite(t, c, welcome)
			}, tc.typ, tc.want)
		})
	}
}
