package udp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
)

// Options configure a Conn. The zero value means libzmq's defaults.
type Options struct {
	// Hops is the multicast TTL; zero means 1 (the local network).
	Hops int
	// NoLoopback keeps this host's receivers from hearing the multicast it sends
	// (libzmq's ZMQ_MULTICAST_LOOP, which is on by default).
	NoLoopback bool
	// MaxMsgSize drops received datagrams whose body is larger than this many bytes;
	// zero or less means no limit beyond MaxDatagram.
	MaxMsgSize int64
}

// Stats counts what a Conn has sent, received and dropped.
type Stats struct {
	Sent     uint64 // datagrams handed to the network
	Received uint64 // datagrams returned to the caller
	// Malformed counts datagrams dropped because their length byte lies (ErrTruncated).
	Malformed uint64
	// Oversized counts datagrams dropped for exceeding MaxDatagram or MaxMsgSize.
	Oversized uint64
	// SendErrors counts datagrams the network refused (not sent; the Conn carries on).
	SendErrors uint64
}

// Conn is a UDP socket speaking the transport's datagrams: bound to receive (Listen)
// or open to send (Dial), or both (a DGRAM's bound socket). ReadGroup and ReadRaw may
// be called by one goroutine at a time, and the Write methods by one goroutine at a
// time; Close may be called by any.
type Conn struct {
	c     *net.UDPConn
	dst   netip.AddrPort // Dial's destination
	opts  Options
	rbuf  []byte // one datagram and one byte, to tell an oversized datagram
	wbuf  []byte
	local netip.AddrPort

	sent, received, malformed, oversized, sendErrors atomic.Uint64
}

// Listen opens a socket bound to ep to receive datagrams: ep's unicast address, or its
// multicast group joined on its interface.
func Listen(ep Endpoint, opts Options) (*Conn, error) {
	var (
		c   *net.UDPConn
		err error
	)
	if ep.Multicast() {
		c, err = listenGroup(ep, opts)
	} else {
		var pc net.PacketConn
		pc, err = (&net.ListenConfig{Control: reuseAddr}).ListenPacket(context.Background(), "udp4", ep.Addr.String())
		if err == nil {
			c = pc.(*net.UDPConn)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("udp: listen %s: %w", ep, err)
	}
	return newConn(c, netip.AddrPort{}, opts), nil
}

// Dial opens a socket sending datagrams to ep's address, from an ephemeral port.
// Multicast goes out of ep's interface only.
func Dial(ep Endpoint, opts Options) (*Conn, error) {
	var (
		c   *net.UDPConn
		err error
	)
	if ep.Multicast() {
		c, err = dialGroup(ep, opts)
	} else {
		// Not a connected socket: a connected one would fail its next write each
		// time the destination answers with ICMP port unreachable.
		c, err = net.ListenUDP("udp4", nil)
	}
	if err != nil {
		return nil, fmt.Errorf("udp: open %s: %w", ep, err)
	}
	return newConn(c, ep.Addr, opts), nil
}

func newConn(c *net.UDPConn, dst netip.AddrPort, opts Options) *Conn {
	_ = c.SetReadBuffer(1 << 20)
	la, _ := netip.ParseAddrPort(c.LocalAddr().String())
	return &Conn{c: c, dst: dst, opts: opts, local: la,
		rbuf: make([]byte, MaxDatagram+1), wbuf: make([]byte, 0, MaxDatagram)}
}

// LocalAddr returns the address the socket is bound to.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// Close closes the socket; blocked reads and writes return an error matching
// net.ErrClosed.
func (c *Conn) Close() error { return c.c.Close() }

// Stats returns a snapshot of c's counters.
func (c *Conn) Stats() Stats {
	return Stats{
		Sent: c.sent.Load(), Received: c.received.Load(),
		Malformed: c.malformed.Load(), Oversized: c.oversized.Load(),
		SendErrors: c.sendErrors.Load(),
	}
}

// read returns the next datagram that fits, dropping and counting the others. The
// result aliases c's buffer until the next read.
func (c *Conn) read() ([]byte, netip.AddrPort, error) {
	for {
		n, from, err := c.c.ReadFromUDPAddrPort(c.rbuf)
		if err != nil {
			return nil, from, err
		}
		if n > MaxDatagram {
			c.oversized.Add(1)
			continue
		}
		return c.rbuf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), nil
	}
}

func (c *Conn) tooLarge(body []byte) bool {
	if c.opts.MaxMsgSize > 0 && int64(len(body)) > c.opts.MaxMsgSize {
		c.oversized.Add(1)
		return true
	}
	return false
}

// ReadGroup returns the next well-formed RADIO/DISH datagram's group and body, and its
// sender. They alias c's buffer until the next read: copy what you keep. Datagrams
// that are malformed or too large are dropped and counted.
func (c *Conn) ReadGroup() (group, body []byte, from netip.AddrPort, err error) {
	for {
		b, from, err := c.read()
		if err != nil {
			return nil, nil, from, err
		}
		group, body, err := ParseGroupDatagram(b)
		if err != nil {
			c.malformed.Add(1)
			continue
		}
		if c.tooLarge(body) {
			continue
		}
		c.received.Add(1)
		return group, body, from, nil
	}
}

// ReadRaw returns the next datagram (a DGRAM body) and its sender. The body aliases
// c's buffer until the next read. Datagrams that are too large are dropped and
// counted.
func (c *Conn) ReadRaw() (body []byte, from netip.AddrPort, err error) {
	for {
		b, from, err := c.read()
		if err != nil {
			return nil, from, err
		}
		if c.tooLarge(b) {
			continue
		}
		c.received.Add(1)
		return b, from, nil
	}
}

// WriteGroup sends body to group as one datagram to Dial's destination. A message
// that does not fit in a datagram is not sent (ErrTooLarge, ErrGroupTooLong).
func (c *Conn) WriteGroup(group, body []byte) error {
	b, err := AppendGroupDatagram(c.wbuf[:0], group, body)
	if err != nil {
		return err
	}
	return c.write(b, c.dst)
}

// WriteRaw sends body as one datagram to dst.
func (c *Conn) WriteRaw(body []byte, dst netip.AddrPort) error {
	if len(body) > MaxDatagram {
		return ErrTooLarge
	}
	return c.write(body, dst)
}

func (c *Conn) write(b []byte, dst netip.AddrPort) error {
	if _, err := c.c.WriteToUDPAddrPort(b, dst); err != nil {
		c.sendErrors.Add(1)
		return err
	}
	c.sent.Add(1)
	return nil
}
