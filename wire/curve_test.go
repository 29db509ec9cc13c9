package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/nacl/box"
)

// keyPair returns a fresh CURVE key pair.
func keyPair(t testing.TB) (pub, sec [32]byte) {
	t.Helper()
	p, s, err := box.GenerateKey(randReader)
	require.NoError(t, err)
	return *p, *s
}

// curvePair returns a client and a server that know each other's keys.
func curvePair(t testing.TB) (*CurveClient, *CurveServer) {
	t.Helper()
	cp, cs := keyPair(t)
	sp, ss := keyPair(t)
	return &CurveClient{PublicKey: cp, SecretKey: cs, ServerKey: sp}, &CurveServer{PublicKey: sp, SecretKey: ss}
}

func TestCurveHandshake(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := curvePair(t)
	var seen []byte
	srv.Authenticate = func(c Credentials) (AuthReply, error) {
		seen = bytes.Clone(c.PublicKey)
		return AuthReply{UserID: "alice"}, nil
	}
	require.Nil(t, cli.Codec())
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Dealer, Identity: []byte("me"), Mechanism: cli, Metadata: Metadata{{"X-Big", bytes.Repeat([]byte("m"), 300)}}},
		HandshakeConfig{SocketType: Router, Mechanism: srv})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Equal(t, Router, ra.peer.SocketType)
	require.Equal(t, Dealer, rb.peer.SocketType)
	require.Equal(t, []byte("me"), rb.peer.Identity)
	v, _ := rb.peer.Metadata.Get("X-Big")
	require.Len(t, v, 300)
	require.Equal(t, cli.PublicKey[:], seen)
	creds, reply := srv.Auth()
	require.Equal(t, "CURVE", creds.Mechanism)
	require.Equal(t, cli.PublicKey[:], creds.PublicKey)
	require.Equal(t, "alice", reply.UserID)

	cc, sc := cli.Codec(), srv.Codec()
	require.NotNil(t, cc)
	require.NotNil(t, sc)

	// Frames both ways, through the connection, with MORE and COMMAND kept.
	exchange := func(from FrameCodec, fw *Writer, to FrameCodec, tr *Reader, flags byte, body []byte) {
		frame, err := from.Seal(nil, flags, body)
		require.NoError(t, err)
		require.Len(t, frame, from.SealedSize(len(body)))
		wrote := make(chan error, 1)
		go func() { wrote <- writeFlush(fw, frame) }()
		f, got, err := tr.ReadFrame()
		require.NoError(t, err)
		require.NoError(t, <-wrote)
		require.Zero(t, f, "MESSAGE travels in a plain data frame")
		gf, out, err := to.Open([]byte("pre"), got)
		require.NoError(t, err)
		require.Equal(t, flags, gf)
		require.Equal(t, append([]byte("pre"), body...), out)
	}
	exchange(cc, a.w, sc, b.r, FlagMore, []byte("part one"))
	exchange(cc, a.w, sc, b.r, 0, bytes.Repeat([]byte("x"), 70000))
	exchange(sc, b.w, cc, a.r, FlagCommand, AppendPing(nil, 10, []byte("ctx"))[2:])
	exchange(sc, b.w, cc, a.r, 0, nil)

	_, err := cli.Handshake(a.r, a.w, nil)
	require.ErrorIs(t, err, ErrMechanismReused)

	// Clones start afresh: new transient keys, so a new shared key.
	a2, b2 := pipePair(t)
	cli2, srv2 := cli.Clone(), srv.Clone()
	ra, rb = secureBoth(t, a2, b2, HandshakeConfig{SocketType: Dealer, Mechanism: cli2}, HandshakeConfig{SocketType: Router, Mechanism: srv2})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.NotEqual(t, cli.codec.send.subKey, cli2.codec.send.subKey)
	require.Equal(t, cli2.codec.send.subKey, srv2.codec.recv.subKey)
	require.Equal(t, cli2.codec.recv.subKey, srv2.codec.send.subKey)
}

func TestCurveWrongServerKey(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := curvePair(t)
	other, _ := keyPair(t)
	cli.ServerKey = other
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep, Mechanism: srv})
	// The server cannot open HELLO and hangs up; the client learns nothing
	// more than a closed connection.
	require.ErrorIs(t, rb.err, ErrCrypto)
	require.ErrorIs(t, rb.err, &ProtocolError{Code: CodeCryptographic, Err: ErrCrypto})
	require.Contains(t, rb.err.Error(), "client does not use our public key")
	require.ErrorIs(t, ra.err, io.ErrUnexpectedEOF)
	require.ErrorIs(t, ra.err, ErrServerHungUp)
	require.Contains(t, ra.err.Error(), "wrong server key")
	require.Nil(t, cli.Codec())
	require.Nil(t, srv.Codec())
}

// A WELCOME that another server made for our transient key (here: one holding
// a different key pair, as if the client had been given the wrong server key
// and the HELLO had reached it anyway) gives the client a clear error.
func TestCurveWelcomeFromWrongServer(t *testing.T) {
	cli, _ := curvePair(t)
	var cs curveClientState
	require.NoError(t, cs.init(cli))
	_, err := cs.hello(nil)
	require.NoError(t, err)
	otherPub, otherSec := keyPair(t)
	ss := curveServerState{m: &CurveServer{PublicKey: otherPub, SecretKey: otherSec}, clientT: cs.pub}
	box.Precompute(&ss.helloKey, &ss.clientT, &otherSec)
	welcome, err := ss.welcome(nil)
	require.NoError(t, err)
	err = cs.onWelcome(welcome[2+8:])
	require.ErrorIs(t, err, &ProtocolError{Code: CodeCryptographic, Err: ErrCrypto})
	require.Contains(t, err.Error(), "server's public key is not the one configured")
}

func TestCurveMechanismMismatch(t *testing.T) {
	a, b := pipePair(t)
	cli, _ := curvePair(t)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep, Mechanism: &PlainServer{}})
	require.ErrorIs(t, ra.err, ErrMechanismMismatch)
	require.ErrorIs(t, rb.err, ErrMechanismMismatch)
}

func TestCurveRefused(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := curvePair(t)
	srv.Authenticate = func(Credentials) (AuthReply, error) {
		return AuthReply{}, &AuthError{Status: "400", Text: "unknown key"}
	}
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep, Mechanism: srv})
	var pe *PeerError
	require.ErrorAs(t, ra.err, &pe)
	require.Equal(t, "400", pe.Reason)
	require.ErrorIs(t, rb.err, ErrAuthRefused)
}

// curveSteps runs a handshake step by step in memory and returns every
// command frame as sent, with the states at the end.
type curveSteps struct {
	cs                       curveClientState
	ss                       curveServerState
	hello, welcome, initiate []byte
	ready                    []byte
	md                       Metadata
}

func runCurveSteps(t testing.TB, local Metadata) *curveSteps {
	t.Helper()
	cli, srv := curvePair(t)
	s := &curveSteps{ss: curveServerState{m: srv}}
	require.NoError(t, s.cs.init(cli))
	var err error
	s.hello, err = s.cs.hello(nil)
	require.NoError(t, err)
	require.NoError(t, s.ss.onHello(s.hello[2+6:]))
	s.welcome, err = s.ss.welcome(nil)
	require.NoError(t, err)
	require.NoError(t, s.cs.onWelcome(s.welcome[2+8:]))
	s.initiate, err = s.cs.initiate(nil, local.Append(nil))
	require.NoError(t, err)
	_, md, err := s.ss.onInitiate(cmdData(t, s.initiate))
	require.NoError(t, err)
	s.md, err = ParseMetadata(md)
	require.NoError(t, err)
	s.ready = s.ss.ready(nil, local)
	_, err = s.cs.onReady(cmdData(t, s.ready))
	require.NoError(t, err)
	return s
}

// cmdData returns the data of the command in a whole command frame.
func cmdData(t testing.TB, frame []byte) []byte {
	t.Helper()
	flags, size, n, err := ConsumeFrameHeader(frame)
	require.NoError(t, err)
	require.NotZero(t, flags&FlagCommand)
	require.Equal(t, int(size), len(frame)-n)
	cmd, err := ParseCommand(frame[n:])
	require.NoError(t, err)
	return cmd.Data
}

func TestCurveCommandLayouts(t *testing.T) {
	md := Metadata{{PropSocketType, []byte("DEALER")}}
	s := runCurveSteps(t, md)

	// HELLO: 200 bytes, version 1.0, 72 bytes of zero padding, C', nonce 1.
	h := s.hello
	require.Len(t, h, 2+200)
	require.Equal(t, []byte{0x04, 0xC8}, h[:2])
	h = h[2:]
	require.Equal(t, "\x05HELLO", string(h[:6]))
	require.Equal(t, []byte{1, 0}, h[6:8])
	require.Equal(t, make([]byte, 72), h[8:80])
	require.Equal(t, s.cs.pub[:], h[80:112])
	require.Equal(t, uint64(1), binary.BigEndian.Uint64(h[112:120]))

	// WELCOME: 168 bytes.
	require.Len(t, s.welcome, 2+168)
	require.Equal(t, []byte{0x04, 0xA8}, s.welcome[:2])
	require.Equal(t, "\x07WELCOME", string(s.welcome[2:10]))

	// INITIATE: 257 + metadata, a long command frame, nonce 2, cookie as sent.
	mdSize := md.Size()
	require.Len(t, s.initiate, 9+257+mdSize)
	require.Equal(t, byte(0x06), s.initiate[0])
	require.Equal(t, uint64(257+mdSize), binary.BigEndian.Uint64(s.initiate[1:9]))
	i := s.initiate[9:]
	require.Equal(t, "\x08INITIATE", string(i[:9]))
	require.Equal(t, s.cs.cookie[:], i[9:105])
	require.Equal(t, uint64(2), binary.BigEndian.Uint64(i[105:113]))
	require.Equal(t, md, s.md)

	// READY: 30 + metadata, server nonce 1.
	require.Len(t, s.ready, 2+30+mdSize)
	require.Equal(t, "\x05READY", string(s.ready[2:8]))
	require.Equal(t, uint64(1), binary.BigEndian.Uint64(s.ready[8:16]))

	// MESSAGE: 33 + body in a data frame, client nonces from 3, server's from 2.
	cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
	sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
	m, err := cc.Seal(nil, FlagMore, []byte("hi"))
	require.NoError(t, err)
	require.Equal(t, []byte{0x00, 35}, m[:2])
	require.Equal(t, "\x07MESSAGE", string(m[2:10]))
	require.Equal(t, uint64(3), binary.BigEndian.Uint64(m[10:18]))
	m, err = sc.Seal(nil, 0, make([]byte, 300))
	require.NoError(t, err)
	require.Equal(t, byte(0x02), m[0], "long data frame, never COMMAND or MORE outside")
	require.Equal(t, uint64(2), binary.BigEndian.Uint64(m[9+8:9+16]))

	// The inner flags byte uses libzmq's bits: 0x01 MORE, 0x02 COMMAND.
	m, err = cc.Seal(nil, FlagCommand, []byte("\x04PING\x00\x00"))
	require.NoError(t, err)
	n := shortNonce(nonceMsgC, 4)
	pt, ok := box.OpenAfterPrecomputation(nil, m[18:], &n, &s.ss.shared)
	require.True(t, ok)
	require.Equal(t, byte(0x02), pt[0])
}

func TestCurveCodecNoAllocs(t *testing.T) {
	s := runCurveSteps(t, nil)
	cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
	sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
	body := make([]byte, 1024)
	frame := make([]byte, 0, 2048)
	out := make([]byte, 0, 2048)
	allocs := avgAllocs(200, func() {
		var err error
		frame, err = cc.Seal(frame[:0], FlagMore, body)
		if err != nil {
			panic(err)
		}
		_, _, n, _ := ConsumeFrameHeader(frame)
		_, out, err = sc.Open(out[:0], frame[n:])
		if err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
	require.Equal(t, body, out)
}

func benchmarkCurve(b *testing.B, size int) {
	s := runCurveSteps(b, nil)
	cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
	sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
	body := make([]byte, size)
	frame := make([]byte, 0, size+64)
	out := make([]byte, 0, size+64)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		frame, _ = cc.Seal(frame[:0], 0, body)
		_, _, n, _ := ConsumeFrameHeader(frame)
		var err error
		if _, out, err = sc.Open(out[:0], frame[n:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCurveSealOpen measures one frame sealed by one side and opened by
// the other.
func BenchmarkCurveSealOpen(b *testing.B) {
	for _, size := range []int{16, 1024, 65536} {
		b.Run(byteSize(size), func(b *testing.B) { benchmarkCurve(b, size) })
	}
}

func byteSize(n int) string { return strconv.Itoa(n) + "B" }
