package wire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNullServerAccepts(t *testing.T) {
	a, b := pipePair(t)
	var asked []Credentials
	srv := &NullServer{Authenticate: func(c Credentials) (AuthReply, error) {
		asked = append(asked, c)
		return AuthReply{UserID: "anon", Metadata: Metadata{{"X-Zone", []byte("lan")}}}, nil
	}}
	// NullServer is NULL on the wire: a plain Null peer talks to it.
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Dealer, Mechanism: Null{}, Metadata: Metadata{{"X-Hello", []byte("1")}}},
		HandshakeConfig{SocketType: Router, Mechanism: srv})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Equal(t, []Credentials{{Mechanism: "NULL"}}, asked)
	v, _ := rb.peer.Metadata.Get("X-Hello")
	require.Equal(t, "1", string(v))
	creds, reply := srv.Auth()
	require.Equal(t, "NULL", creds.Mechanism)
	require.Equal(t, "anon", reply.UserID)
	require.Equal(t, Router, ra.peer.SocketType)

	_, err := srv.Handshake(b.r, b.w, nil)
	require.ErrorIs(t, err, ErrMechanismReused)
	require.NotSame(t, srv, srv.Clone())
	require.Equal(t, "NULL", srv.Clone().Name())
}

func TestNullServerNilAuthenticateAccepts(t *testing.T) {
	a, b := pipePair(t)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Pair, Mechanism: &NullServer{}},
		HandshakeConfig{SocketType: Pair, Mechanism: &NullServer{}})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
}

func TestNullServerRefuses(t *testing.T) {
	for _, tc := range []struct {
		status    string
		sendError bool
	}{{"400", true}, {"500", true}, {"300", false}} {
		t.Run(tc.status, func(t *testing.T) {
			a, b := pipePair(t)
			srv := &NullServer{Authenticate: func(Credentials) (AuthReply, error) {
				return AuthReply{}, &AuthError{Status: tc.status, Text: "go away"}
			}}
			ra, rb := secureBoth(t, a, b,
				HandshakeConfig{SocketType: Req, Mechanism: Null{}},
				HandshakeConfig{SocketType: Rep, Mechanism: srv})
			var ae *AuthError
			require.ErrorAs(t, rb.err, &ae)
			require.Equal(t, tc.status, ae.Status)
			var pe *PeerError
			if tc.sendError {
				require.ErrorAs(t, ra.err, &pe)
				require.Equal(t, tc.status, pe.Reason)
			} else {
				require.Error(t, ra.err)
				require.False(t, errors.As(ra.err, &pe), "no ERROR for status 300: %v", ra.err)
			}
		})
	}
}

// An Authenticator's other errors fail the handshake without ERROR.
func TestNullServerAuthenticatorFails(t *testing.T) {
	a, b := pipePair(t)
	boom := errors.New("handler gone")
	srv := &NullServer{Authenticate: func(Credentials) (AuthReply, error) { return AuthReply{}, boom }}
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Push, Mechanism: Null{}},
		HandshakeConfig{SocketType: Pull, Mechanism: srv})
	require.ErrorIs(t, rb.err, boom)
	var pe *PeerError
	require.Error(t, ra.err)
	require.False(t, errors.As(ra.err, &pe))
}
