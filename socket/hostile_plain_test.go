package socket_test

// Hostile PLAIN peers, and huge handshake frames under PLAIN and CURVE: see
// hostile_curve_test.go for what every case checks.

import (
	"bytes"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

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
					// The interval must outlast the CURVE or PLAIN steps before the
					// huge frame, under -race on a loaded machine too; only the case
					// without MaxMsgSize waits for it to end the connection.
					ivl := 2 * time.Second
					if limit > 0 {
						ivl = 20 * time.Second
					}
					env := hstSecBind(t, mech, socket.Options{MaxMsgSize: limit, HandshakeInterval: ivl})
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
