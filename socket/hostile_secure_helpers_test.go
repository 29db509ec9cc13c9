package socket_test

// Machinery of the hostile tests against secured sockets: a socket of ours with a
// PLAIN or CURVE server mechanism, a healthy client of ours that keeps exchanging
// messages with it, and a raw CURVE client that speaks the handshake byte by byte
// (RFC 26, with golang.org/x/crypto), so that a test can replay, forge or truncate any
// step of it.

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/nacl/box"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

// hstSecEnv is a secured PULL of ours bound on tcp, with a healthy PUSH client.
type hstSecEnv struct {
	*hstServer
	mech       string     // "CURVE" or "PLAIN"
	serverCert *cert.Cert // CURVE: the server's key pair
	clientCert *cert.Cert // CURVE: the key pair the server accepts
	good       *socket.Socket
	heapBase   uint64
	authCalls  atomic.Int32 // calls of the server's Authenticate
}

// hstSecBind binds a PULL with mech ("CURVE" or "PLAIN") as its server mechanism,
// connects a healthy PUSH client with the right credentials and checks that it gets
// through. The CURVE server accepts only clientCert's key; the PLAIN server only
// admin/secret.
func hstSecBind(t *testing.T, mech string, opts socket.Options) *hstSecEnv {
	t.Helper()
	env := &hstSecEnv{mech: mech}
	var client wire.Mechanism
	switch mech {
	case "CURVE":
		var err error
		env.serverCert, err = cert.New()
		require.NoError(t, err)
		env.clientCert, err = cert.New()
		require.NoError(t, err)
		known := env.clientCert.Public
		opts.Mechanism = &wire.CurveServer{PublicKey: env.serverCert.Public, SecretKey: env.serverCert.Secret,
			Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
				env.authCalls.Add(1)
				if bytes.Equal(c.PublicKey, known[:]) {
					return wire.AuthReply{UserID: "good"}, nil
				}
				return wire.AuthReply{}, &wire.AuthError{Status: "400"}
			}}
		client = &wire.CurveClient{PublicKey: env.clientCert.Public, SecretKey: env.clientCert.Secret, ServerKey: env.serverCert.Public}
	case "PLAIN":
		opts.Mechanism = &wire.PlainServer{Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			env.authCalls.Add(1)
			if string(c.Username) == "admin" && string(c.Password) == "secret" {
				return wire.AuthReply{UserID: "good"}, nil
			}
			return wire.AuthReply{}, &wire.AuthError{Status: "400"}
		}}
		client = &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")}
	default:
		t.Fatalf("unknown mechanism %q", mech)
	}
	env.hstServer = hstBind(t, socket.Pull, opts)
	good, err := socket.New(socket.Push, socket.Options{Linger: -1, Mechanism: client})
	require.NoError(t, err)
	t.Cleanup(func() { good.Close() })
	require.NoError(t, good.Connect(env.ep))
	env.good = good
	env.roundTrip(t, "before")
	runtime.GC()
	env.heapBase = hstHeapAlloc()
	return env
}

// roundTrip checks that the healthy client's message arrives, with its User-Id.
func (env *hstSecEnv) roundTrip(t *testing.T, tag string) {
	t.Helper()
	require.NoError(t, env.good.Send(hstCtx(t), socket.NewMsgString("good", tag)), "send %s", tag)
	m, err := env.s.Recv(hstCtx(t))
	require.NoError(t, err, "recv %s", tag)
	require.Equal(t, [][]byte{[]byte("good"), []byte(tag)}, m.Frames, "recv %s", tag)
	uid, _ := m.Properties().Get(wire.PropUserID)
	require.Equal(t, "good", uid, "a message of the healthy client")
}

// failed waits for the handshake of the attacker's connection c to fail with an event
// of type typ whose error matches want, and returns it.
func (env *hstSecEnv) failed(t *testing.T, c net.Conn, typ socket.EventType, want error) socket.Event {
	t.Helper()
	e := env.mon.wait(t, typ.String(), func(e socket.Event) bool {
		return e.Remote == c.LocalAddr().String() && e.Type != socket.EventAccepted
	})
	require.Equal(t, typ, e.Type, "event %v: %v", e, e.Err)
	if want != nil {
		require.ErrorIs(t, e.Err, want, "event %v", e)
	}
	return e
}

// finish checks what every hostile case must leave: bounded memory, the healthy client
// still served, no message of the attacker's delivered, and (once all is closed) no
// goroutine left.
func (env *hstSecEnv) finish(t *testing.T, leaks func()) {
	t.Helper()
	const limit = 16 << 20
	peak := hstHeapAlloc()
	require.Less(t, int64(peak)-int64(env.heapBase), int64(limit), "heap grew by %d KiB", (int64(peak)-int64(env.heapBase))>>10)
	env.roundTrip(t, "after")
	hstNothingReady(t, env.s)
	env.good.Close()
	env.s.Close()
	leaks()
}

// rawCurve is the client side of a CURVE handshake, done by hand over a raw
// connection.
type rawCurve struct {
	c         net.Conn
	r         *wire.Reader
	perm      *cert.Cert     // the client's permanent key pair
	serverKey cert.PublicKey // the server's permanent public key
	tpub      [32]byte       // C'
	tsec      [32]byte       // c'
	serverT   [32]byte       // S', from WELCOME
	cookie    [96]byte       // from WELCOME
	shared    [32]byte       // Precompute(S', c')
}

// newRawCurve dials the server at addr as a CURVE client with key pair perm, expecting
// server key serverKey, sends a 3.1 CURVE greeting and reads the server's.
func newRawCurve(t *testing.T, addr string, perm *cert.Cert, serverKey cert.PublicKey) *rawCurve {
	t.Helper()
	pub, sec, err := box.GenerateKey(rand.Reader)
	require.NoError(t, err)
	rc := &rawCurve{c: hstDial(t, addr), perm: perm, serverKey: serverKey, tpub: *pub, tsec: *sec}
	rc.r = wire.NewReader(rc.c, 0)
	hstWrite(t, rc.c, hstGreeting("CURVE"))
	require.NoError(t, rc.c.SetReadDeadline(time.Now().Add(hstWait)))
	g, err := rc.r.ReadGreeting()
	require.NoError(t, err)
	require.Equal(t, "CURVE", g.Mechanism)
	return rc
}

func shortNonce(prefix string, n uint64) *[24]byte {
	var nonce [24]byte
	copy(nonce[:], prefix)
	binary.BigEndian.PutUint64(nonce[16:], n)
	return &nonce
}

func longNonce(prefix string, r []byte) *[24]byte {
	var nonce [24]byte
	copy(nonce[:], prefix)
	copy(nonce[8:], r)
	return &nonce
}

// command returns a command frame named name with data.
func command(name string, data ...[]byte) []byte {
	return wire.AppendCommand(nil, name, data...)
}

// hello returns a genuine HELLO frame with short nonce n.
func (rc *rawCurve) hello(n uint64) []byte {
	var sig [64]byte
	serverKey := [32]byte(rc.serverKey)
	data := append([]byte{1, 0}, make([]byte, 72)...)
	data = append(data, rc.tpub[:]...)
	data = binary.BigEndian.AppendUint64(data, n)
	data = box.Seal(data, sig[:], shortNonce("CurveZMQHELLO---", n), &serverKey, &rc.tsec)
	return command("HELLO", data)
}

// readWelcome reads WELCOME and keeps the server's transient key and cookie.
func (rc *rawCurve) readWelcome(t *testing.T) {
	t.Helper()
	name, data := hstReadCommand(t, rc.c, rc.r)
	require.Equal(t, "WELCOME", name)
	require.Len(t, data, 16+144)
	serverKey := [32]byte(rc.serverKey)
	pt, ok := box.Open(nil, data[16:], longNonce("WELCOME-", data[:16]), &serverKey, &rc.tsec)
	require.True(t, ok, "WELCOME does not open")
	copy(rc.serverT[:], pt[:32])
	copy(rc.cookie[:], pt[32:])
	box.Precompute(&rc.shared, &rc.serverT, &rc.tsec)
}

// initiate returns a genuine INITIATE frame with short nonce n carrying metadata bytes
// md (not necessarily valid), with cookie as the cookie.
func (rc *rawCurve) initiate(n uint64, cookie []byte, md []byte) []byte {
	var vnonce [16]byte
	_, _ = rand.Read(vnonce[:])
	secret := [32]byte(rc.perm.Secret)
	vouch := append([]byte(nil), vnonce[:]...)
	vouch = box.Seal(vouch, append(rc.tpub[:], rc.serverKey[:]...), longNonce("VOUCH---", vnonce[:]), &rc.serverT, &secret)
	pt := append(append(append([]byte(nil), rc.perm.Public[:]...), vouch...), md...)
	data := append([]byte(nil), cookie...)
	data = binary.BigEndian.AppendUint64(data, n)
	data = box.SealAfterPrecomputation(data, pt, shortNonce("CurveZMQINITIATE", n), &rc.shared)
	return command("INITIATE", data)
}

// readReady reads READY and checks that it opens.
func (rc *rawCurve) readReady(t *testing.T) {
	t.Helper()
	name, data := hstReadCommand(t, rc.c, rc.r)
	require.Equal(t, wire.CmdReady, name)
	require.Greater(t, len(data), 8)
	n := binary.BigEndian.Uint64(data)
	_, ok := box.OpenAfterPrecomputation(nil, data[8:], shortNonce("CurveZMQREADY---", n), &rc.shared)
	require.True(t, ok, "READY does not open")
}

// pushMetadata is the INITIATE metadata of a PUSH client.
func pushMetadata() []byte {
	return wire.Metadata{{Name: wire.PropSocketType, Value: []byte("PUSH")}}.Append(nil)
}

// handshake runs HELLO (nonce 1), WELCOME, INITIATE (nonce 2) and READY.
func (rc *rawCurve) handshake(t *testing.T) {
	t.Helper()
	hstWrite(t, rc.c, rc.hello(1))
	rc.readWelcome(t)
	hstWrite(t, rc.c, rc.initiate(2, rc.cookie[:], pushMetadata()))
	rc.readReady(t)
}

// message returns a MESSAGE in a data frame, as libzmq sends it, with short nonce n
// carrying one application frame (MORE if more).
func (rc *rawCurve) message(n uint64, more bool, body string) []byte {
	pt := []byte{0}
	if more {
		pt[0] = 1
	}
	pt = append(pt, body...)
	size := 8 + 8 + box.Overhead + len(pt)
	b := wire.AppendFrameHeader(nil, 0, size)
	b = append(b, 7)
	b = append(b, "MESSAGE"...)
	b = binary.BigEndian.AppendUint64(b, n)
	return box.SealAfterPrecomputation(b, pt, shortNonce("CurveZMQMESSAGEC", n), &rc.shared)
}
