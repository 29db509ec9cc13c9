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

func TestZAPDomainOption(t *testing.T) {
	// libzmq takes ZAP domains of up to 255 bytes.
	s, err := New(Rep, Options{ZAPDomain: string(make([]byte, 255)), ZAPEnforceDomain: true})
	require.NoError(t, err)
	require.Equal(t, 255, len(s.Options().ZAPDomain))
	require.True(t, s.Options().ZAPEnforceDomain)
	require.NoError(t, s.Close())
	_, err = New(Rep, Options{ZAPDomain: string(make([]byte, 256))})
	require.ErrorIs(t, err, ErrBadOption)
	require.ErrorContains(t, err, "ZAP domain")
}
