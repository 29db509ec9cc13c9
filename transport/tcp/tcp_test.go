package tcp_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/portlock"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/tcp"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// listen binds addr and closes the listener when the test ends.
func listen(t *testing.T, addr string, opts transport.Options) *tcp.Listener {
	t.Helper()
	ln, err := tcp.Listen(ctx(t), addr, opts)
	require.NoError(t, err, addr)
	t.Cleanup(func() { ln.Close() })
	return ln
}

// endpointPort checks that ep is "tcp://<host>:<port>" with a non-zero port
// and returns the port.
func endpointPort(t *testing.T, ep, host string) string {
	t.Helper()
	e, err := transport.ParseEndpoint(ep)
	require.NoError(t, err)
	require.Equal(t, "tcp", e.Scheme)
	h, p, err := net.SplitHostPort(e.Addr)
	require.NoError(t, err)
	require.Equal(t, host, h, ep)
	n, err := strconv.Atoi(p)
	require.NoError(t, err)
	require.NotZero(t, n)
	return p
}

// roundTrip dials addr, accepts from ln, and checks a byte crosses.
func roundTrip(t *testing.T, ln *tcp.Listener, addr string) (dialed, accepted net.Conn) {
	t.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	c, err := tcp.Dial(ctx(t), addr, transport.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	var r res
	select {
	case r = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return")
	}
	require.NoError(t, r.err)
	t.Cleanup(func() { r.c.Close() })
	_, err = c.Write([]byte{42})
	require.NoError(t, err)
	require.NoError(t, r.c.SetReadDeadline(time.Now().Add(10*time.Second)))
	b := make([]byte, 1)
	_, err = r.c.Read(b)
	require.NoError(t, err)
	require.Equal(t, byte(42), b[0])
	return c, r.c
}

func TestListenEphemeralPort(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:*", "127.0.0.1:0"} {
		ln := listen(t, addr, transport.Options{})
		port := endpointPort(t, ln.Endpoint(), "127.0.0.1")
		roundTrip(t, ln, "127.0.0.1:"+port)
	}
}

func TestListenAllInterfaces(t *testing.T) {
	ln := listen(t, "*:*", transport.Options{})
	port := endpointPort(t, ln.Endpoint(), "0.0.0.0")
	roundTrip(t, ln, "127.0.0.1:"+port)
}

func TestListenInterfaceName(t *testing.T) {
	ifi, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("no interface named lo: %v", err)
	}
	addrs, err := ifi.Addrs()
	require.NoError(t, err)
	var want netip.Addr
	for _, a := range addrs {
		ip, _ := netip.AddrFromSlice(a.(*net.IPNet).IP)
		if ip = ip.Unmap(); ip.Is4() {
			want = ip
			break
		}
	}
	if !want.IsValid() {
		t.Skip("lo has no IPv4 address")
	}
	ln := listen(t, "lo:0", transport.Options{})
	port := endpointPort(t, ln.Endpoint(), want.String())
	roundTrip(t, ln, net.JoinHostPort(want.String(), port))
}

func TestListenIPv6(t *testing.T) {
	skipWithoutIPv6(t)
	ln := listen(t, "[::1]:*", transport.Options{})
	require.True(t, strings.HasPrefix(ln.Endpoint(), "tcp://[::1]:"), ln.Endpoint())
	port := endpointPort(t, ln.Endpoint(), "::1")
	roundTrip(t, ln, "[::1]:"+port)
}

func TestListenAddressInUse(t *testing.T) {
	ln := listen(t, "127.0.0.1:0", transport.Options{})
	port := endpointPort(t, ln.Endpoint(), "127.0.0.1")
	_, err := tcp.Listen(ctx(t), "127.0.0.1:"+port, transport.Options{})
	require.Error(t, err)
	var oe *net.OpError
	require.True(t, errors.As(err, &oe), "%T %v", err, err)
}

func TestDialSourceAddress(t *testing.T) {
	ln := listen(t, "127.0.0.1:0", transport.Options{})
	port := endpointPort(t, ln.Endpoint(), "127.0.0.1")
	_, accepted := roundTrip(t, ln, "127.0.0.2:0;127.0.0.1:"+port)
	require.Equal(t, "127.0.0.2", accepted.RemoteAddr().(*net.TCPAddr).IP.String())
}

func TestDialRefused(t *testing.T) {
	port, err := portlock.Reserve() // a port nothing listens on
	require.NoError(t, err)
	defer port.Release()
	_, err = tcp.Dial(ctx(t), "127.0.0.1:"+port.String(), transport.Options{})
	require.Error(t, err)
	var oe *net.OpError
	require.True(t, errors.As(err, &oe), "%T %v", err, err)
}

func TestBadEndpoints(t *testing.T) {
	tests := []struct {
		addr   string
		listen bool // else dial
		reason string
	}{
		{"127.0.0.1", true, "tcp: missing port"},
		{"127.0.0.1:", true, "tcp: missing port"},
		{"127.0.0.1:x", true, `tcp: bad port "x"`},
		{"127.0.0.1:-1", true, `tcp: bad port "-1"`},
		{"127.0.0.1:65536", true, `tcp: port "65536" out of range`},
		{":5555", true, `tcp: empty host (use "*" for all interfaces)`},
		{"::1:5555", true, "tcp: IPv6 address must be in brackets, as in [::1]:5555"},
		{"[::1:5555", true, `tcp: missing "]" in address`},
		{"[::1]", true, "tcp: missing port"},
		{"[::1]x:5555", true, `tcp: unexpected text after "]"`},
		{"[]:5555", true, "tcp: empty host"},
		{"[127.0.0.1]:5555", true, `tcp: bad IPv6 address "127.0.0.1"`},
		{"[nope]:5555", true, `tcp: bad IPv6 address "nope"`},
		{"a]b:5555", true, "tcp: misplaced brackets in host"},
		{"no-such-interface0:5555", true, `tcp: no interface named "no-such-interface0" (bind takes "*", an IP address or an interface name)`},
		{"127.0.0.1:*", false, `tcp: port "*" is valid only for bind`},
		{"127.0.0.1:0", false, "tcp: port 0 is valid only for bind"},
		{"*:5555", false, `tcp: host "*" is valid only for bind`},
		{":5555", false, "tcp: empty host"},
		{"localhost", false, "tcp: missing port"},
		{"[::1]:0", false, "tcp: port 0 is valid only for bind"},
		{"[example.com]:5555", false, `tcp: bad IPv6 address "example.com"`},
		{"127.0.0.1;127.0.0.1:5555", false, "tcp: missing port"},
		{"127.0.0.1:0;127.0.0.1:x", false, `tcp: bad port "x"`},
	}
	for _, tt := range tests {
		var err error
		if tt.listen {
			var ln *tcp.Listener
			ln, err = tcp.Listen(ctx(t), tt.addr, transport.Options{})
			if ln != nil {
				ln.Close()
			}
		} else {
			var c *net.TCPConn
			c, err = tcp.Dial(ctx(t), tt.addr, transport.Options{})
			if c != nil {
				c.Close()
			}
		}
		require.Error(t, err, tt.addr)
		require.ErrorIs(t, err, transport.ErrBadEndpoint, tt.addr)
		var ee *transport.EndpointError
		require.True(t, errors.As(err, &ee), tt.addr)
		require.Equal(t, "tcp://"+tt.addr, ee.Endpoint)
		require.Equal(t, tt.reason+` in "tcp://`+tt.addr+`"`, err.Error())
	}
}

func TestTransportInterface(t *testing.T) {
	var tr transport.StreamTransport = tcp.Transport{}
	_, err := tr.Listen(ctx(t), "127.0.0.1", transport.Options{})
	require.ErrorIs(t, err, transport.ErrBadEndpoint)
	_, err = tr.Dial(ctx(t), "127.0.0.1:*", transport.Options{})
	require.ErrorIs(t, err, transport.ErrBadEndpoint)
}

func skipWithoutIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("IPv6 loopback unavailable: %v", err)
	}
	ln.Close()
}
