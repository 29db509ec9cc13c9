package tcp

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/brokerless/zmq/transport"
)

// An address is "host:port" (zmq-spec §5.1). This file turns the bind and
// connect forms into something package net accepts, with errors that say
// what is wrong.

// splitHostPort splits addr at the port separator. An IPv6 host must be in
// brackets, which are removed; a bare IPv6 address is rejected rather than
// guessed at. reason is empty on success.
func splitHostPort(addr string) (host, port string, bracketed bool, reason string) {
	if strings.HasPrefix(addr, "[") {
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return "", "", false, `tcp: missing "]" in address`
		}
		host, rest := addr[1:end], addr[end+1:]
		if host == "" {
			return "", "", false, "tcp: empty host"
		}
		if rest == "" {
			return "", "", false, "tcp: missing port"
		}
		if rest[0] != ':' {
			return "", "", false, `tcp: unexpected text after "]"`
		}
		return host, rest[1:], true, ""
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", "", false, "tcp: missing port"
	}
	host, port = addr[:i], addr[i+1:]
	switch {
	case strings.Contains(host, ":"):
		return "", "", false, "tcp: IPv6 address must be in brackets, as in [::1]:5555"
	case strings.ContainsAny(host, "[]"):
		return "", "", false, "tcp: misplaced brackets in host"
	}
	return host, port, false, ""
}

// parsePort parses a decimal port. On bind, "*" and "0" ask for an
// ephemeral port; on connect the port must be non-zero.
func parsePort(port string, bind bool) (int, string) {
	if port == "" {
		return 0, "tcp: missing port"
	}
	if port == "*" {
		if bind {
			return 0, ""
		}
		return 0, `tcp: port "*" is valid only for bind`
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return 0, "tcp: bad port " + strconv.Quote(port)
		}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n > 65535 {
		return 0, "tcp: port " + strconv.Quote(port) + " out of range"
	}
	if n == 0 && !bind {
		return 0, "tcp: port 0 is valid only for bind"
	}
	return n, ""
}

// bindAddr is a resolved bind address.
type bindAddr struct {
	network  string // "tcp" for the "*" host, else "tcp4" or "tcp6"
	ip       netip.Addr
	port     int
	wildcard bool // the host was "*"
}

// String returns the address in the form net.Listen takes.
func (b bindAddr) String() string {
	if b.wildcard {
		return ":" + strconv.Itoa(b.port)
	}
	return netip.AddrPortFrom(b.ip, uint16(b.port)).String()
}

// tcpAddr returns b as a *net.TCPAddr, e.g. for a dialer's source address.
func (b bindAddr) tcpAddr() *net.TCPAddr {
	a := &net.TCPAddr{Port: b.port}
	if !b.wildcard {
		a.IP = b.ip.AsSlice()
		a.Zone = b.ip.Zone()
	}
	return a
}

// parseBind resolves the bind form of an address: host "*", a numeric IPv4
// address, a bracketed IPv6 address (zone allowed) or an interface name; port
// a number, "*" or "0". Names are never looked up in DNS, as in libzmq.
func parseBind(endpoint, addr string) (bindAddr, error) {
	host, port, bracketed, reason := splitHostPort(addr)
	if reason != "" {
		return bindAddr{}, transport.BadEndpoint(endpoint, reason)
	}
	n, reason := parsePort(port, true)
	if reason != "" {
		return bindAddr{}, transport.BadEndpoint(endpoint, reason)
	}
	b := bindAddr{port: n}
	switch {
	case host == "":
		return bindAddr{}, transport.BadEndpoint(endpoint, `tcp: empty host (use "*" for all interfaces)`)
	case host == "*" && !bracketed:
		b.network, b.wildcard = "tcp", true
		return b, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() == bracketed {
		b.ip = ip.Unmap()
		b.network = network(b.ip)
		return b, nil
	}
	if bracketed {
		return bindAddr{}, transport.BadEndpoint(endpoint, "tcp: bad IPv6 address "+strconv.Quote(host))
	}
	ip, reason := interfaceAddr(host)
	if reason != "" {
		return bindAddr{}, transport.BadEndpoint(endpoint, reason)
	}
	b.ip = ip
	b.network = network(ip)
	return b, nil
}

func network(ip netip.Addr) string {
	if ip.Is4() {
		return "tcp4"
	}
	return "tcp6"
}

// interfaceAddr returns the first IPv4 address of the named interface, or
// its first IPv6 address if it has no IPv4 one. A link-local IPv6 address
// gets the interface as its zone.
func interfaceAddr(name string) (netip.Addr, string) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return netip.Addr{}, "tcp: no interface named " + strconv.Quote(name) +
			" (bind takes \"*\", an IP address or an interface name)"
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, "tcp: addresses of interface " + strconv.Quote(name) + ": " + err.Error()
	}
	var v6 netip.Addr
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() {
			return ip, ""
		}
		if !v6.IsValid() {
			v6 = ip
			if ip.IsLinkLocalUnicast() {
				v6 = ip.WithZone(ifi.Name)
			}
		}
	}
	if v6.IsValid() {
		return v6, ""
	}
	return netip.Addr{}, "tcp: interface " + strconv.Quote(name) + " has no IP address"
}

// dialAddr is a parsed connect address.
type dialAddr struct {
	hostport string    // for net.Dialer
	source   *bindAddr // optional source address, "src;host:port"
}

// parseDial parses the connect form: a host name, numeric IPv4 address or
// bracketed IPv6 address, and a non-zero port, optionally preceded by a
// bind-style source address and ";" (split at the last ";", as libzmq does).
func parseDial(endpoint, addr string) (dialAddr, error) {
	var d dialAddr
	if i := strings.LastIndexByte(addr, ';'); i >= 0 {
		src, err := parseBind(endpoint, addr[:i])
		if err != nil {
			return dialAddr{}, err
		}
		d.source = &src
		addr = addr[i+1:]
	}
	host, port, bracketed, reason := splitHostPort(addr)
	if reason != "" {
		return dialAddr{}, transport.BadEndpoint(endpoint, reason)
	}
	if _, reason := parsePort(port, false); reason != "" {
		return dialAddr{}, transport.BadEndpoint(endpoint, reason)
	}
	switch {
	case host == "":
		return dialAddr{}, transport.BadEndpoint(endpoint, "tcp: empty host")
	case host == "*":
		return dialAddr{}, transport.BadEndpoint(endpoint, `tcp: host "*" is valid only for bind`)
	case bracketed:
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return dialAddr{}, transport.BadEndpoint(endpoint, "tcp: bad IPv6 address "+strconv.Quote(host))
		}
	}
	d.hostport = net.JoinHostPort(host, port)
	return d, nil
}
