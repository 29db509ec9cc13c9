package socket_test

// Hostile peers against secured sockets, over tcp: a raw connection that speaks (or
// mangles) PLAIN or CURVE at a PULL of ours while a healthy client of the same
// mechanism keeps sending. Each attack costs only its own connection: the socket
// reports it with the reason, does not panic, keeps its memory bounded, delivers
// nothing of the attacker's, serves the healthy client during and after, and leaves no
// goroutine behind.

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"os"
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

// TestHostileSecureHugeHandshakeFrame: a handshake command whose frame header claims
// 2^40 bytes, followed by 64 KiB. With MaxMsgSize the claim is refused from the header
// (ErrFrameTooLarge); without, the socket holds no more than what arrived, and the
// handshake interval ends the connection.
func TestHostileSecureHugeHandshakeFrame(t *testing.T) {
	for _, mech := range []string{"CURVE", "PLAIN"} {
		for _, cmd := range []string{"HELLO", "INITIATE"} {
			for _, limit := range []int64{0, 1 << 20} {
				name := mech + " " + cmd + " without MaxMsgSize"
				if limit > 0 {
					name = mech + " " + cmd + " with MaxMsgSize"
				}
				t.Run(name, func(t *testing.T) {
					leaks := hstLeakCheck(t)
					env := hstSecBind(t, mech, socket.Options{MaxMsgSize: limit, HandshakeInterval: 500 * time.Millisecond})
					var c net.Conn
					if mech == "CURVE" {
						rc := newRawCurve(t, env.addr, env.clientCert, env.serverCert.Public)
						if cmd == "INITIATE" {
							hstWrite(t, rc.c, rc.hello(1))
							rc.readWelcome(t)
						}
						c = rc.c
					} else {
						c = hstDial(t, env.addr)
						hstWrite(t, c, hstGreeting("PLAIN"))
						if cmd == "INITIATE" {
							hstWrite(t, c, wire.AppendPlainHello(nil, []byte("admin"), []byte("secret")))
						}
					}
					hdr := hstLongHeader(wire.FlagCommand, 1<<40)
					hdr = append(hdr, byte(len(cmd)))
					hdr = append(hdr, cmd...)
					hstWrite(t, c, hdr)
					if limit > 0 {
						env.failed(t, c, socket.EventHandshakeProtocol, wire.ErrFrameTooLarge)
					} else {
						chunk := make([]byte, 4096)
						for i := 0; i < 16; i++ {
							if _, err := c.Write(chunk); err != nil {
								break // the handshake interval may already have ended it
							}
						}
						env.roundTrip(t, "during")
						env.failed(t, c, socket.EventHandshakeFailed, os.ErrDeadlineExceeded)
					}
					hstExpectClosed(t, c, nil, hstWait)
					c.Close()
					env.finish(t, leaks)
				})
			}
		}
	}
}

// TestHostilePlainHandshake: malformed PLAIN commands, a HELLO that arrives before the
// greeting is complete, and long credentials.
func TestHostilePlainHandshake(t *testing.T) {
	hello := func(user, pass []byte) []byte { return wire.AppendPlainHello(nil, user, pass) }
	long := bytes.Repeat([]byte("x"), 255)
	for _, tc := range []struct {
		name   string
		opts   *socket.Options
		attack func(t *testing.T, c net.Conn)
		typ    socket.EventType
		want   error
	}{
		{"HELLO before the greeting is complete", nil, func(t *testing.T, c net.Conn) {
			// The signature and version, then at once a HELLO: its bytes are read as the
			// rest of the greeting, whose mechanism is then nonsense.
			g := hstGreeting("PLAIN")
			hstWrite(t, c, append(g[:11:11], hello(long, []byte("secret"))...))
		}, socket.EventHandshakeProtocol, wire.ErrMechanismMismatch},
		{"HELLO before the greeting is complete, too short to complete it", &socket.Options{HandshakeInterval: 300 * time.Millisecond}, func(t *testing.T, c net.Conn) {
			g := hstGreeting("PLAIN")
			hstWrite(t, c, append(g[:11:11], hello([]byte("admin"), []byte("secret"))...))
		}, socket.EventHandshakeFailed, os.ErrDeadlineExceeded},
		{"HELLO with a username running past the command", nil, func(t *testing.T, c net.Conn) {
			hstWrite(t, c, append(hstGreeting("PLAIN"), command("HELLO", []byte{255}, []byte("admin"), []byte{6}, []byte("secret"))...))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"HELLO with a password running past the command", nil, func(t *testing.T, c net.Conn) {
			hstWrite(t, c, append(hstGreeting("PLAIN"), command("HELLO", []byte{5}, []byte("admin"), []byte{255}, []byte("secret"))...))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"oversized HELLO: 64 KiB after the password", nil, func(t *testing.T, c net.Conn) {
			h := command("HELLO", []byte{255}, long, []byte{255}, long, make([]byte, 64<<10))
			hstWrite(t, c, append(hstGreeting("PLAIN"), h...))
		}, socket.EventHandshakeProtocol, errMalformedHello},
		{"255-byte username and password, refused", nil, func(t *testing.T, c net.Conn) {
			hstWrite(t, c, append(hstGreeting("PLAIN"), hello(long, long)...))
			r := wire.NewReader(c, 0)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(hstWait)))
			_, err := r.ReadGreeting()
			require.NoError(t, err)
			name, data := hstReadCommand(t, c, r)
			require.Equal(t, wire.CmdError, name)
			reason, err := wire.ParseErrorReason(data)
			require.NoError(t, err)
			require.Equal(t, "400", reason)
		}, socket.EventHandshakeAuth, wire.ErrAuthRefused},
		{"a second HELLO instead of INITIATE", nil, func(t *testing.T, c net.Conn) {
			h := hello([]byte("admin"), []byte("secret"))
			hstWrite(t, c, append(append(hstGreeting("PLAIN"), h...), h...))
		}, socket.EventHandshakeProtocol, wire.ErrUnexpectedCommand},
		{"INITIATE whose metadata claims a 4 GiB value", nil, func(t *testing.T, c net.Conn) {
			md := pushMetadata()
			md = append(md, 6)
			md = append(md, "X-Huge"...)
			md = append(md, 0xFF, 0xFF, 0xFF, 0xF0, 'a')
			b := append(hstGreeting("PLAIN"), hello([]byte("admin"), []byte("secret"))...)
			hstWrite(t, c, append(b, command("INITIATE", md)...))
		}, socket.EventHandshakeProtocol, &wire.ProtocolError{Code: wire.CodeInvalidMetadata, Err: wire.ErrInvalidMetadata}},
		{"READY instead of HELLO", nil, func(t *testing.T, c net.Conn) {
			hstWrite(t, c, append(hstGreeting("PLAIN"), hstReady("PUSH")...))
		}, socket.EventHandshakeProtocol, wire.ErrUnexpectedCommand},
		{"a data frame instead of INITIATE", nil, func(t *testing.T, c net.Conn) {
			b := append(hstGreeting("PLAIN"), hello([]byte("admin"), []byte("secret"))...)
			hstWrite(t, c, append(b, hstMsg("sneak")...))
		}, socket.EventHandshakeProtocol, wire.ErrUnexpectedCommand},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			var opts socket.Options
			if tc.opts != nil {
				opts = *tc.opts
			}
			env := hstSecBind(t, "PLAIN", opts)
			c := hstDial(t, env.addr)
			tc.attack(t, c)
			env.roundTrip(t, "during")
			e := env.failed(t, c, tc.typ, tc.want)
			require.NotContains(t, e.Err.Error(), "secret", "a password in an error")
			got := hstExpectClosed(t, c, nil, hstWait)
			require.NotContains(t, string(got), "READY", "the attacker got a READY")
			c.Close()
			env.finish(t, leaks)
		})
	}
}

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

// TestHostilePlainSecondHelloAfterHandshake: a PLAIN client that completed its
// handshake as one user sends HELLO again with another user's credentials. Like any
// command we do not expect after the handshake, it is ignored: the connection keeps
// its first User-Id, and the authenticator is not asked again.
func TestHostilePlainSecondHelloAfterHandshake(t *testing.T) {
	leaks := hstLeakCheck(t)
	env := hstSecBind(t, "PLAIN", socket.Options{})
	c := hstDial(t, env.addr)
	b := append(hstGreeting("PLAIN"), wire.AppendPlainHello(nil, []byte("admin"), []byte("secret"))...)
	b = append(b, command("INITIATE", pushMetadata())...)
	hstWrite(t, c, b)
	r := wire.NewReader(c, 0)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(hstWait)))
	_, err := r.ReadGreeting()
	require.NoError(t, err)
	name, _ := hstReadCommand(t, c, r)
	require.Equal(t, "WELCOME", name)
	name, _ = hstReadCommand(t, c, r)
	require.Equal(t, wire.CmdReady, name)

	recv := func(want string) {
		t.Helper()
		m, err := env.s.Recv(hstCtx(t))
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte(want)}, m.Frames)
		uid, _ := m.Properties().Get(wire.PropUserID)
		require.Equal(t, "good", uid)
	}
	hstWrite(t, c, hstMsg("one"))
	recv("one")
	hstWrite(t, c, wire.AppendPlainHello(nil, []byte("root"), []byte("guess")))
	hstWrite(t, c, command("INITIATE", pushMetadata()))
	hstWrite(t, c, hstMsg("two"))
	recv("two")
	env.roundTrip(t, "during")
	require.EqualValues(t, 2, env.authCalls.Load(), "the healthy client and the raw one, once each")
	env.mon.drain()
	for _, e := range env.mon.seen {
		require.NotEqual(t, socket.EventDisconnected, e.Type, "%v", e)
	}
	c.Close()
	env.mon.wait(t, "DISCONNECTED", forRemote(socket.EventDisconnected, c.LocalAddr().String()))
	env.finish(t, leaks)
}
