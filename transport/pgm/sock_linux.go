package pgm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// ipProtoPGM is PGM's IP protocol number.
const ipProtoPGM = 113

// tosEF is DSCP EF, the TOS libzmq asks OpenPGM to set.
const tosEF = 0x2E << 2

// soReusePort is SO_REUSEPORT (not in package syscall).
const soReusePort = 0xF

// ipMulticastAll is IP_MULTICAST_ALL (not in package syscall).
const ipMulticastAll = 49

type udpConn struct {
	c    *net.UDPConn
	port uint16
}

func (u *udpConn) ReadFrom(b []byte) (int, netip.Addr, error) {
	n, ap, err := u.c.ReadFromUDPAddrPort(b)
	return n, ap.Addr().Unmap(), err
}

func (u *udpConn) WriteTo(b []byte, dst netip.Addr) error {
	_, err := u.c.WriteToUDPAddrPort(b, netip.AddrPortFrom(dst, u.port))
	return err
}

func (u *udpConn) SetReadDeadline(t time.Time) error { return u.c.SetReadDeadline(t) }
func (u *udpConn) Close() error                      { return u.c.Close() }

type rawConn struct{ c *net.IPConn }

func (r *rawConn) ReadFrom(b []byte) (int, netip.Addr, error) {
	// Go strips the IPv4 header from raw ip4 reads.
	n, a, err := r.c.ReadFromIP(b)
	if err != nil {
		return n, netip.Addr{}, err
	}
	ad, _ := netip.AddrFromSlice(a.IP)
	return n, ad.Unmap(), nil
}

func (r *rawConn) WriteTo(b []byte, dst netip.Addr) error {
	_, err := r.c.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice()})
	return err
}

func (r *rawConn) SetReadDeadline(t time.Time) error { return r.c.SetReadDeadline(t) }
func (r *rawConn) Close() error                      { return r.c.Close() }

// sockSetup describes the multicast options of one socket.
type sockSetup struct {
	ifc      *net.Interface
	local    netip.Addr // the interface address
	group    netip.Addr
	join     bool
	hops     int
	loopback bool
}

func (s sockSetup) apply(fd uintptr) error {
	mreq := &syscall.IPMreqn{Ifindex: int32(s.ifc.Index), Address: s.local.As4()}
	if err := syscall.SetsockoptIPMreqn(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, mreq); err != nil {
		return fmt.Errorf("IP_MULTICAST_IF: %w", err)
	}
	if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, s.hops); err != nil {
		return fmt.Errorf("IP_MULTICAST_TTL: %w", err)
	}
	loop := 0
	if s.loopback {
		loop = 1
	}
	if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_LOOP, loop); err != nil {
		return fmt.Errorf("IP_MULTICAST_LOOP: %w", err)
	}
	_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS, tosEF)
	if s.join {
		j := &syscall.IPMreqn{Multiaddr: s.group.As4(), Address: s.local.As4(), Ifindex: int32(s.ifc.Index)}
		if err := syscall.SetsockoptIPMreqn(int(fd), syscall.IPPROTO_IP, syscall.IP_ADD_MEMBERSHIP, j); err != nil {
			return fmt.Errorf("IP_ADD_MEMBERSHIP %s on %s: %w", s.group, s.ifc.Name, err)
		}
		// Only the groups joined on this socket: Linux otherwise delivers
		// every group joined on the host (the pgm:// raw socket is not
		// bound to its group).
		if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipMulticastAll, 0); err != nil {
			return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
		}
	}
	return nil
}

func control(s sockSetup, reuse bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if reuse {
				if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); serr != nil {
					return
				}
				if serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1); serr != nil {
					return
				}
			}
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4<<20)
			serr = s.apply(fd)
		})
		if err != nil {
			return err
		}
		return serr
	}
}

// openConn opens a socket for ep bound to bind (port = the endpoint port for
// epgm, or 0 for an ephemeral one; ignored for pgm).
func openConn(ep Endpoint, bind netip.Addr, port uint16, s sockSetup) (packetConn, error) {
	if ep.Scheme == "pgm" {
		lc := net.ListenConfig{Control: control(s, false)}
		pc, err := lc.ListenPacket(context.Background(), fmt.Sprintf("ip4:%d", ipProtoPGM), bind.String())
		if err != nil {
			if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
				return nil, fmt.Errorf("pgm: raw sockets need CAP_NET_RAW: %w", err)
			}
			return nil, fmt.Errorf("pgm: %w", err)
		}
		return &rawConn{c: pc.(*net.IPConn)}, nil
	}
	if bind.IsMulticast() {
		return openGroupConn(ep, bind, port, s)
	}
	lc := net.ListenConfig{Control: control(s, port != 0)}
	pc, err := lc.ListenPacket(context.Background(), "udp4", netip.AddrPortFrom(bind, port).String())
	if err != nil {
		return nil, fmt.Errorf("pgm: %w", err)
	}
	return &udpConn{c: pc.(*net.UDPConn), port: ep.Port}, nil
}

// openGroupConn opens a UDP socket really bound to group:port. Go's
// ListenPacket binds a multicast address as the wildcard (0.0.0.0:port),
// and such a socket receives every datagram to the port: other groups'
// data (Linux delivers any group joined on the host, IP_MULTICAST_ALL) and
// unicast NAKs. Two groups on one port would then mix their streams.
func openGroupConn(ep Endpoint, group netip.Addr, port uint16, s sockSetup) (packetConn, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("pgm: socket: %w", err)
	}
	setup := func() error {
		for _, o := range []struct{ level, opt, v int }{
			{syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1},
			{syscall.SOL_SOCKET, soReusePort, 1},
		} {
			if err := syscall.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
				return fmt.Errorf("setsockopt %d/%d: %w", o.level, o.opt, err)
			}
		}
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4<<20)
		if err := s.apply(uintptr(fd)); err != nil {
			return err
		}
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(port), Addr: group.As4()}); err != nil {
			return fmt.Errorf("bind %s: %w", netip.AddrPortFrom(group, port), err)
		}
		return syscall.SetNonblock(fd, true)
	}
	if err := setup(); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("pgm: %w", err)
	}
	f := os.NewFile(uintptr(fd), "pgm-group")
	pc, err := net.FilePacketConn(f)
	f.Close() // pc holds its own descriptor
	if err != nil {
		return nil, fmt.Errorf("pgm: %w", err)
	}
	return &udpConn{c: pc.(*net.UDPConn), port: ep.Port}, nil
}
