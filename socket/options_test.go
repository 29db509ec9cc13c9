package socket

import (
	"testing"

	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func TestSecurityMechanismsNotYetWired(t *testing.T) {
	// PLAIN and CURVE exist in package wire; until sockets give each connection its own
	// mechanism and protect CURVE frames, New refuses them instead of sending in clear.
	for _, m := range []wire.Mechanism{
		&wire.PlainClient{Username: []byte("u"), Password: []byte("p")},
		&wire.PlainServer{},
		&wire.CurveClient{},
		&wire.CurveServer{},
	} {
		_, err := New(Dealer, Options{Mechanism: m})
		require.ErrorIs(t, err, ErrBadOption, m.Name())
		require.ErrorContains(t, err, m.Name())
	}
	s, err := New(Dealer, Options{Mechanism: wire.Null{}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
