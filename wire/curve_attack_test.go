package wire

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Tests of what a CURVE peer refuses: replays, foreign cookies, unproven
// keys, malformed and oversized commands.

func TestCurveNonceReplay(t *testing.T) {
	s := runCurveSteps(t, nil)
	cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
	sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
	m1, _ := cc.Seal(nil, 0, []byte("one"))
	m2, _ := cc.Seal(nil, 0, []byte("two"))
	m1, m2 = m1[2:], m2[2:]

	_, _, err := sc.Open(nil, m2)
	require.NoError(t, err)
	// A lower nonce is refused, though the box is genuine.
	_, out, err := sc.Open([]byte("keep"), m1)
	require.ErrorIs(t, err, &ProtocolError{Code: CodeInvalidSequence, Err: ErrNonce})
	require.Equal(t, []byte("keep"), out)
	// The same message twice is refused.
	_, _, err = sc.Open(nil, m2)
	require.ErrorIs(t, err, ErrNonce)

	// A tampered box does not open, and does not move the counter.
	m3, _ := cc.Seal(nil, 0, []byte("three"))
	m3 = m3[2:]
	bad := bytes.Clone(m3)
	bad[len(bad)-1] ^= 1
	_, _, err = sc.Open(nil, bad)
	require.ErrorIs(t, err, &ProtocolError{Code: CodeCryptographic, Err: ErrCrypto})
	_, got, err := sc.Open(nil, m3)
	require.NoError(t, err)
	require.Equal(t, "three", string(got))

	// A server's message is not taken for a client's (the nonce prefixes
	// differ), even with a nonce that would be accepted.
	other := newCurveCodec(&s.ss.shared, true, 100, 0)
	ms, _ := other.Seal(nil, 0, []byte("s"))
	_, _, err = sc.Open(nil, ms[2:])
	require.ErrorIs(t, err, ErrCrypto)

	// Not a MESSAGE, or too short.
	_, _, err = sc.Open(nil, []byte("\x05READY"))
	require.ErrorIs(t, err, ErrUnexpectedCommand)
	_, _, err = sc.Open(nil, m3[:32])
	require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandMessage, Err: ErrMalformedCommand})
}

func TestCurveHandshakeNonces(t *testing.T) {
	// INITIATE must carry a nonce above HELLO's.
	cli, srv := curvePair(t)
	var cs curveClientState
	require.NoError(t, cs.init(cli))
	hello, _ := cs.hello(nil)
	ss := curveServerState{m: srv}
	require.NoError(t, ss.onHello(hello[2+6:]))
	welcome, _ := ss.welcome(nil)
	require.NoError(t, cs.onWelcome(welcome[2+8:]))
	cs.nonce = 1
	initiate, _ := cs.initiate(nil, nil)
	_, _, err := ss.onInitiate(cmdData(t, initiate))
	require.ErrorIs(t, err, &ProtocolError{Code: CodeInvalidSequence, Err: ErrNonce})
}

func TestCurveCookieFromAnotherConnection(t *testing.T) {
	cli, srv := curvePair(t)
	start := func() (curveClientState, curveServerState) {
		var cs curveClientState
		require.NoError(t, cs.init(cli))
		hello, _ := cs.hello(nil)
		ss := curveServerState{m: srv}
		require.NoError(t, ss.onHello(hello[2+6:]))
		welcome, _ := ss.welcome(nil)
		require.NoError(t, cs.onWelcome(welcome[2+8:]))
		return cs, ss
	}
	cs1, ss1 := start()
	cs2, _ := start()
	// Connection 1's client presents connection 2's cookie to server 1.
	cs1.cookie = cs2.cookie
	initiate, _ := cs1.initiate(nil, nil)
	_, _, err := ss1.onInitiate(cmdData(t, initiate))
	require.ErrorIs(t, err, &ProtocolError{Code: CodeCryptographic, Err: ErrCrypto})
	require.Contains(t, err.Error(), "cookie")

	// The whole INITIATE of connection 2 replayed on connection 1 fails too.
	cs1b, ss1b := start()
	_ = cs1b
	cs2b, _ := start()
	init2, _ := cs2b.initiate(nil, nil)
	_, _, err = ss1b.onInitiate(cmdData(t, init2))
	require.ErrorIs(t, err, ErrCrypto)
}

func TestCurveVouchMustProveKey(t *testing.T) {
	// A client claiming a public key whose secret it does not hold.
	cli, srv := curvePair(t)
	stolen, _ := keyPair(t)
	cli.PublicKey = stolen
	var cs curveClientState
	require.NoError(t, cs.init(cli))
	hello, _ := cs.hello(nil)
	ss := curveServerState{m: srv}
	require.NoError(t, ss.onHello(hello[2+6:]))
	welcome, _ := ss.welcome(nil)
	require.NoError(t, cs.onWelcome(welcome[2+8:]))
	initiate, _ := cs.initiate(nil, nil)
	_, _, err := ss.onInitiate(cmdData(t, initiate))
	require.ErrorIs(t, err, ErrCrypto)
	require.Contains(t, err.Error(), "vouch")
}

func TestCurveMalformedSizes(t *testing.T) {
	s := runCurveSteps(t, nil)
	hello := s.hello[2+6:]
	for _, data := range [][]byte{hello[:len(hello)-1], append(bytes.Clone(hello), 0), nil} {
		ss := curveServerState{m: s.ss.m}
		err := ss.onHello(data)
		require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandHello, Err: ErrMalformedCommand})
		require.Contains(t, err.Error(), "want 200")
	}
	badVersion := bytes.Clone(hello)
	badVersion[0] = 2
	ss := curveServerState{m: s.ss.m}
	require.ErrorIs(t, ss.onHello(badVersion), ErrMalformedCommand)

	welcome := s.welcome[2+8:]
	cs := s.cs
	require.ErrorIs(t, cs.onWelcome(welcome[:len(welcome)-1]), &ProtocolError{Code: CodeMalformedCommandWelcome, Err: ErrMalformedCommand})
	_, _, err := ss.onInitiate(make([]byte, 247))
	require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandInitiate, Err: ErrMalformedCommand})
	_, err = cs.onReady(make([]byte, 23))
	require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandReady, Err: ErrMalformedCommand})
}

// A raw client that sends a valid HELLO and then announces a huge INITIATE:
// the server refuses it from the frame header, with bounded memory, when the
// Reader has a frame limit (the socket's MaxMsgSize).
func TestCurveHugeInitiateRefused(t *testing.T) {
	cli, srv := curvePair(t)
	ca, cb := net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	r := NewReader(pump(cb), 0)
	r.SetMaxFrame(64 << 10)
	w := NewWriter(cb, 0)

	clientDone := make(chan error, 1)
	go func() {
		defer ca.Close()
		var cs curveClientState
		if err := cs.init(cli); err != nil {
			clientDone <- err
			return
		}
		cr := NewReader(pump(ca), 0)
		out := Greeting{Major: 3, Minor: 1, Mechanism: "CURVE"}.Append(nil)
		hello, _ := cs.hello(nil)
		if _, err := ca.Write(append(out, hello...)); err != nil {
			clientDone <- err
			return
		}
		if _, err := cr.ReadGreeting(); err != nil {
			clientDone <- err
			return
		}
		_, _, err := cr.ReadFrame() // WELCOME
		if err != nil {
			clientDone <- err
			return
		}
		hdr := AppendFrameHeader(nil, FlagCommand, 1<<30)
		hdr = append(hdr, 8)
		hdr = append(hdr, "INITIATE"...)
		_, err = ca.Write(hdr)
		clientDone <- err
	}()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Handshake(r, w, HandshakeConfig{SocketType: Rep, Mechanism: srv})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrFrameTooLarge)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "memory stays bounded")
	cb.Close()
	<-clientDone
}

// rawCurveClient drives the client side of a CURVE handshake by hand over c,
// sending md as the INITIATE metadata bytes, and returns the server's answer
// to INITIATE (nil if the server closed).
func rawCurveClient(c net.Conn, cli *CurveClient, md []byte) (Command, error) {
	defer c.Close()
	var cs curveClientState
	if err := cs.init(cli); err != nil {
		return Command{}, err
	}
	r := NewReader(pump(c), 0)
	out := Greeting{Major: 3, Minor: 1, Mechanism: "CURVE"}.Append(nil)
	hello, _ := cs.hello(nil)
	if _, err := c.Write(append(out, hello...)); err != nil {
		return Command{}, err
	}
	if _, err := r.ReadGreeting(); err != nil {
		return Command{}, err
	}
	cmd, err := readHandshakeCommand(r)
	if err != nil {
		return Command{}, err
	}
	if err := cs.onWelcome(cmd.Data); err != nil {
		return Command{}, err
	}
	initiate, err := cs.initiate(nil, md)
	if err != nil {
		return Command{}, err
	}
	if _, err := c.Write(initiate); err != nil {
		return Command{}, err
	}
	return readHandshakeCommand(r)
}

// Metadata that does not parse inside a genuine INITIATE is refused.
func TestCurveInitiateBadMetadata(t *testing.T) {
	cli, srv := curvePair(t)
	ca, cb := net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	bad := Metadata{{PropSocketType, []byte("REQ")}}.Append(nil)
	bad[len(bad)-4] = 0xFF // a value length that runs past the end
	done := make(chan error, 1)
	go func() {
		_, err := rawCurveClient(ca, cli, bad)
		done <- err
	}()
	_, err := Handshake(NewReader(pump(cb), 0), NewWriter(cb, 0), HandshakeConfig{SocketType: Rep, Mechanism: srv})
	require.ErrorIs(t, err, &ProtocolError{Code: CodeInvalidMetadata, Err: ErrInvalidMetadata})
	require.Nil(t, srv.Codec())
	cb.Close()
	require.Error(t, <-done, "the server sent no READY")
}

func TestCurveErrorsHoldNoSecrets(t *testing.T) {
	cli, srv := curvePair(t)
	var cs curveClientState
	require.NoError(t, cs.init(cli))
	hello, _ := cs.hello(nil)
	ss := curveServerState{m: srv}
	require.NoError(t, ss.onHello(hello[2+6:]))
	welcome, _ := ss.welcome(nil)
	secrets := [][]byte{cli.SecretKey[:], srv.SecretKey[:], ss.sec.raw[:], ss.cookieKey[:], cs.sec.raw[:]}
	var errs []error
	corrupt := bytes.Clone(welcome[2+8:])
	corrupt[20] ^= 1
	errs = append(errs, cs.onWelcome(corrupt))
	require.NoError(t, cs.onWelcome(welcome[2+8:]))
	initiate, _ := cs.initiate(nil, nil)
	d := cmdData(t, initiate)
	d[0] ^= 1
	_, _, err := ss.onInitiate(d)
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		msg := err.Error()
		for _, s := range secrets {
			require.False(t, strings.Contains(msg, string(s)))
			require.NotContains(t, msg, strings.ToLower(strings.TrimSpace(string(s))))
		}
	}
}

func TestMechanismsPrintNoSecrets(t *testing.T) {
	cli, srv := curvePair(t)
	pc := &PlainClient{Username: []byte("admin"), Password: []byte("hunter2")}
	for _, v := range []any{cli, *cli, srv, *srv, pc, *pc} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			require.NotContains(t, s, "hunter2")
			require.NotContains(t, s, fmt.Sprint(cli.SecretKey))
			require.NotContains(t, s, fmt.Sprintf("%x", cli.SecretKey))
			require.NotContains(t, s, fmt.Sprint(srv.SecretKey))
			require.NotContains(t, s, fmt.Sprintf("%x", srv.SecretKey))
			require.Contains(t, s, "redacted")
		}
	}
}
