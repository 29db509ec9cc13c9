package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"

	"golang.org/x/crypto/nacl/box"
)

// CurveClient is the client side of the CURVE mechanism (25/ZMTP-CURVE,
// 26/CurveZMQ). It knows its own permanent key pair and the server's
// permanent public key. Use a new value for every connection (Clone a
// configured value); a value that has run a handshake refuses another
// (ErrMechanismReused).
type CurveClient struct {
	PublicKey [CurveKeySize]byte // the client's permanent public key
	SecretKey [CurveKeySize]byte // the client's permanent secret key
	ServerKey [CurveKeySize]byte // the server's permanent public key

	used   bool
	codec  *curveCodec
	secret *curveSecret // SecretKey prepared for key agreement, shared by clones
}

// Name returns "CURVE".
func (*CurveClient) Name() string { return "CURVE" }

// Clone returns a copy of m's keys without its state, ready for a new
// connection. The copy holds its secret key prepared for the handshake's key
// agreement and passes it on to its own clones, so cloning a clone for every
// connection prepares the key once.
func (m *CurveClient) Clone() *CurveClient {
	c := &CurveClient{PublicKey: m.PublicKey, SecretKey: m.SecretKey, ServerKey: m.ServerKey, secret: m.secret}
	_, _ = prepareSecret(&c.secret, &c.SecretKey) // on error Handshake tries again and reports it
	return c
}

// Codec returns the connection's FrameCodec after a successful Handshake, nil
// before.
func (m *CurveClient) Codec() FrameCodec {
	if m.codec == nil {
		return nil
	}
	return m.codec
}

// Handshake sends HELLO, reads WELCOME, sends INITIATE (vouch and local
// metadata) and reads READY, returning the server's metadata. A server that
// cannot open HELLO (ServerKey is not its key) hangs up, which is reported
// as ErrServerHungUp (also matching io.ErrUnexpectedEOF); a WELCOME that does not open
// is a *ProtocolError wrapping ErrCrypto; an ERROR from the server is a
// *PeerError. Afterwards Codec protects every frame.
func (m *CurveClient) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if m.used {
		return nil, ErrMechanismReused
	}
	m.used = true
	if err := local.Validate(); err != nil {
		return nil, err
	}
	var st curveClientState
	if err := st.init(m); err != nil {
		return nil, err
	}
	defer st.wipe()
	hello, err := st.hello(make([]byte, 0, 2+curveHelloSize))
	if err != nil {
		return nil, err
	}
	if err := writeFlush(w, hello); err != nil {
		return nil, err
	}
	cmd, err := readHandshakeCommand(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			// A server that cannot open HELLO hangs up without a word.
			return nil, fmt.Errorf("%w: %w", ErrServerHungUp, err)
		}
		return nil, err
	}
	switch {
	case cmd.Is(CmdError):
		return nil, peerError(cmd)
	case !cmd.Is(cmdWelcome):
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of CURVE WELCOME", cmd.Name)
	}
	if err := st.onWelcome(cmd.Data); err != nil {
		return nil, err
	}
	initiate, err := st.initiate(nil, local.Append(make([]byte, 0, local.Size())))
	if err != nil {
		return nil, err
	}
	if err := writeFlush(w, initiate); err != nil {
		return nil, err
	}
	cmd, err = readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Is(CmdError):
		return nil, peerError(cmd)
	case !cmd.Is(CmdReady):
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of CURVE READY", cmd.Name)
	}
	md, err := st.onReady(cmd.Data)
	if err != nil {
		return nil, err
	}
	m.codec = newCurveCodec(&st.shared, false, st.nonce, st.peerNonce)
	return md, nil
}

// curveClientState is the client's state during one handshake.
type curveClientState struct {
	m         *CurveClient
	pub       [32]byte     // our transient public key C'
	sec       *curveSecret // our transient secret key c'
	serverT   [32]byte     // the server's transient public key S'
	helloKey  [32]byte     // Precompute(S, c'): HELLO's box and WELCOME's
	cookie    [curveCookieSize]byte
	shared    [32]byte // Precompute(S', c')
	nonce     uint64   // next short nonce to send
	peerNonce uint64   // last short nonce received
}

func (st *curveClientState) init(m *CurveClient) error {
	st.m, st.nonce = m, 1
	if _, err := prepareSecret(&m.secret, &m.SecretKey); err != nil {
		return err
	}
	sec, pub, err := generateCurveSecret()
	if err != nil {
		return err
	}
	st.sec, st.pub = sec, pub
	return nil
}

// wipe clears the transient secrets the state holds.
func (st *curveClientState) wipe() {
	st.sec.wipe()
	st.shared, st.helloKey = [32]byte{}, [32]byte{}
}

// hello appends the HELLO command frame to b.
func (st *curveClientState) hello(b []byte) ([]byte, error) {
	b = appendCommandHeader(b, cmdHello, curveHelloSize-1-len(cmdHello))
	b = append(b, 1, 0)
	b = append(b, make([]byte, curveHelloPadding)...)
	b = append(b, st.pub[:]...)
	b = binary.BigEndian.AppendUint64(b, st.nonce)
	n := shortNonce(nonceHello, st.nonce)
	st.nonce++
	var zeros [64]byte
	// The same key opens WELCOME: one scalar multiplication for both boxes.
	if err := st.sec.precompute(&st.helloKey, &st.m.ServerKey); err != nil {
		return nil, err
	}
	return box.SealAfterPrecomputation(b, zeros[:], &n, &st.helloKey), nil
}

// onWelcome checks a WELCOME's data and keeps the server's transient key and
// cookie.
func (st *curveClientState) onWelcome(data []byte) error {
	if len(data) != curveWelcomeSize-1-len(cmdWelcome) {
		return protoErrf(CodeMalformedCommandWelcome, ErrMalformedCommand, "CURVE WELCOME of %d bytes, want %d", 1+len(cmdWelcome)+len(data), curveWelcomeSize)
	}
	n := longNonce(nonceWelcome, data[:16])
	var pt [32 + curveCookieSize]byte
	if _, ok := box.OpenAfterPrecomputation(pt[:0], data[16:], &n, &st.helloKey); !ok {
		return cryptoErr(CodeCryptographic, "CURVE WELCOME does not open: the server's public key is not the one configured")
	}
	st.helloKey = [32]byte{}
	copy(st.serverT[:], pt[:32])
	copy(st.cookie[:], pt[32:])
	return st.sec.precompute(&st.shared, &st.serverT)
}

// initiate appends the INITIATE command frame carrying the vouch and the
// encoded metadata md to b.
func (st *curveClientState) initiate(b []byte, md []byte) ([]byte, error) {
	var vouch [curveVouchSize]byte
	if err := random(vouch[:16]); err != nil {
		return nil, err
	}
	var vpt [64]byte
	copy(vpt[:32], st.pub[:])
	copy(vpt[32:], st.m.ServerKey[:])
	vn := longNonce(nonceVouch, vouch[:16])
	var vouchKey [32]byte
	if err := st.m.secret.precompute(&vouchKey, &st.serverT); err != nil {
		return nil, err
	}
	box.SealAfterPrecomputation(vouch[:16], vpt[:], &vn, &vouchKey)
	vouchKey = [32]byte{}

	pt := make([]byte, 0, 32+curveVouchSize+len(md))
	pt = append(pt, st.m.PublicKey[:]...)
	pt = append(pt, vouch[:]...)
	pt = append(pt, md...)

	size := 1 + len(cmdInitiate) + curveCookieSize + 8 + box.Overhead + len(pt)
	if b == nil {
		b = make([]byte, 0, FrameHeaderSize(size)+size)
	}
	b = appendCommandHeader(b, cmdInitiate, size-1-len(cmdInitiate))
	b = append(b, st.cookie[:]...)
	b = binary.BigEndian.AppendUint64(b, st.nonce)
	n := shortNonce(nonceInitiate, st.nonce)
	st.nonce++
	return box.SealAfterPrecomputation(b, pt, &n, &st.shared), nil
}

// onReady checks a READY's data and returns the server's metadata.
func (st *curveClientState) onReady(data []byte) (Metadata, error) {
	if len(data) < curveReadyMin-1-len(CmdReady) {
		return nil, protoErrf(CodeMalformedCommandReady, ErrMalformedCommand, "CURVE READY of %d bytes, want at least %d", 1+len(CmdReady)+len(data), curveReadyMin)
	}
	nonce := binary.BigEndian.Uint64(data)
	if nonce == 0 {
		return nil, protoErr(CodeInvalidSequence, ErrNonce, "CURVE READY with nonce 0")
	}
	n := shortNonce(nonceReady, nonce)
	pt, ok := box.OpenAfterPrecomputation(nil, data[8:], &n, &st.shared)
	if !ok {
		return nil, cryptoErr(CodeCryptographic, "CURVE READY does not open")
	}
	st.peerNonce = nonce
	return ParseMetadata(pt)
}
