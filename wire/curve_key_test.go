package wire

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/nacl/box"
)

// The one-multiplication agreement computes the keys box.Precompute computes,
// and a generated pair is a pair: its public key is the secret's.
func TestCurvePrecomputeMatchesBox(t *testing.T) {
	for range 20 {
		sec, pub, err := generateCurveSecret()
		require.NoError(t, err)
		want, err := curve25519.X25519(sec.raw[:], curve25519.Basepoint)
		require.NoError(t, err)
		require.Equal(t, want, pub[:])

		peerPub, _ := keyPair(t)
		var got, ref [32]byte
		require.NoError(t, sec.precompute(&got, &peerPub))
		box.Precompute(&ref, &peerPub, &sec.raw)
		require.Equal(t, ref, got)
	}
}

// lowOrderKeys are public keys whose agreement with any secret is all zeros:
// zero, one, and a point of order 8.
func lowOrderKeys(t *testing.T) [][32]byte {
	order8, err := hex.DecodeString("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
	require.NoError(t, err)
	keys := [][32]byte{{}, {1}}
	return append(keys, [32]byte(order8))
}

// helloed runs a fresh client's HELLO through a fresh server.
func helloed(t *testing.T) (*CurveClient, *curveClientState, *curveServerState) {
	t.Helper()
	cli, srv := curvePair(t)
	cs := &curveClientState{}
	require.NoError(t, cs.init(cli))
	hello, err := cs.hello(nil)
	require.NoError(t, err)
	ss := &curveServerState{m: srv}
	require.NoError(t, ss.onHello(hello[2+6:]))
	return cli, cs, ss
}

// A peer key of low order would make the box key known to anyone; every
// agreement of the handshake refuses it as a cryptographic error.
func TestCurveRefusesLowOrderKeys(t *testing.T) {
	crypto := &ProtocolError{Code: CodeCryptographic, Err: ErrCrypto}
	for _, bad := range lowOrderKeys(t) {
		// The client's transient key in HELLO.
		cli, srv := curvePair(t)
		var cs curveClientState
		require.NoError(t, cs.init(cli))
		cs.pub = bad
		hello, err := cs.hello(nil)
		require.NoError(t, err)
		ss := curveServerState{m: srv}
		err = ss.onHello(hello[2+6:])
		require.ErrorIs(t, err, crypto)
		require.Contains(t, err.Error(), "low order")

		// The server's permanent key, as the client is configured with it.
		cli.ServerKey = bad
		cs = curveClientState{}
		require.NoError(t, cs.init(cli))
		_, err = cs.hello(nil)
		require.ErrorIs(t, err, crypto)

		// The server's transient key in WELCOME.
		_, cs2, ss2 := helloed(t)
		require.NoError(t, ss2.makeKeys())
		ss2.pub = bad
		welcome, err := ss2.welcome(nil)
		require.NoError(t, err)
		require.ErrorIs(t, cs2.onWelcome(welcome[2+8:]), crypto)

		// The client's permanent key, claimed in INITIATE: the vouch's agreement.
		cli3, cs3, ss3 := helloed(t)
		welcome, err = ss3.welcome(nil)
		require.NoError(t, err)
		require.NoError(t, cs3.onWelcome(welcome[2+8:]))
		cli3.PublicKey = bad
		initiate, err := cs3.initiate(nil, nil)
		require.NoError(t, err)
		_, _, err = ss3.onInitiate(cmdData(t, initiate))
		require.ErrorIs(t, err, crypto)
		require.Contains(t, err.Error(), "low order")
	}
}

// Clones of a clone share its prepared secret key; a clone whose keys are
// changed afterwards handshakes with the new ones.
func TestCurveClonesSharePreparedKey(t *testing.T) {
	cliTmpl, srvTmpl := curvePair(t)
	cli, srv := cliTmpl.Clone(), srvTmpl.Clone()
	require.NotNil(t, cli.secret)
	require.Same(t, cli.secret, cli.Clone().secret)
	require.Same(t, srv.secret, srv.Clone().secret)

	c := cli.Clone()
	c.PublicKey, c.SecretKey = keyPair(t)
	s := srv.Clone()
	var seen []byte
	s.Authenticate = func(cr Credentials) (AuthReply, error) {
		seen = bytes.Clone(cr.PublicKey)
		return AuthReply{}, nil
	}
	a, b := pipePair(t)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Dealer, Mechanism: c},
		HandshakeConfig{SocketType: Router, Mechanism: s})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
	require.Equal(t, c.PublicKey[:], seen)
	require.NotSame(t, cli.secret, c.secret, "the changed key was prepared anew")
	require.Same(t, srv.secret, s.secret)
}
