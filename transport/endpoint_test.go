package transport_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		in   string
		want transport.Endpoint
	}{
		{"tcp://127.0.0.1:5555", transport.Endpoint{Scheme: "tcp", Addr: "127.0.0.1:5555"}},
		{"tcp://*:*", transport.Endpoint{Scheme: "tcp", Addr: "*:*"}},
		{"tcp://[::1]:5555", transport.Endpoint{Scheme: "tcp", Addr: "[::1]:5555"}},
		{"ipc:///tmp/feed", transport.Endpoint{Scheme: "ipc", Addr: "/tmp/feed"}},
		{"ipc://@name", transport.Endpoint{Scheme: "ipc", Addr: "@name"}},
		{"inproc://a://b", transport.Endpoint{Scheme: "inproc", Addr: "a://b"}},
		{"pgm://eth0;239.192.1.1:5555", transport.Endpoint{Scheme: "pgm", Addr: "eth0;239.192.1.1:5555"}},
		{"epgm://;239.192.1.1:5555", transport.Endpoint{Scheme: "epgm", Addr: ";239.192.1.1:5555"}},
	}
	for _, tt := range tests {
		got, err := transport.ParseEndpoint(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
		require.Equal(t, tt.in, got.String())
	}
}

func TestParseEndpointErrors(t *testing.T) {
	tests := []struct {
		in      string
		is      error
		message string
	}{
		{"udpx://x", transport.ErrUnknownTransport, `transport: unknown transport "udpx" in "udpx://x"`},
		{"TCP://127.0.0.1:1", transport.ErrUnknownTransport, `transport: unknown transport "TCP" in "TCP://127.0.0.1:1"`},
		{"127.0.0.1:5555", transport.ErrBadEndpoint, `transport: missing "://" in "127.0.0.1:5555"`},
		{"tcp:/x", transport.ErrBadEndpoint, `transport: missing "://" in "tcp:/x"`},
		{"", transport.ErrBadEndpoint, `transport: missing "://" in ""`},
		{"tcp://", transport.ErrBadEndpoint, `transport: empty address in "tcp://"`},
		{"://x", transport.ErrBadEndpoint, `transport: missing transport name in "://x"`},
	}
	for _, tt := range tests {
		_, err := transport.ParseEndpoint(tt.in)
		require.Error(t, err, tt.in)
		require.ErrorIs(t, err, tt.is, tt.in)
		require.Equal(t, tt.message, err.Error())
		var ee *transport.EndpointError
		require.True(t, errors.As(err, &ee), tt.in)
		require.Equal(t, tt.in, ee.Endpoint)
	}
}

func TestBadEndpoint(t *testing.T) {
	err := transport.BadEndpoint("tcp://h:x", `tcp: bad port "x"`)
	require.ErrorIs(t, err, transport.ErrBadEndpoint)
	require.NotErrorIs(t, err, transport.ErrUnknownTransport)
	require.Equal(t, `tcp: bad port "x" in "tcp://h:x"`, err.Error())
}

func TestKeepAliveString(t *testing.T) {
	require.Equal(t, "default", transport.KeepAliveDefault.String())
	require.Equal(t, "on", transport.KeepAliveOn.String())
	require.Equal(t, "off", transport.KeepAliveOff.String())
	require.Equal(t, "KeepAlive(7)", transport.KeepAlive(7).String())
}
