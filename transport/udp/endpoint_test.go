package udp

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
)

func TestParseEndpoint(t *testing.T) {
	ok := []struct {
		addr  string
		bind  bool
		iface string
		want  string
	}{
		{"127.0.0.1:5555", true, "", "127.0.0.1:5555"},
		{"127.0.0.1:5555", false, "", "127.0.0.1:5555"},
		{"*:5555", true, "", "0.0.0.0:5555"},
		{"*:*", true, "", "0.0.0.0:0"},
		{"127.0.0.1:*", true, "", "127.0.0.1:0"},
		{"localhost:7", false, "", "127.0.0.1:7"},
		{"lo;239.1.2.3:5555", true, "lo", "239.1.2.3:5555"},
		{"10.0.0.1;239.1.2.3:5555", false, "10.0.0.1", "239.1.2.3:5555"},
	}
	for _, c := range ok {
		ep, err := ParseEndpoint(c.addr, c.bind)
		require.NoError(t, err, c.addr)
		require.Equal(t, netip.MustParseAddrPort(c.want), ep.Addr, c.addr)
		require.Equal(t, c.iface, ep.Interface, c.addr)
		require.Equal(t, c.iface != "", ep.Multicast(), c.addr)
	}
	bad := []struct {
		addr string
		bind bool
	}{
		{"127.0.0.1", true},                // no port
		{"127.0.0.1:0", true},              // port 0
		{"127.0.0.1:70000", false},         // port out of range
		{"*:5555", false},                  // no destination
		{"127.0.0.1:*", false},             // a destination needs a port
		{"239.1.2.3:5555", true},           // multicast without an interface
		{"239.1.2.3:5555", false},          // the same, sending
		{";239.1.2.3:5555", true},          // empty interface
		{"*;239.1.2.3:5555", true},         // no default interface
		{"lo;10.0.0.1:5555", true},         // an interface with a unicast address
		{"239.9.9.9;239.1.2.3:5555", true}, // a multicast interface address
		{"lo;239.1.2.3:*", true},           // a group needs a port
		{"[::1]:5555", true},               // IPv6
		{"lo;[ff02::1]:5555", true},        // IPv6 multicast
		{"eth0:5555", true},                // a bind address is an address
	}
	for _, c := range bad {
		_, err := ParseEndpoint(c.addr, c.bind)
		require.Error(t, err, c.addr)
		require.True(t, errors.Is(err, transport.ErrBadEndpoint), "%s: %v", c.addr, err)
		require.Contains(t, err.Error(), "udp://"+c.addr)
	}
}

func TestEndpointString(t *testing.T) {
	for _, s := range []string{"lo;239.1.2.3:5555", "127.0.0.1:9"} {
		ep, err := ParseEndpoint(s, true)
		require.NoError(t, err)
		require.Equal(t, s, ep.String())
	}
}
