package udp

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// Socket options missing from package syscall.
const (
	soReusePort    = 0xF // SO_REUSEPORT
	ipMulticastAll = 49  // IP_MULTICAST_ALL
)

// reuseAddr sets SO_REUSEADDR on a receiving socket, as libzmq does.
func reuseAddr(_, _ string, rc syscall.RawConn) error {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return serr
}

// iface resolves a multicast endpoint's interface to its index and IPv4 address.
func iface(name string) (*net.Interface, netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, netip.Addr{}, err
	}
	want, notAddr := netip.ParseAddr(name)
	for i := range ifs {
		if notAddr != nil && ifs[i].Name != name {
			continue
		}
		addrs, _ := ifs[i].Addrs()
		for _, ad := range addrs {
			ipn, ok := ad.(*net.IPNet)
			if !ok {
				continue
			}
			a, ok := netip.AddrFromSlice(ipn.IP)
			if !ok || !a.Unmap().Is4() {
				continue
			}
			if notAddr == nil && a.Unmap() != want {
				continue
			}
			return &ifs[i], a.Unmap(), nil
		}
		if notAddr != nil {
			return nil, netip.Addr{}, fmt.Errorf("interface %q has no IPv4 address", name)
		}
	}
	if notAddr == nil {
		return nil, netip.Addr{}, fmt.Errorf("no interface has address %s", want)
	}
	return nil, netip.Addr{}, fmt.Errorf("no interface %q", name)
}

// groupSocket makes a UDP socket with the multicast options of ep set, runs setup on
// it, and wraps it as a *net.UDPConn.
func groupSocket(ep Endpoint, opts Options, setup func(fd int, ifc *net.Interface, local netip.Addr) error) (*net.UDPConn, error) {
	ifc, local, err := iface(ep.Interface)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	hops := opts.Hops
	if hops <= 0 {
		hops = 1
	}
	loop := 1
	if opts.NoLoopback {
		loop = 0
	}
	err = func() error {
		mreq := &syscall.IPMreqn{Ifindex: int32(ifc.Index), Address: local.As4()}
		if err := syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, mreq); err != nil {
			return fmt.Errorf("IP_MULTICAST_IF %s: %w", ifc.Name, err)
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, hops); err != nil {
			return fmt.Errorf("IP_MULTICAST_TTL: %w", err)
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_LOOP, loop); err != nil {
			return fmt.Errorf("IP_MULTICAST_LOOP: %w", err)
		}
		if err := setup(fd, ifc, local); err != nil {
			return err
		}
		return syscall.SetNonblock(fd, true)
	}()
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "udp-multicast")
	pc, err := net.FilePacketConn(f)
	f.Close() // pc holds a descriptor of its own
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// listenGroup opens a socket bound to ep's group and port, member of the group on
// ep's interface. Binding the group rather than the wildcard (libzmq binds the
// wildcard) keeps unicast and other groups' traffic to the port out.
func listenGroup(ep Endpoint, opts Options) (*net.UDPConn, error) {
	return groupSocket(ep, opts, func(fd int, ifc *net.Interface, local netip.Addr) error {
		for _, o := range []int{syscall.SO_REUSEADDR, soReusePort} {
			if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, o, 1); err != nil {
				return fmt.Errorf("setsockopt %d: %w", o, err)
			}
		}
		g := ep.Addr.Addr()
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(ep.Addr.Port()), Addr: g.As4()}); err != nil {
			return fmt.Errorf("bind %s: %w", ep.Addr, err)
		}
		join := &syscall.IPMreqn{Multiaddr: g.As4(), Address: local.As4(), Ifindex: int32(ifc.Index)}
		if err := syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_ADD_MEMBERSHIP, join); err != nil {
			return fmt.Errorf("IP_ADD_MEMBERSHIP %s on %s: %w", g, ifc.Name, err)
		}
		// Only the group joined here, not every group joined on the host.
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, ipMulticastAll, 0); err != nil {
			return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
		}
		return nil
	})
}

// dialGroup opens a socket that sends to ep's group out of ep's interface, from an
// ephemeral port of the interface's address.
func dialGroup(ep Endpoint, opts Options) (*net.UDPConn, error) {
	return groupSocket(ep, opts, func(fd int, _ *net.Interface, local netip.Addr) error {
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: local.As4()}); err != nil {
			return fmt.Errorf("bind %s: %w", local, err)
		}
		return nil
	})
}
