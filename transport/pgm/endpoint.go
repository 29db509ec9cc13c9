package pgm

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/brokerless/zmq/transport"
)

// Endpoint is a parsed pgm:// or epgm:// endpoint, "INTERFACE;GROUP:PORT".
type Endpoint struct {
	// Scheme is "pgm" (raw IP protocol 113) or "epgm" (PGM inside UDP).
	Scheme string
	// Interface is the interface as given: a name ("eth0") or one of its
	// IPv4 addresses. Never empty.
	Interface string
	// Group is the IPv4 multicast group.
	Group netip.Addr
	// Port is the PGM data-destination port (and, for epgm, the UDP port).
	Port uint16
}

// String returns the endpoint in its textual form.
func (e Endpoint) String() string {
	return fmt.Sprintf("%s://%s;%s:%d", e.Scheme, e.Interface, e.Group, e.Port)
}

// ParseEndpoint parses the address part of a pgm or epgm endpoint,
// "INTERFACE;GROUP:PORT", for example ParseEndpoint("epgm",
// "eth0;239.192.1.1:5555"). The interface is a name or an IPv4 address and
// is required: libzmq lets OpenPGM pick a default interface when it is
// empty, but multicast sent through an interface nobody chose can leave the
// machine on the wrong network, so this package insists on an explicit one.
// The group must be an IPv4 multicast address and the port non-zero.
// Errors match transport.ErrBadEndpoint.
func ParseEndpoint(scheme, addr string) (Endpoint, error) {
	full := scheme + "://" + addr
	bad := func(reason string) (Endpoint, error) {
		return Endpoint{}, transport.BadEndpoint(full, "pgm: "+reason)
	}
	if scheme != transport.SchemePGM && scheme != transport.SchemeEPGM {
		return bad("scheme must be pgm or epgm")
	}
	iface, rest, ok := strings.Cut(addr, ";")
	if !ok {
		return bad(`expected "interface;group:port"`)
	}
	if iface == "" {
		return bad("an explicit interface is required (no default interface is chosen for multicast)")
	}
	if strings.Contains(rest, ";") || strings.Contains(rest, ",") {
		return bad("only one group and no send group are supported")
	}
	host, portStr, err := net.SplitHostPort(rest)
	if err != nil {
		return bad(err.Error())
	}
	g, err := netip.ParseAddr(host)
	if err != nil || !g.Is4() || !g.IsMulticast() {
		return bad(fmt.Sprintf("group %q is not an IPv4 multicast address", host))
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return bad(fmt.Sprintf("port %q must be in 1..65535", portStr))
	}
	return Endpoint{Scheme: scheme, Interface: iface, Group: g, Port: uint16(port)}, nil
}

// resolveInterface finds the interface named by name (an interface name or
// one of its IPv4 addresses) and returns it with the IPv4 address used as
// our NLA: the given address, or the interface's first IPv4 address.
func resolveInterface(name string) (*net.Interface, netip.Addr, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		if !a.Is4() {
			return nil, netip.Addr{}, fmt.Errorf("pgm: interface address %s is not IPv4", a)
		}
		ifs, err := net.Interfaces()
		if err != nil {
			return nil, netip.Addr{}, err
		}
		for i := range ifs {
			addrs, _ := ifs[i].Addrs()
			for _, ad := range addrs {
				if ipn, ok := ad.(*net.IPNet); ok {
					if b, ok := netip.AddrFromSlice(ipn.IP); ok && b.Unmap() == a {
						return &ifs[i], a, nil
					}
				}
			}
		}
		return nil, netip.Addr{}, fmt.Errorf("pgm: no interface has address %s", a)
	}
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("pgm: interface %q: %w", name, err)
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("pgm: interface %q: %w", name, err)
	}
	for _, ad := range addrs {
		if ipn, ok := ad.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(ipn.IP); ok && b.Unmap().Is4() {
				return ifc, b.Unmap(), nil
			}
		}
	}
	return nil, netip.Addr{}, fmt.Errorf("pgm: interface %q has no IPv4 address", name)
}
