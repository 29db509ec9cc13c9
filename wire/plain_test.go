package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// secureBoth runs Handshake on both ends at once. A side that fails closes
// its connection, so that the other, waiting for a command, fails too
// instead of waiting forever.
func secureBoth(t *testing.T, a, b end, ca, cb HandshakeConfig) (ra, rb result) {
	t.Helper()
	done := make(chan result, 1)
	go func() {
		p, err := Handshake(b.r, b.w, cb)
		if err != nil {
			b.conn.Close()
		}
		done <- result{p, err}
	}()
	p, err := Handshake(a.r, a.w, ca)
	if err != nil {
		a.conn.Close()
	}
	return result{p, err}, <-done
}

func TestPlainHelloBytes(t *testing.T) {
	// zmq-spec Appendix A.
	want := unhex(t, "04 13 05 48 45 4C 4C 4F 05 61 64 6D 69 6E 06 73 65 63 72 65 74")
	require.Equal(t, want, AppendPlainHello(nil, []byte("admin"), []byte("secret")))
	u, p, err := ParsePlainHello(want[2+6:])
	require.NoError(t, err)
	require.Equal(t, "admin", string(u))
	require.Equal(t, "secret", string(p))
	// WELCOME has no body.
	require.Equal(t, unhex(t, "04 08 07 57 45 4C 43 4F 4D 45"), AppendCommand(nil, cmdWelcome))
}

func TestParsePlainHelloMalformed(t *testing.T) {
	for _, data := range [][]byte{
		nil,
		{0},                   // no password length
		{5, 'a', 'b'},         // username truncated
		{1, 'a', 2, 'x'},      // password truncated
		{1, 'a', 1, 'x', 'y'}, // trailing byte: libzmq wants an exact fit
		{0, 0, 'z'},           // same, empty credentials
		{255},                 // username length with nothing behind
	} {
		_, _, err := ParsePlainHello(data)
		require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandHello, Err: ErrMalformedCommand}, "%x", data)
	}
	u, p, err := ParsePlainHello([]byte{0, 0})
	require.NoError(t, err)
	require.Empty(t, u)
	require.Empty(t, p)
}

func plainPair(user, pass string, auth Authenticator) (*PlainClient, *PlainServer) {
	return &PlainClient{Username: []byte(user), Password: []byte(pass)}, &PlainServer{Authenticate: auth}
}

func checkPassword(creds Credentials) (AuthReply, error) {
	if creds.Mechanism == "PLAIN" && string(creds.Username) == "admin" && string(creds.Password) == "secret" {
		return AuthReply{UserID: "admin", Metadata: Metadata{{"X-Role", []byte("ops")}}}, nil
	}
	return AuthReply{}, &AuthError{Status: "400", Text: "bad password"}
}

func TestPlainHandshake(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := plainPair("admin", "secret", checkPassword)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Dealer, Mechanism: cli, Metadata: Metadata{{"X-Hello", []byte("1")}}},
		HandshakeConfig{SocketType: Router, Mechanism: srv})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Equal(t, Router, ra.peer.SocketType)
	require.Equal(t, Dealer, rb.peer.SocketType)
	v, _ := rb.peer.Metadata.Get("X-Hello")
	require.Equal(t, "1", string(v))

	creds, reply := srv.Auth()
	require.Equal(t, "admin", string(creds.Username))
	require.Equal(t, "secret", string(creds.Password))
	require.Equal(t, "admin", reply.UserID)

	// PLAIN has no codec: frames travel in clear.
	var m Mechanism = cli
	_, ok := m.(CodecMechanism)
	require.False(t, ok)

	// A mechanism value serves one connection only.
	_, err := cli.Handshake(a.r, a.w, nil)
	require.ErrorIs(t, err, ErrMechanismReused)

	a2, b2 := pipePair(t)
	ra, rb = secureBoth(t, a2, b2, HandshakeConfig{SocketType: Dealer, Mechanism: cli.Clone()}, HandshakeConfig{SocketType: Router, Mechanism: srv.Clone()})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
}

func TestPlainWrongPassword(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := plainPair("admin", "guess", checkPassword)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep, Mechanism: srv})
	var pe *PeerError
	require.ErrorAs(t, ra.err, &pe)
	require.Equal(t, "400", pe.Reason)
	require.ErrorIs(t, rb.err, ErrAuthRefused)
	require.Contains(t, rb.err.Error(), "400")
	require.NotContains(t, rb.err.Error(), "guess", "no password in errors")
}

// libzmq 4.3's PLAIN server sends its ERROR with a broken name length
// (0x5E, "RROR"); the client still reports it as the server's refusal.
func TestPlainClientReadsLibzmqError(t *testing.T) {
	a, b := pipePair(t)
	wrote := make(chan error, 1)
	go func() {
		g := Greeting{Major: 3, Minor: 0, Mechanism: "PLAIN"}.Append(nil)
		_, err := b.conn.Write(append(g, 0x04, 0x09, 0x5e, 'R', 'R', 'O', 'R', 3, '4', '0', '0'))
		wrote <- err
	}()
	cli := &PlainClient{Username: []byte("admin"), Password: []byte("guess")}
	_, err := Handshake(a.r, a.w, HandshakeConfig{SocketType: Req, Mechanism: cli})
	var pe *PeerError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "400", pe.Reason)
	require.NoError(t, <-wrote)
}

func TestPlainNoAuthenticatorRefuses(t *testing.T) {
	a, b := pipePair(t)
	cli, srv := plainPair("admin", "secret", nil)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep, Mechanism: srv})
	require.Error(t, ra.err)
	require.ErrorIs(t, rb.err, ErrAuthRefused)
}

func TestPlainMechanismMismatch(t *testing.T) {
	a, b := pipePair(t)
	cli, _ := plainPair("admin", "secret", nil)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Req, Mechanism: cli},
		HandshakeConfig{SocketType: Rep})
	require.ErrorIs(t, ra.err, ErrMechanismMismatch)
	require.ErrorIs(t, rb.err, ErrMechanismMismatch)
}

func FuzzParsePlainHello(f *testing.F) {
	f.Add(AppendPlainHello(nil, []byte("admin"), []byte("secret"))[2+6:])
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		u, p, err := ParsePlainHello(data)
		if err != nil {
			return
		}
		require.Equal(t, data, AppendPlainHello(nil, u, p)[FrameHeaderSize(1+len(cmdHello)+len(data))+1+len(cmdHello):])
	})
}
