package socket

import (
	"testing"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func TestSecurityMechanismOptions(t *testing.T) {
	// PLAIN and CURVE configurations are accepted; one value serves every connection.
	c, err := cert.New()
	require.NoError(t, err)
	for _, m := range []wire.Mechanism{
		wire.Null{},
		&wire.PlainClient{Username: []byte("u"), Password: []byte("p")},
		&wire.PlainServer{},
		&wire.CurveClient{PublicKey: c.Public, SecretKey: c.Secret, ServerKey: c.Public},
		&wire.CurveServer{PublicKey: c.Public, SecretKey: c.Secret},
	} {
		s, err := New(Dealer, Options{Mechanism: m})
		require.NoError(t, err, m.Name())
		require.NoError(t, s.Close())
	}
	// Configurations that could never complete a handshake are refused at once.
	for _, m := range []wire.Mechanism{
		&wire.PlainClient{Username: make([]byte, 256)},
		&wire.CurveClient{PublicKey: c.Public, SecretKey: c.Secret}, // no ServerKey
		&wire.CurveServer{PublicKey: c.Public},                      // no SecretKey
	} {
		_, err := New(Dealer, Options{Mechanism: m})
		require.ErrorIs(t, err, ErrBadOption, m.Name())
		require.ErrorContains(t, err, m.Name())
	}
}
