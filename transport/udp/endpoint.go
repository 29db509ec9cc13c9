package udp

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/brokerless/zmq/transport"
)

// Endpoint is a parsed udp:// endpoint.
type Endpoint struct {
	// Interface names the multicast interface: a name ("eth0") or one of its IPv4
	// addresses. It is set exactly when Addr is a multicast group.
	Interface string
	// Addr is the address to bind or to send to. On a bind endpoint its IP may be
	// unspecified (0.0.0.0, written "*") and its port 0 (written "*").
	Addr netip.AddrPort
}

// Multicast reports whether e names a multicast group.
func (e Endpoint) Multicast() bool { return e.Addr.Addr().IsMulticast() }

// String returns the endpoint in its textual form, without the scheme.
func (e Endpoint) String() string {
	if e.Interface != "" {
		return e.Interface + ";" + e.Addr.String()
	}
	return e.Addr.String()
}

// ParseEndpoint parses the address part of a udp:// endpoint for binding (bind true:
// DISH, DGRAM) or for sending (bind false: RADIO).
//
// "IFACE;GROUP:PORT" names an IPv4 multicast group on an interface, the same for
// both. "HOST:PORT" is a unicast address: for a bind the local address ("*" or an IP
// literal, and port "*" for any free port), otherwise the destination (an IP literal
// or a host name, resolved to IPv4 now). A multicast group needs an explicit
// interface. Errors match transport.ErrBadEndpoint.
func ParseEndpoint(addr string, bind bool) (Endpoint, error) {
	full := transport.SchemeUDP + "://" + addr
	bad := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, transport.BadEndpoint(full, "udp: "+fmt.Sprintf(format, args...))
	}
	iface, rest, hasIface := strings.Cut(addr, ";")
	if !hasIface {
		rest, iface = addr, ""
	}
	host, portStr, err := net.SplitHostPort(rest)
	if err != nil {
		return bad("%v", err)
	}
	var port uint64
	if portStr == "*" && bind && !hasIface {
		port = 0
	} else if port, err = strconv.ParseUint(portStr, 10, 16); err != nil || port == 0 {
		return bad("port %q must be in 1..65535", portStr)
	}
	if hasIface {
		if iface == "" || iface == "*" {
			return bad("multicast needs an explicit interface, not %q (no default interface is chosen for multicast)", iface)
		}
		if a, err := netip.ParseAddr(iface); err == nil && (!a.Is4() || a.IsMulticast()) {
			return bad("interface address %s is not a unicast IPv4 address", a)
		}
		g, err := netip.ParseAddr(host)
		if err != nil || !g.Is4() || !g.IsMulticast() {
			return bad("%q is not an IPv4 multicast group (an interface is only given with a group)", host)
		}
		return Endpoint{Interface: iface, Addr: netip.AddrPortFrom(g, uint16(port))}, nil
	}
	var ip netip.Addr
	switch {
	case host == "*" && bind:
		ip = netip.IPv4Unspecified()
	case host == "*":
		return bad(`"*" names no destination`)
	default:
		if ip, err = netip.ParseAddr(host); err != nil {
			if bind {
				return bad("bind address %q is not an IPv4 address", host)
			}
			ua, rerr := net.ResolveUDPAddr("udp4", net.JoinHostPort(host, "1"))
			if rerr != nil {
				return bad("resolving %q: %v", host, rerr)
			}
			ip = ua.AddrPort().Addr()
		}
		ip = ip.Unmap()
	}
	if !ip.Is4() {
		return bad("%s is not an IPv4 address (the udp transport is IPv4 only, as in libzmq)", ip)
	}
	if ip.IsMulticast() {
		return bad("multicast group %s needs an interface: udp://IFACE;%s", ip, rest)
	}
	return Endpoint{Addr: netip.AddrPortFrom(ip, uint16(port))}, nil
}
