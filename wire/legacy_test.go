package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// Hand-written ZMTP 2.0 and 1.0 peers, byte by byte as 15/ZMTP and 13/ZMTP (and
// libzmq 3.x and 2.x) send them.

// sigEmptyID is a signature whose padding is the 1.0 length of an empty identity
// frame: what libzmq sends, and what we send with no identity.
const sigEmptyID = "FF 0000000000000001 7F"

// legacyScript is what an old peer sends and how the handshake must end.
type legacyScript struct {
	name   string
	local  HandshakeConfig
	script []byte // the peer's bytes: greeting, identity frame, then messages
	peer   Peer   // want, when err is nil
	sent   []byte // all we send before our first message
	v1     bool   // messages travel in ZMTP/1.0 framing
	subAll bool   // the first message we read is the injected subscription 01
}

func legacyScripts(t testing.TB) []legacyScript {
	return []legacyScript{
		{
			name:   "ZMTP 2.0 PUSH, empty identity, to our PULL",
			local:  HandshakeConfig{SocketType: Pull},
			script: unhex(t, sigEmptyID+"01 08 | 00 00"),
			peer:   Peer{Major: 2, SocketType: Push, Identity: []byte{}},
			sent:   unhex(t, sigEmptyID+"03 07 | 00 00"),
		},
		{
			name:   "ZMTP 2.0 DEALER with identity, to our ROUTER with one",
			local:  HandshakeConfig{SocketType: Router, Identity: []byte("rt")},
			script: unhex(t, "FF 0000000000000005 7F 01 05 | 00 04 70656572"), // "peer"
			peer:   Peer{Major: 2, SocketType: Dealer, Identity: []byte("peer")},
			sent:   unhex(t, "FF 0000000000000003 7F 03 06 | 00 02 7274"),
		},
		{
			name:   "ZMTP 2.0 SUB to our XPUB: no subscription is injected",
			local:  HandshakeConfig{SocketType: XPub},
			script: unhex(t, sigEmptyID+"01 02 | 00 00"),
			peer:   Peer{Major: 2, SocketType: Sub, Identity: []byte{}},
			sent:   unhex(t, sigEmptyID+"03 09 | 00 00"),
		},
		{
			name:   "revision 0 REQ (1.0 framing) to our REP",
			local:  HandshakeConfig{SocketType: Rep},
			script: unhex(t, sigEmptyID+"00 03 | 03 00 6964"), // identity "id"
			peer:   Peer{Major: 1, SocketType: Req, Identity: []byte("id")},
			sent:   unhex(t, sigEmptyID+"03 04 | 01 00"),
			v1:     true,
		},
		{
			name:   "unversioned 1.0, short identity, to our PULL",
			local:  HandshakeConfig{SocketType: Pull, Identity: []byte("me")},
			script: unhex(t, "06 00 68656C6C6F"), // identity "hello"
			peer:   Peer{Major: 1, Identity: []byte("hello")},
			sent:   unhex(t, "FF 0000000000000003 7F 6D65"), // the body of our identity follows its header
			v1:     true,
		},
		{
			name:   "unversioned 1.0, empty identity, to our PUB: a subscription to everything is injected",
			local:  HandshakeConfig{SocketType: Pub},
			script: unhex(t, "01 00"),
			peer:   Peer{Major: 1, Identity: []byte{}},
			sent:   unhex(t, sigEmptyID),
			v1:     true,
			subAll: true,
		},
		{
			name:   "unversioned 1.0, identity in the long form, to our DEALER",
			local:  HandshakeConfig{SocketType: Dealer},
			script: append(unhex(t, "FF 00000000000000C9 00"), bytes.Repeat([]byte("i"), 200)...),
			peer:   Peer{Major: 1, Identity: bytes.Repeat([]byte("i"), 200)},
			sent:   unhex(t, sigEmptyID),
			v1:     true,
		},
	}
}

// legacyTraffic is what the scripted peers send after the handshake, and what we
// send them.
var legacyTraffic = []Msg{frames("hello", "", "world"), {Frames: [][]byte{bytes.Repeat([]byte("L"), 300)}}, frames("end")}

func TestHandshakeLegacyPeers(t *testing.T) {
	for _, tt := range legacyScripts(t) {
		t.Run(tt.name, func(t *testing.T) {
			var traffic []byte
			if tt.v1 {
				traffic = v1Stream(legacyTraffic...)
			} else {
				traffic = encodeMsgs(t, legacyTraffic...)
			}
			a, b := rawPeer(t, append(append([]byte{}, tt.script...), traffic...))
			peer, err := Handshake(a.r, a.w, tt.local)
			require.NoError(t, err)
			require.Equal(t, tt.peer, peer)

			// What we sent, byte for byte.
			require.NoError(t, b.r.fill(len(tt.sent)))
			require.Equal(t, tt.sent, b.r.buf[:len(tt.sent)])
			b.r.r += len(tt.sent)

			// Their messages reach us; ours reach them in their framing.
			want := legacyTraffic
			if tt.subAll {
				want = append([]Msg{{Frames: [][]byte{{0x01}}}}, want...)
			}
			for i, m := range want {
				var got Msg
				require.NoError(t, a.r.ReadMsg(&got, nil), "message %d", i)
				require.Equal(t, m.Frames, got.Frames, "message %d", i)
			}
			go func() {
				for _, m := range legacyTraffic {
					a.w.WriteMsg(m)
				}
				a.w.Flush()
			}()
			if tt.v1 {
				b.r.useV1(false)
			}
			for i, m := range legacyTraffic {
				var got Msg
				require.NoError(t, b.r.ReadMsg(&got, nil), "message %d", i)
				require.Equal(t, m.Frames, got.Frames, "message %d", i)
			}
		})
	}
}

// The same scripts fed one byte at a time, and cut short anywhere: the handshake
// either completes (once the whole script is there) or fails cleanly; it never hangs
// or panics, and a cut is reported as the end of the stream.
func TestHandshakeLegacyTruncation(t *testing.T) {
	for _, tt := range legacyScripts(t) {
		t.Run(tt.name, func(t *testing.T) {
			for cut := 0; cut <= len(tt.script); cut++ {
				r := NewReader(iotest.OneByteReader(bytes.NewReader(tt.script[:cut])), 0)
				var out bytes.Buffer
				w := NewWriter(&out, 0)
				peer, err := Handshake(r, w, tt.local)
				if cut == len(tt.script) {
					require.NoError(t, err)
					require.Equal(t, tt.peer, peer)
					require.Equal(t, tt.sent, out.Bytes())
					continue
				}
				require.Error(t, err, "cut %d", cut)
				require.True(t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "cut %d: %v", cut, err)
				// What we sent is a prefix of the whole exchange.
				require.True(t, bytes.HasPrefix(tt.sent, out.Bytes()), "cut %d sent %x", cut, out.Bytes())
			}
		})
	}
}

// Old peers we refuse, and how: only as much of our greeting as the exchange had
// reached is sent, never an ERROR (ZMTP 2.0 and 1.0 have no commands).
func TestHandshakeLegacyRefused(t *testing.T) {
	tests := []struct {
		name   string
		local  HandshakeConfig
		script []byte
		err    error
		code   uint32
		sent   []byte
		peer   Peer
	}{
		{"2.0 PUSH to our PUSH", HandshakeConfig{SocketType: Push}, unhex(t, sigEmptyID+"01 08 00 00"),
			ErrIncompatibleSocketType, CodeInvalidMetadata, unhex(t, sigEmptyID+"03 08"), Peer{Major: 2, SocketType: Push}},
		{"2.0 STREAM (11) speaks no ZMTP", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 0B 00 00"),
			ErrIncompatibleSocketType, CodeInvalidMetadata, unhex(t, sigEmptyID+"03 05"), Peer{Major: 2, SocketType: Stream}},
		{"2.0 type 21 is unknown", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 15 00 00"),
			ErrUnknownSocketType, CodeInvalidMetadata, unhex(t, sigEmptyID+"03 05"), Peer{Major: 2}},
		{"2.0 type 255", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 FF 00 00"),
			ErrUnknownSocketType, CodeInvalidMetadata, unhex(t, sigEmptyID+"03 05"), Peer{Major: 2}},
		{"revision 0 PUB to our PULL", HandshakeConfig{SocketType: Pull}, unhex(t, sigEmptyID+"00 01 01 00"),
			ErrIncompatibleSocketType, CodeInvalidMetadata, unhex(t, sigEmptyID+"03 07"), Peer{Major: 1, SocketType: Pub}},
		{"2.0 peer to a PLAIN socket", HandshakeConfig{SocketType: Dealer, Mechanism: fakeMechanism{"PLAIN"}}, unhex(t, sigEmptyID+"01 05 00 00"),
			ErrVersion, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03"), Peer{Major: 2}},
		{"1.0 peer to a CURVE socket", HandshakeConfig{SocketType: Dealer, Mechanism: fakeMechanism{"CURVE"}}, unhex(t, "01 00"),
			ErrVersion, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{Major: 1}},
		{"2.0 peer to an authenticating NULL socket", HandshakeConfig{SocketType: Dealer, Mechanism: &NullServer{Authenticate: acceptAll}}, unhex(t, sigEmptyID+"01 05 00 00"),
			ErrVersion, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03"), Peer{Major: 2}},
		{"1.0 peer to an authenticating NULL socket", HandshakeConfig{SocketType: Dealer, Mechanism: &NullServer{Authenticate: acceptAll}}, unhex(t, "01 00"),
			ErrVersion, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{Major: 1}},
		{"2.0 identity frame with MORE", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 05 01 00 00 00"),
			ErrMalformedFrame, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03 05 00 00"), Peer{Major: 2, SocketType: Dealer}},
		{"2.0 identity as a command", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 05 04 05 05 5245414459"),
			ErrMalformedFrame, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03 05 00 00"), Peer{Major: 2, SocketType: Dealer}},
		{"2.0 identity of 256 bytes", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 05 02 0000000000000100"),
			ErrMalformedFrame, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03 05 00 00"), Peer{Major: 2, SocketType: Dealer}},
		{"2.0 identity of 2^62 bytes", HandshakeConfig{SocketType: Dealer}, unhex(t, sigEmptyID+"01 05 02 4000000000000000"),
			ErrMalformedFrame, CodeZMTPUnspecified, unhex(t, sigEmptyID+"03 05 00 00"), Peer{Major: 2, SocketType: Dealer}},
		{"1.0 identity of 256 bytes", HandshakeConfig{SocketType: Dealer}, unhex(t, "FF 0000000000000101 00"),
			ErrNotZMTP, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{}},
		{"1.0 identity of length 0", HandshakeConfig{SocketType: Dealer}, unhex(t, "FF 0000000000000000 00"),
			ErrNotZMTP, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{}},
		{"1.0 identity with MORE", HandshakeConfig{SocketType: Dealer}, unhex(t, "01 01"),
			ErrNotZMTP, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{}},
		{"first byte 00", HandshakeConfig{SocketType: Dealer}, unhex(t, "00"),
			ErrNotZMTP, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{}},
		{"TLS client hello", HandshakeConfig{SocketType: Dealer}, unhex(t, "16 03 01 02 00 01"),
			ErrNotZMTP, CodeZMTPUnspecified, unhex(t, sigEmptyID), Peer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tt.script), 0)
			var out bytes.Buffer
			peer, err := Handshake(r, NewWriter(&out, 0), tt.local)
			require.ErrorIs(t, err, tt.err)
			var pe *ProtocolError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.code, pe.Code)
			require.Equal(t, tt.sent, out.Bytes())
			require.Equal(t, tt.peer, peer)
		})
	}
}

// Bytes that are not ZMTP at all are refused from the first two, without waiting for
// more: the peer may never send more.
func TestHandshakeNotZMTPFailsFast(t *testing.T) {
	for _, first := range []string{"GET", "\x16\x03", "\x00", "SSH-2.0"} {
		a, _ := rawPeer(t, []byte(first)) // the peer then waits
		_, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: Dealer})
		require.ErrorIs(t, err, ErrNotZMTP, "%q", first)
	}
}

// A 3.x peer still gets a 3.x handshake, although the greeting now goes out in
// libzmq's steps: signature, major version, then the rest.
func TestHandshakeStepsWith3x(t *testing.T) {
	a, b := pipePair(t)
	ra, rb := handshakeBoth(t, a, b, HandshakeConfig{SocketType: Push}, HandshakeConfig{SocketType: Pull})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Equal(t, Peer{Major: 3, Minor: 1, SocketType: Pull, Metadata: Metadata{{PropSocketType, []byte("PULL")}}}, ra.peer)
}

func FuzzLegacyHandshake(f *testing.F) {
	for _, s := range legacyScripts(f) {
		traffic := encodeMsgs(f, legacyTraffic...)
		if s.v1 {
			traffic = v1Stream(legacyTraffic...)
		}
		f.Add(byte(s.local.SocketType), append(append([]byte{}, s.script...), traffic...))
	}
	f.Add(byte(Dealer), unhex(f, sigEmptyID+"01 05 02 4000000000000000"))
	f.Add(byte(Pull), unhex(f, sigEmptyID+"00 08 FF FFFFFFFFFFFFFFFF 00"))
	f.Add(byte(Pub), unhex(f, "FF 0000000000000101 00"))
	f.Fuzz(func(t *testing.T, typ byte, data []byte) {
		cfg := HandshakeConfig{SocketType: SocketType(typ % 11)}
		r := NewReader(bytes.NewReader(data), 4096)
		peer, err := Handshake(r, NewWriter(io.Discard, 0), cfg)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(peer.Identity), 255)
		r.SetMaxFrame(64 << 10)
		for _, s := range decodeAll(r) {
			require.NotEqual(t, "OVERSIZE", s)
		}
	})
}

func acceptAll(Credentials) (AuthReply, error) { return AuthReply{}, nil }
