//go:build cgo

package interop

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// These tests drive libzmq's PLAIN and CURVE, in both roles, from a raw
// connection that runs our wire greeting and mechanisms, and move messages
// through the result: byte compatibility before any socket uses them.

// secureConn is one raw connection after a secure handshake.
type secureConn struct {
	c     net.Conn
	r     *wire.Reader
	w     *wire.Writer
	peer  wire.Peer
	codec wire.FrameCodec // nil for PLAIN
}

// secureHandshake runs wire.Handshake over c with mech, under a deadline.
func secureHandshake(t *testing.T, c net.Conn, typ socket.Type, mech wire.Mechanism) (*secureConn, error) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(wait)))
	sc := &secureConn{c: c, r: wire.NewReader(c, 0), w: wire.NewWriter(c, 0)}
	sc.r.SetMaxFrame(1 << 20)
	var err error
	sc.peer, err = wire.Handshake(sc.r, sc.w, wire.HandshakeConfig{SocketType: typ, Mechanism: mech})
	if err != nil {
		return nil, err
	}
	if cm, ok := mech.(wire.CodecMechanism); ok {
		sc.codec = cm.Codec()
		require.NotNil(t, sc.codec)
	}
	return sc, nil
}

// send sends one frame (through the codec if there is one) and flushes it.
func (sc *secureConn) send(t *testing.T, flags byte, body []byte) {
	t.Helper()
	if sc.codec != nil {
		frame, err := sc.codec.Seal(nil, flags, body)
		require.NoError(t, err)
		require.NoError(t, sc.w.WriteRaw(frame))
	} else {
		require.NoError(t, sc.w.WriteFrame(flags, body))
	}
	require.NoError(t, sc.w.Flush())
}

// sendMsg sends the frames of one message.
func (sc *secureConn) sendMsg(t *testing.T, frames ...string) {
	t.Helper()
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags = wire.FlagMore
		}
		sc.send(t, flags, []byte(f))
	}
}

// recv reads one frame and opens it with the codec if there is one.
func (sc *secureConn) recv(t *testing.T) (flags byte, body []byte) {
	t.Helper()
	require.NoError(t, sc.c.SetReadDeadline(time.Now().Add(wait)))
	f, b, err := sc.r.ReadFrame()
	require.NoError(t, err)
	if sc.codec == nil {
		return f, append([]byte(nil), b...)
	}
	require.Zero(t, f, "libzmq sends CURVE MESSAGEs in plain data frames (gotcha 4)")
	f, out, err := sc.codec.Open(nil, b)
	require.NoError(t, err)
	return f, out
}

// recvMsg reads one data message, skipping commands (such as PING).
func (sc *secureConn) recvMsg(t *testing.T) []string {
	t.Helper()
	var msg []string
	for {
		f, b := sc.recv(t)
		if f&wire.FlagCommand != 0 {
			continue
		}
		msg = append(msg, string(b))
		if f&wire.FlagMore == 0 {
			return msg
		}
	}
}

// curveKeys returns a fresh key pair made by our cert package.
func curveKeys(t *testing.T) (cert.PublicKey, cert.SecretKey) {
	t.Helper()
	pub, sec, err := cert.GenerateKeyPair()
	require.NoError(t, err)
	return pub, sec
}

// TestCurveClientAgainstLibzmq: our raw CURVE client, as a DEALER, talks to a
// libzmq CURVE ROUTER configured with Z85 keys from our cert package. Messages
// go both ways, and commands travel inside MESSAGE with the COMMAND bit: a
// PING from us draws libzmq's PONG, and libzmq's own heartbeat PINGs arrive.
func TestCurveClientAgainstLibzmq(t *testing.T) {
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	router := newLZ(t, socket.Router,
		func(s *zmq.Socket) error { return s.SetCurveServer(1) },
		func(s *zmq.Socket) error { return s.SetCurveSecretkey(ssec.Z85()) },
		func(s *zmq.Socket) error { return s.SetHeartbeatIvl(50 * time.Millisecond) })
	ep := router.Bind(t, "tcp")

	sc, err := secureHandshake(t, rawDial(t, ep), socket.Dealer, &wire.CurveClient{
		PublicKey: cpub, SecretKey: csec, ServerKey: spub,
	})
	require.NoError(t, err)
	require.Equal(t, wire.Router, sc.peer.SocketType)

	sc.sendMsg(t, "hello", "curve")
	got := router.Recv(t)
	require.Len(t, got, 3)
	require.Equal(t, []string{"hello", "curve"}, str(got[1:]))

	router.SendBytes(t, got[0], []byte("world"), []byte("2"))
	require.Equal(t, []string{"world", "2"}, sc.recvMsg(t))

	// A PING from us, inside a MESSAGE with the COMMAND bit, draws a PONG with
	// our context; libzmq's own PINGs arrive the same way.
	sc.send(t, wire.FlagCommand, wire.AppendPing(nil, 0, []byte("ctx"))[2:])
	var pong, ping bool
	for !pong || !ping {
		f, b := sc.recv(t)
		require.Equal(t, wire.FlagCommand, f, "only commands are due")
		cmd, err := wire.ParseCommand(b)
		require.NoError(t, err)
		switch {
		case cmd.Is(wire.CmdPong):
			require.Equal(t, "ctx", string(cmd.Data))
			pong = true
		case cmd.Is(wire.CmdPing):
			ping = true
		}
	}

	// A large frame, in a long MESSAGE.
	big := strings.Repeat("x", 100000)
	sc.sendMsg(t, big)
	got = router.Recv(t)
	require.Equal(t, big, string(got[1]))
}

// TestCurveClientWrongServerKeyAgainstLibzmq: libzmq cannot open the HELLO of
// a client that uses the wrong server key, and hangs up.
func TestCurveClientWrongServerKeyAgainstLibzmq(t *testing.T) {
	_, ssec := curveKeys(t)
	other, _ := curveKeys(t)
	cpub, csec := curveKeys(t)
	router := newLZ(t, socket.Router,
		func(s *zmq.Socket) error { return s.SetCurveServer(1) },
		func(s *zmq.Socket) error { return s.SetCurveSecretkey(ssec.Z85()) })
	ep := router.Bind(t, "tcp")
	_, err := secureHandshake(t, rawDial(t, ep), socket.Dealer, &wire.CurveClient{
		PublicKey: cpub, SecretKey: csec, ServerKey: other,
	})
	require.ErrorIs(t, err, wire.ErrServerHungUp)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "libzmq closes at once, no timeout: %v", err)
}

// TestCurveClientRefusedByLibzmq: a libzmq CURVE server whose ZAP handler
// (pebbe's) does not know our client's key answers INITIATE with ERROR "400";
// one that knows it lets the handshake through.
func TestCurveClientRefusedByLibzmq(t *testing.T) {
	startZAP(t)
	spub, ssec := curveKeys(t)
	known, knownSec := curveKeys(t)
	stranger, strangerSec := curveKeys(t)
	zmq.AuthCurveAdd("interop-curve", known.String())
	rep := newLZ(t, socket.Rep, func(s *zmq.Socket) error { return s.ServerAuthCurve("interop-curve", ssec.Z85()) })
	ep := rep.Bind(t, "tcp")

	_, err := secureHandshake(t, rawDial(t, ep), socket.Req, &wire.CurveClient{PublicKey: stranger, SecretKey: strangerSec, ServerKey: spub})
	var pe *wire.PeerError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "400", pe.Reason)

	sc, err := secureHandshake(t, rawDial(t, ep), socket.Req, &wire.CurveClient{PublicKey: known, SecretKey: knownSec, ServerKey: spub})
	require.NoError(t, err)
	sc.sendMsg(t, "", "hi")
	require.Equal(t, []string{"hi"}, str(rep.Recv(t)))
}

// TestCurveServerForLibzmq: a libzmq CURVE DEALER connects to a raw listener
// running our CURVE server.
func TestCurveServerForLibzmq(t *testing.T) {
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	ln, ep := rawListen(t, "tcp")
	dealer := newLZ(t, socket.Dealer,
		func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) })
	dealer.Connect(t, ep)

	var seen []byte
	srv := &wire.CurveServer{PublicKey: spub, SecretKey: ssec, Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
		seen = append([]byte(nil), c.PublicKey...)
		return wire.AuthReply{}, nil
	}}
	sc, err := secureHandshake(t, rawAccept(t, ln), socket.Router, srv)
	require.NoError(t, err)
	require.Equal(t, wire.Dealer, sc.peer.SocketType)
	require.Equal(t, cpub[:], seen)

	dealer.Send(t, "ping", "1")
	require.Equal(t, []string{"ping", "1"}, sc.recvMsg(t))
	sc.sendMsg(t, "pong", "2")
	require.Equal(t, []string{"pong", "2"}, str(dealer.Recv(t)))
}

// TestCurveServerRefusesLibzmq: our CURVE server refuses a libzmq client with
// ERROR "400", which libzmq reports as an authentication failure.
func TestCurveServerRefusesLibzmq(t *testing.T) {
	spub, ssec := curveKeys(t)
	cpub, csec := curveKeys(t)
	ln, ep := rawListen(t, "tcp")
	dealer := newLZ(t, socket.Dealer,
		func(s *zmq.Socket) error { return s.ClientAuthCurve(spub.String(), cpub.String(), csec.Z85()) })
	mon := monitorLZ(t, dealer)
	dealer.Connect(t, ep)

	srv := &wire.CurveServer{PublicKey: spub, SecretKey: ssec, Authenticate: func(wire.Credentials) (wire.AuthReply, error) {
		return wire.AuthReply{}, &wire.AuthError{Status: "400"}
	}}
	_, err := secureHandshake(t, rawAccept(t, ln), socket.Router, srv)
	require.ErrorIs(t, err, wire.ErrAuthRefused)
	ev := mon.waitFor(t, zmq.EVENT_HANDSHAKE_FAILED_AUTH)
	require.Equal(t, 400, ev.Value)
}

// TestPlainClientAgainstLibzmq: our raw PLAIN client, as a REQ, talks to a
// libzmq PLAIN REP whose ZAP handler (pebbe's) knows the user; a wrong
// password gets ERROR "400".
func TestPlainClientAgainstLibzmq(t *testing.T) {
	startZAP(t)
	zmq.AuthPlainAdd("interop", "admin", "secret")
	rep := newLZ(t, socket.Rep, func(s *zmq.Socket) error { return s.ServerAuthPlain("interop") })
	ep := rep.Bind(t, "tcp")

	sc, err := secureHandshake(t, rawDial(t, ep), socket.Req, &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")})
	require.NoError(t, err)
	require.Equal(t, wire.Rep, sc.peer.SocketType)
	sc.sendMsg(t, "", "hi")
	require.Equal(t, []string{"hi"}, str(rep.Recv(t)))
	rep.Send(t, "hi back")
	require.Equal(t, []string{"", "hi back"}, sc.recvMsg(t))

	_, err = secureHandshake(t, rawDial(t, ep), socket.Req, &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")})
	var pe *wire.PeerError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "400", pe.Reason)
}

// TestPlainServerForLibzmq: a libzmq PLAIN REQ connects to a raw listener
// running our PLAIN server, which checks the credentials itself.
func TestPlainServerForLibzmq(t *testing.T) {
	ln, ep := rawListen(t, "tcp")
	req := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.ClientAuthPlain("admin", "secret") })
	req.Connect(t, ep)

	srv := &wire.PlainServer{Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
		if string(c.Username) == "admin" && string(c.Password) == "secret" {
			return wire.AuthReply{UserID: "admin"}, nil
		}
		return wire.AuthReply{}, &wire.AuthError{Status: "400"}
	}}
	sc, err := secureHandshake(t, rawAccept(t, ln), socket.Rep, srv)
	require.NoError(t, err)
	require.Equal(t, wire.Req, sc.peer.SocketType)
	_, reply := srv.Auth()
	require.Equal(t, "admin", reply.UserID)

	req.Send(t, "question")
	require.Equal(t, []string{"", "question"}, sc.recvMsg(t))
	sc.sendMsg(t, "", "answer")
	require.Equal(t, []string{"answer"}, str(req.Recv(t)))
}
