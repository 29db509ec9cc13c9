package socket

import (
	"bytes"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/wire"
)

// secTransports are the transports whose connections use Options.Mechanism.
var secTransports = []string{"ipc", "tcp", "ws"}

// security is one configuration of a mechanism: the server's and the client's side.
type security struct {
	name           string
	server, client wire.Mechanism
	userID         string // the User-Id the server's authenticator gives the client
}

// newCurveCert returns a fresh CURVE key pair.
func newCurveCert(t testing.TB) *cert.Cert {
	t.Helper()
	c, err := cert.New()
	require.NoError(t, err)
	return c
}

// plainSecurity accepts user "admin" with password "secret" and gives it user id
// "admin"; anyone else is refused with status 400.
func plainSecurity() security {
	auth := func(c wire.Credentials) (wire.AuthReply, error) {
		if string(c.Username) == "admin" && string(c.Password) == "secret" {
			return wire.AuthReply{UserID: "admin", Metadata: wire.Metadata{{Name: "X-Role", Value: []byte("root")}}}, nil
		}
		return wire.AuthReply{}, &wire.AuthError{Status: "400", Text: "bad password"}
	}
	return security{
		name:   "PLAIN",
		server: &wire.PlainServer{Authenticate: auth},
		client: &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")},
		userID: "admin",
	}
}

// curveSecurity accepts clients whose key is client's, giving them the key's Z85 text
// as user id, and refuses others with status 400.
func curveSecurity(t testing.TB) security {
	server, client := newCurveCert(t), newCurveCert(t)
	auth := func(c wire.Credentials) (wire.AuthReply, error) {
		if bytes.Equal(c.PublicKey, client.Public[:]) {
			return wire.AuthReply{UserID: client.Public.String(), Metadata: wire.Metadata{{Name: "X-Role", Value: []byte("root")}}}, nil
		}
		return wire.AuthReply{}, &wire.AuthError{Status: "400", Text: "unknown key"}
	}
	return security{
		name:   "CURVE",
		server: &wire.CurveServer{PublicKey: server.Public, SecretKey: server.Secret, Authenticate: auth},
		client: curveClient(client, server.Public),
		userID: client.Public.String(),
	}
}

func curveClient(c *cert.Cert, serverKey cert.PublicKey) *wire.CurveClient {
	return &wire.CurveClient{PublicKey: c.Public, SecretKey: c.Secret, ServerKey: serverKey}
}

// securities returns PLAIN and CURVE.
func securities(t testing.TB) []security {
	return []security{plainSecurity(), curveSecurity(t)}
}

// tap is a TCP forwarder between a client and a server that records every byte in
// both directions, so that a test can check what travels in clear.
type tap struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu      sync.Mutex
	seen    bytes.Buffer
	conns   []net.Conn
	corrupt bool // flip the last byte of the next chunk forwarded from the server
}

// newTap forwards connections made to its Endpoint to target ("127.0.0.1:port").
func newTap(t testing.TB, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tp := &tap{ln: ln, target: target}
	tp.wg.Go(tp.accept)
	t.Cleanup(tp.close)
	return tp
}

func (tp *tap) Endpoint() string { return "tcp://" + tp.ln.Addr().String() }

func (tp *tap) accept() {
	for {
		a, err := tp.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", tp.target)
		if err != nil {
			a.Close()
			continue
		}
		tp.mu.Lock()
		tp.conns = append(tp.conns, a, b)
		tp.mu.Unlock()
		tp.wg.Go(func() { tp.copy(b, a, false) })
		tp.wg.Go(func() { tp.copy(a, b, true) })
	}
}

func (tp *tap) copy(dst, src net.Conn, fromServer bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			tp.mu.Lock()
			tp.seen.Write(buf[:n])
			if fromServer && tp.corrupt {
				tp.corrupt = false
				buf[n-1] ^= 0x01
			}
			tp.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
}

// Bytes returns a copy of everything forwarded so far.
func (tp *tap) Bytes() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return bytes.Clone(tp.seen.Bytes())
}

// Corrupt makes the tap flip one bit of the next bytes the server sends.
func (tp *tap) Corrupt() {
	tp.mu.Lock()
	tp.corrupt = true
	tp.mu.Unlock()
}

// Len returns how many bytes were forwarded so far.
func (tp *tap) Len() int {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.seen.Len()
}

func (tp *tap) close() {
	tp.ln.Close()
	tp.mu.Lock()
	for _, c := range tp.conns {
		c.Close()
	}
	tp.mu.Unlock()
	tp.wg.Wait()
}

// tcpAddr returns the host:port of a resolved tcp endpoint.
func tcpAddr(ep string) string { return ep[len("tcp://"):] }
