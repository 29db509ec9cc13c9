package pgm

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
)

func TestParseEndpoint(t *testing.T) {
	ep, err := ParseEndpoint("epgm", "eth0;239.192.1.1:5555")
	require.NoError(t, err)
	require.Equal(t, Endpoint{Scheme: "epgm", Interface: "eth0", Group: netip.MustParseAddr("239.192.1.1"), Port: 5555}, ep)
	require.Equal(t, "epgm://eth0;239.192.1.1:5555", ep.String())
	ep, err = ParseEndpoint("pgm", "10.0.0.1;224.0.0.251:1")
	require.NoError(t, err)
	require.Equal(t, "10.0.0.1", ep.Interface)

	for _, c := range []struct{ scheme, addr, why string }{
		{"epgm", ";239.192.1.1:5555", "explicit interface"},
		{"epgm", "239.192.1.1:5555", "interface;group:port"},
		{"epgm", "eth0;10.0.0.1:5555", "not an IPv4 multicast"},
		{"epgm", "eth0;ff02::1:5555", ""},
		{"epgm", "eth0;[ff02::1]:5555", "not an IPv4 multicast"},
		{"epgm", "eth0;239.192.1.1:0", "1..65535"},
		{"epgm", "eth0;239.192.1.1:65536", "1..65535"},
		{"epgm", "eth0;239.192.1.1", ""},
		{"epgm", "eth0;239.1.1.1,239.1.1.2:5555", "only one group"},
		{"epgm", "eth0;239.1.1.1;239.1.1.2:5555", "only one group"},
		{"tcp", "eth0;239.1.1.1:5555", "pgm or epgm"},
		{"epgm", "eth0;host.example:5555", "not an IPv4 multicast"},
	} {
		_, err := ParseEndpoint(c.scheme, c.addr)
		require.Error(t, err, c.addr)
		require.ErrorIs(t, err, transport.ErrBadEndpoint, c.addr)
		require.ErrorContains(t, err, c.why, c.addr)
	}
}

func TestResolveInterfaceErrors(t *testing.T) {
	// Lookups only; nothing is opened.
	_, _, err := resolveInterface("no-such-if0")
	require.Error(t, err)
	_, _, err = resolveInterface("192.0.2.77")
	require.ErrorContains(t, err, "no interface has address")
	_, _, err = resolveInterface("::1")
	require.ErrorContains(t, err, "not IPv4")
}

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	require.Equal(t, int64(DefaultRate), o.Rate)
	require.Equal(t, DefaultRecoveryInterval, o.RecoveryInterval)
	require.Equal(t, 1, o.Hops)
	require.Equal(t, 1500, o.MaxTPDU)
	require.Equal(t, 8333, o.windowPackets(1<<20))
	// libzmq defaults (100 kbit/s): about 83 packets.
	require.Equal(t, 83, Options{Rate: 100_000}.withDefaults().windowPackets(1<<20))
	require.Equal(t, 1, Options{Rate: 1}.withDefaults().windowPackets(1<<20))
}
