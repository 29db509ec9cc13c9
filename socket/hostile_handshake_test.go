package socket_test

// Hostile peers that fail the ZMTP handshake: bytes that are not a greeting, an old
// ZMTP version, a foreign security mechanism, and bad or incompatible socket types.

import (
	"bytes"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// hstRejectedGreeting sends raw to a bound PULL and checks that we close the connection
// after our greeting alone, report want, and keep serving a good PUSH throughout.
func hstRejectedGreeting(t *testing.T, raw []byte, wantType socket.EventType, want error) {
	leaks := hstLeakCheck(t)
	srv := hstBind(t, socket.Pull, socket.Options{})
	good := hstGood(t, socket.Push, srv.ep)
	hstRoundTrip(t, good, srv.s, "before")

	c := hstDial(t, srv.addr)
	hstWrite(t, c, raw)
	hstRoundTrip(t, good, srv.s, "during")
	got := hstExpectClosed(t, c, nil, hstWait)
	// We send at most our greeting, in libzmq's steps (signature, version, rest); nothing
	// may follow it (no READY, no ERROR). With unread input left, our close may be a
	// reset that loses some of it.
	if len(got) > 0 {
		require.LessOrEqual(t, len(got), wire.GreetingSize, "sent more than a greeting: %x", got)
		// Or, to a ZMTP 2.0 peer, the 2.0 greeting: signature, 03, our socket type.
		legacy := append(hstOurGreeting()[:11:11], byte(socket.Pull))
		require.True(t, bytes.HasPrefix(hstOurGreeting(), got) || bytes.HasPrefix(legacy, got), "not our greeting: %x", got)
	}
	e := srv.mon.wait(t, wantType.String(), forRemote(wantType, c.LocalAddr().String()))
	require.ErrorIs(t, e.Err, want, "event %v", e)
	var pe *wire.ProtocolError
	require.ErrorAs(t, e.Err, &pe)
	hstRoundTrip(t, good, srv.s, "after")

	srv.mon.drain()
	for _, ev := range srv.mon.seen {
		if ev.Remote == c.LocalAddr().String() {
			require.NotEqual(t, socket.EventHandshakeSucceeded, ev.Type, "attacker handshake succeeded")
		}
	}
	c.Close()
	good.Close()
	srv.s.Close()
	leaks()
}

// Case 1: an HTTP request instead of a greeting.
func TestHostileNotAGreetingHTTP(t *testing.T) {
	hstRejectedGreeting(t, []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n"),
		socket.EventHandshakeProtocol, wire.ErrNotZMTP)
}

// Case 1b: FF, padding, but byte 9 without bit 0 (a ZMTP/1.0 identity header look-alike
// that is not a versioned signature).
func TestHostileNotAGreetingBadSignatureEnd(t *testing.T) {
	raw := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7E, 3, 1}
	raw = append(raw, make([]byte, 52)...)
	hstRejectedGreeting(t, raw, socket.EventHandshakeProtocol, wire.ErrNotZMTP)
}

// Case 2: a ZMTP/2.0 greeting (revision 1) whose socket-type byte is PULL, which our
// PULL cannot talk to. ZMTP 2.0 has no ERROR command: we close after our 12-byte
// greeting. (A compatible 2.0 or 1.0 peer is served: hostile_legacy_test.go.)
func TestHostileZMTP2GreetingIncompatible(t *testing.T) {
	raw := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x01, byte(socket.Pull), 0x00, 0x00}
	hstRejectedGreeting(t, raw, socket.EventHandshakeProtocol, wire.ErrIncompatibleSocketType)
}

// Case 2b: a revision-0 greeting (ZMTP/1.0 framing) with an unknown socket-type byte.
func TestHostileZMTP1GreetingUnknownType(t *testing.T) {
	raw := []byte{0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x00, 0x42}
	hstRejectedGreeting(t, raw, socket.EventHandshakeProtocol, wire.ErrUnknownSocketType)
}

// Case 3: a full 3.1 greeting with a mechanism we do not use. Like libzmq we close
// without sending ERROR (so without even a READY).
func TestHostileMechanismMismatch(t *testing.T) {
	for _, mech := range []string{"FOO", "PLAIN", "CURVE", "NULL\x00X", "null"} {
		t.Run(mech, func(t *testing.T) {
			raw := append(hstGreeting(mech), hstReady("PUSH")...)
			hstRejectedGreeting(t, raw, socket.EventHandshakeProtocol, wire.ErrMechanismMismatch)
		})
	}
}

// Case 4: a READY whose Socket-Type is unknown or incompatible with our PULL. We send an
// ERROR command after our READY, then close; the event names the reason.
func TestHostileBadSocketType(t *testing.T) {
	cases := []struct {
		name, typ string
		want      error
		reason    string
	}{
		{"incompatible-SERVER", "SERVER", wire.ErrIncompatibleSocketType, "incompatible socket type"},
		{"unknown-BOGUS", "BOGUS", wire.ErrUnknownSocketType, "unknown socket type"},
		{"unknown-lowercase", "push", wire.ErrUnknownSocketType, "unknown socket type"},
		{"unknown-empty", "", wire.ErrUnknownSocketType, "unknown socket type"},
		{"unknown-binary", "\x00\xff\x07", wire.ErrUnknownSocketType, "unknown socket type"},
		{"incompatible-PUB", "PUB", wire.ErrIncompatibleSocketType, "incompatible socket type"},
		{"incompatible-PULL", "PULL", wire.ErrIncompatibleSocketType, "incompatible socket type"},
		{"incompatible-ROUTER", "ROUTER", wire.ErrIncompatibleSocketType, "incompatible socket type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			hstWrite(t, c, append(hstGreeting("NULL"), hstReady(tc.typ)...))
			r := wire.NewReader(c, 0)
			require.NoError(t, c.SetReadDeadline(hstDeadline()))
			g, err := r.ReadGreeting()
			require.NoError(t, err)
			require.Equal(t, "NULL", g.Mechanism)
			name, _ := hstReadCommand(t, c, r)
			require.Equal(t, wire.CmdReady, name)
			hstRoundTrip(t, good, srv.s, "during")
			name, data := hstReadCommand(t, c, r)
			require.Equal(t, wire.CmdError, name, "expected ERROR after our READY")
			reason, err := wire.ParseErrorReason(data)
			require.NoError(t, err)
			require.Equal(t, tc.reason, reason)
			hstExpectFrameEOF(t, c, r, hstWait)

			e := srv.mon.wait(t, "HANDSHAKE_FAILED_PROTOCOL", forRemote(socket.EventHandshakeProtocol, c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, tc.want, "event %v", e)
			hstRoundTrip(t, good, srv.s, "after")

			c.Close()
			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}

// Case 4b: a READY with no Socket-Type at all, or with metadata that does not parse.
// We close; the event reports invalid metadata.
func TestHostileBadReadyMetadata(t *testing.T) {
	cases := map[string][]byte{
		"no-socket-type": wire.AppendReady(nil, wire.Metadata{{Name: "X-Foo", Value: []byte("bar")}}),
		"empty-ready":    wire.AppendCommand(nil, wire.CmdReady),
		// Value length claims 2^31-1 bytes that never come inside the command.
		"value-overrun": wire.AppendCommand(nil, wire.CmdReady, []byte("\x0bSocket-Type\x7f\xff\xff\xffPUSH")),
		"zero-name":     wire.AppendCommand(nil, wire.CmdReady, []byte("\x00\x00\x00\x00\x00")),
		"trailing-byte": wire.AppendCommand(nil, wire.CmdReady, append(wire.Metadata{{Name: wire.PropSocketType, Value: []byte("PUSH")}}.Append(nil), 0x0b)),
	}
	for name, ready := range cases {
		t.Run(name, func(t *testing.T) {
			leaks := hstLeakCheck(t)
			srv := hstBind(t, socket.Pull, socket.Options{})
			good := hstGood(t, socket.Push, srv.ep)
			hstRoundTrip(t, good, srv.s, "before")

			c := hstDial(t, srv.addr)
			hstWrite(t, c, append(hstGreeting("NULL"), ready...))
			r := wire.NewReader(c, 0)
			require.NoError(t, c.SetReadDeadline(hstDeadline()))
			_, err := r.ReadGreeting()
			require.NoError(t, err)
			name, _ := hstReadCommand(t, c, r)
			require.Equal(t, wire.CmdReady, name)
			hstExpectFrameEOF(t, c, r, hstWait)

			e := srv.mon.wait(t, "HANDSHAKE_FAILED_PROTOCOL", forRemote(socket.EventHandshakeProtocol, c.LocalAddr().String()))
			require.ErrorIs(t, e.Err, wire.ErrInvalidMetadata, "event %v", e)
			hstRoundTrip(t, good, srv.s, "after")

			c.Close()
			good.Close()
			srv.s.Close()
			leaks()
		})
	}
}
