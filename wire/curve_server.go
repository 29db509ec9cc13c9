package wire

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"

	"golang.org/x/crypto/nacl/box"
	"golang.org/x/crypto/nacl/secretbox"
)

// CurveServer is the server side of the CURVE mechanism. It knows its own
// permanent key pair. Authenticate decides on the client's proven permanent
// public key before READY; a nil Authenticate accepts every client that
// completes the handshake, as a libzmq CURVE server without a ZAP handler
// does (package socket plugs its ZAP client in when a handler is bound). Use a new value for every connection (Clone a configured one): each
// handshake makes its own transient keys and cookie key.
type CurveServer struct {
	PublicKey    [CurveKeySize]byte // the server's permanent public key
	SecretKey    [CurveKeySize]byte // the server's permanent secret key
	Authenticate Authenticator

	used   bool
	codec  *curveCodec
	creds  Credentials
	reply  AuthReply
	secret *curveSecret // SecretKey prepared for key agreement, shared by clones
}

// Name returns "CURVE".
func (*CurveServer) Name() string { return "CURVE" }

// Clone returns a copy of m's keys and Authenticate without its state, ready
// for a new connection. The copy holds its secret key prepared for the
// handshake's key agreement and passes it on to its own clones, so cloning a
// clone for every connection prepares the key once.
func (m *CurveServer) Clone() *CurveServer {
	c := &CurveServer{PublicKey: m.PublicKey, SecretKey: m.SecretKey, Authenticate: m.Authenticate, secret: m.secret}
	_, _ = prepareSecret(&c.secret, &c.SecretKey) // on error Handshake tries again and reports it
	return c
}

// Codec returns the connection's FrameCodec after a successful Handshake, nil
// before.
func (m *CurveServer) Codec() FrameCodec {
	if m.codec == nil {
		return nil
	}
	return m.codec
}

// Auth returns the client's credentials (its permanent public key) and the
// Authenticator's reply of the last successful Handshake.
func (m *CurveServer) Auth() (Credentials, AuthReply) { return m.creds, m.reply }

// Handshake reads HELLO, sends WELCOME with a cookie, reads INITIATE, checks
// the cookie, the vouch and the metadata, asks Authenticate, and sends READY
// with local (or, on a refusal with status 400 or 500, ERROR). It returns the
// client's metadata. Afterwards Codec protects every frame.
func (m *CurveServer) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if m.used {
		return nil, ErrMechanismReused
	}
	m.used = true
	if err := local.Validate(); err != nil {
		return nil, err
	}
	st := curveServerState{m: m}
	defer st.wipe()
	// The transient key pair does not depend on HELLO: making it while the
	// client makes its own and seals HELLO takes it off the handshake's path.
	if err := st.makeKeys(); err != nil {
		return nil, err
	}
	cmd, err := readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	if !cmd.Is(cmdHello) {
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of CURVE HELLO", cmd.Name)
	}
	if err := st.onHello(cmd.Data); err != nil {
		return nil, err
	}
	welcome, err := st.welcome(make([]byte, 0, 2+curveWelcomeSize))
	if err != nil {
		return nil, err
	}
	if err := writeFlush(w, welcome); err != nil {
		return nil, err
	}
	cmd, err = readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	if !cmd.Is(cmdInitiate) {
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of CURVE INITIATE", cmd.Name)
	}
	clientKey, mdBytes, err := st.onInitiate(cmd.Data)
	if err != nil {
		return nil, err
	}
	md, err := ParseMetadata(mdBytes)
	if err != nil {
		return nil, err
	}
	creds := Credentials{Mechanism: "CURVE", PublicKey: bytes.Clone(clientKey)}
	var reply AuthReply
	if m.Authenticate != nil {
		if reply, err = m.Authenticate(creds); err != nil {
			return nil, refuse(w, err)
		}
	}
	if err := writeFlush(w, st.ready(nil, local)); err != nil {
		return nil, err
	}
	m.codec = newCurveCodec(&st.shared, true, st.nonce, st.peerNonce)
	m.creds, m.reply = creds, reply
	return md, nil
}

// curveServerState is the server's state during one handshake.
type curveServerState struct {
	m         *CurveServer
	clientT   [32]byte     // the client's transient public key C'
	pub       [32]byte     // our transient public key S'
	sec       *curveSecret // our transient secret key s', nil until made
	helloKey  [32]byte     // Precompute(C', s): HELLO's box and WELCOME's
	cookieKey [32]byte     // this connection's cookie key
	shared    [32]byte     // Precompute(C', s')
	nonce     uint64       // next short nonce to send
	peerNonce uint64       // last short nonce received
}

// wipe clears the transient secrets the state holds.
func (st *curveServerState) wipe() {
	st.sec.wipe()
	st.cookieKey, st.shared, st.helloKey = [32]byte{}, [32]byte{}, [32]byte{}
}

// makeKeys makes this connection's transient key pair.
func (st *curveServerState) makeKeys() error {
	sec, pub, err := generateCurveSecret()
	if err != nil {
		return err
	}
	st.sec, st.pub = sec, pub
	return nil
}

// onHello checks a HELLO's data: exact size, version 1.0, and a signature box
// of 64 zero bytes that opens with our permanent secret key.
func (st *curveServerState) onHello(data []byte) error {
	if len(data) != curveHelloSize-1-len(cmdHello) {
		return protoErrf(CodeMalformedCommandHello, ErrMalformedCommand, "CURVE HELLO of %d bytes, want %d", 1+len(cmdHello)+len(data), curveHelloSize)
	}
	if data[0] != 1 || data[1] != 0 {
		return protoErrf(CodeMalformedCommandHello, ErrMalformedCommand, "CURVE HELLO version %d.%d, want 1.0", data[0], data[1])
	}
	data = data[2+curveHelloPadding:]
	copy(st.clientT[:], data[:32])
	nonce := binary.BigEndian.Uint64(data[32:40])
	n := shortNonce(nonceHello, nonce)
	var sig [64]byte
	// The same key seals WELCOME: one scalar multiplication for both boxes.
	perm, err := prepareSecret(&st.m.secret, &st.m.SecretKey)
	if err != nil {
		return err
	}
	if err := perm.precompute(&st.helloKey, &st.clientT); err != nil {
		return err
	}
	if _, ok := box.OpenAfterPrecomputation(sig[:0], data[40:], &n, &st.helloKey); !ok {
		return cryptoErr(CodeCryptographic, "CURVE HELLO does not open: the client does not use our public key")
	}
	var zeros [64]byte
	if subtle.ConstantTimeCompare(sig[:], zeros[:]) != 1 {
		return cryptoErr(CodeCryptographic, "CURVE HELLO signature is not 64 zero bytes")
	}
	st.peerNonce = nonce
	return nil
}

// welcome makes this connection's cookie key (and its transient key pair,
// unless makeKeys did), and appends the WELCOME command frame to b.
func (st *curveServerState) welcome(b []byte) ([]byte, error) {
	if st.sec == nil {
		if err := st.makeKeys(); err != nil {
			return nil, err
		}
	}
	if err := random(st.cookieKey[:]); err != nil {
		return nil, err
	}
	var pt [32 + curveCookieSize]byte
	copy(pt[:32], st.pub[:])
	cookie := pt[32:32]
	var nonces [32]byte
	if err := random(nonces[:]); err != nil {
		return nil, err
	}
	cookie = append(cookie, nonces[:16]...)
	var cpt [64]byte
	copy(cpt[:32], st.clientT[:])
	copy(cpt[32:], st.sec.raw[:])
	cn := longNonce(nonceCookie, nonces[:16])
	secretbox.Seal(cookie, cpt[:], &cn, &st.cookieKey)
	cpt = [64]byte{}

	b = appendCommandHeader(b, cmdWelcome, curveWelcomeSize-1-len(cmdWelcome))
	b = append(b, nonces[16:]...)
	wn := longNonce(nonceWelcome, nonces[16:])
	b = box.SealAfterPrecomputation(b, pt[:], &wn, &st.helloKey)
	st.helloKey = [32]byte{}
	pt = [len(pt)]byte{}
	st.nonce = 1
	return b, nil
}

// onInitiate checks an INITIATE's data: the cookie is ours and names this
// connection's keys, the nonce rises, the box opens, and the vouch proves the
// client's permanent key for this connection and this server. It returns the
// client's permanent public key and the metadata bytes, both fresh copies.
func (st *curveServerState) onInitiate(data []byte) (clientKey, md []byte, err error) {
	if len(data) < curveInitiateMin-1-len(cmdInitiate) {
		return nil, nil, protoErrf(CodeMalformedCommandInitiate, ErrMalformedCommand, "CURVE INITIATE of %d bytes, want at least %d", 1+len(cmdInitiate)+len(data), curveInitiateMin)
	}
	if st.sec == nil {
		return nil, nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "CURVE INITIATE before WELCOME")
	}
	cookie := data[:curveCookieSize]
	cn := longNonce(nonceCookie, cookie[:16])
	var cpt [64]byte
	if _, ok := secretbox.Open(cpt[:0], cookie[16:], &cn, &st.cookieKey); !ok {
		return nil, nil, cryptoErr(CodeCryptographic, "CURVE INITIATE cookie does not open: not issued on this connection")
	}
	var want [64]byte
	copy(want[:32], st.clientT[:])
	copy(want[32:], st.sec.raw[:])
	same := subtle.ConstantTimeCompare(cpt[:], want[:])
	cpt, want = [64]byte{}, [64]byte{}
	if same != 1 {
		return nil, nil, cryptoErr(CodeCryptographic, "CURVE INITIATE cookie does not match this connection")
	}
	// The cookie has served; like libzmq, forget its key.
	st.cookieKey = [32]byte{}

	nonce := binary.BigEndian.Uint64(data[curveCookieSize:])
	if nonce <= st.peerNonce {
		return nil, nil, protoErrf(CodeInvalidSequence, ErrNonce, "CURVE INITIATE nonce %d after %d", nonce, st.peerNonce)
	}
	if err := st.sec.precompute(&st.shared, &st.clientT); err != nil {
		return nil, nil, err
	}
	n := shortNonce(nonceInitiate, nonce)
	pt, ok := box.OpenAfterPrecomputation(nil, data[curveCookieSize+8:], &n, &st.shared)
	if !ok {
		return nil, nil, cryptoErr(CodeCryptographic, "CURVE INITIATE does not open")
	}
	// pt is at least 32 + 96 bytes: the size check above guarantees it.
	clientKey, vouch := pt[:32], pt[32:32+curveVouchSize]
	var client [32]byte
	copy(client[:], clientKey)
	vn := longNonce(nonceVouch, vouch[:16])
	var vpt [64]byte
	var vouchKey [32]byte
	if err := st.sec.precompute(&vouchKey, &client); err != nil {
		return nil, nil, err
	}
	_, ok = box.OpenAfterPrecomputation(vpt[:0], vouch[16:], &vn, &vouchKey)
	vouchKey = [32]byte{}
	if !ok {
		return nil, nil, cryptoErr(CodeCryptographic, "CURVE INITIATE vouch does not open: the client does not hold the key it claims")
	}
	copy(want[:32], st.clientT[:])
	copy(want[32:], st.m.PublicKey[:])
	if subtle.ConstantTimeCompare(vpt[:], want[:]) != 1 {
		return nil, nil, cryptoErr(CodeCryptographic, "CURVE INITIATE vouch is not for this connection and server")
	}
	st.peerNonce = nonce
	return clientKey[:32:32], pt[32+curveVouchSize:], nil
}

// ready appends the READY command frame carrying local to b.
func (st *curveServerState) ready(b []byte, local Metadata) []byte {
	pt := local.Append(make([]byte, 0, local.Size()))
	size := 1 + len(CmdReady) + 8 + box.Overhead + len(pt)
	if b == nil {
		b = make([]byte, 0, FrameHeaderSize(size)+size)
	}
	b = appendCommandHeader(b, CmdReady, size-1-len(CmdReady))
	b = binary.BigEndian.AppendUint64(b, st.nonce)
	n := shortNonce(nonceReady, st.nonce)
	st.nonce++
	return box.SealAfterPrecomputation(b, pt, &n, &st.shared)
}
