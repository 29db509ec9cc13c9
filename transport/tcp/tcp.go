// Package tcp is the ZeroMQ tcp:// transport: ZMTP over TCP connections.
//
// Bind addresses (zmq-spec §5.1) take a host of "*" (every interface), a
// numeric IPv4 address, a bracketed IPv6 address such as "[::1]" or
// "[fe80::1%eth0]", or an interface name such as "lo" (its first IPv4
// address, else its first IPv6 one), and a port that is a number or "*" or
// "0" for an ephemeral port. Names are not looked up in DNS on bind.
//
// Connect addresses take a host name or a numeric address and a non-zero
// port, optionally preceded by a source address in bind syntax and ";", as in
// "eth1:0;server1:5555".
//
// Connections have TCP_NODELAY set (package net's default), and keep-alive,
// type of service and device binding as [transport.Options] says. The listen backlog is package net's: the
// system's maximum (net.core.somaxconn on Linux) rather than libzmq's
// ZMQ_BACKLOG of 100; a larger queue of pending connections does no harm
// here.
package tcp

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/brokerless/zmq/transport"
)

// Transport is the tcp transport. The zero value is ready to use.
type Transport struct{}

var (
	_ transport.StreamTransport = Transport{}
	_ transport.Listener        = (*Listener)(nil)
)

// Listen calls the package function [Listen].
func (Transport) Listen(ctx context.Context, addr string, opts transport.Options) (transport.Listener, error) {
	ln, err := Listen(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// Dial calls the package function [Dial].
func (Transport) Dial(ctx context.Context, addr string, opts transport.Options) (net.Conn, error) {
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Listener is a bound tcp endpoint. It is safe for concurrent use.
type Listener struct {
	ln       *net.TCPListener
	opts     transport.Options
	endpoint string
}

// Listen binds addr, the part of a tcp endpoint after "tcp://", in the bind
// syntax described in the package comment. ctx bounds only the bind itself.
// Connections accepted from the listener get keep-alive per opts.
func Listen(ctx context.Context, addr string, opts transport.Options) (*Listener, error) {
	b, err := parseBind("tcp://"+addr, addr)
	if err != nil {
		return nil, err
	}
	// KeepAlive -1: leave SO_KEEPALIVE alone; Accept applies opts itself.
	// TOS and BindToDevice are set on the listening socket, and accepted
	// connections inherit them.
	lc := net.ListenConfig{KeepAlive: -1, Control: control(opts)}
	ln, err := lc.Listen(ctx, b.network, b.String())
	if err != nil {
		return nil, err
	}
	tl := ln.(*net.TCPListener)
	ap := tl.Addr().(*net.TCPAddr).AddrPort()
	ip := ap.Addr().Unmap()
	if b.wildcard {
		// libzmq reports "*" as 0.0.0.0 (its LAST_ENDPOINT); we bind both
		// families where the system allows it.
		ip = netip.IPv4Unspecified()
	}
	ep := "tcp://" + netip.AddrPortFrom(ip, ap.Port()).String()
	return &Listener{ln: tl, opts: opts, endpoint: ep}, nil
}

// Accept waits for the next connection and applies the listener's
// keep-alive options to it. After Close it returns an error matching
// net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.ln.AcceptTCP()
	if err != nil {
		return nil, err
	}
	if err := setKeepAlive(c, l.opts); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close stops listening; a blocked Accept returns an error. Accepted
// connections stay open.
func (l *Listener) Close() error { return l.ln.Close() }

// Endpoint returns the bound endpoint with the ephemeral port filled in, such
// as "tcp://127.0.0.1:43121" or "tcp://[::1]:43121". A "*" host is reported
// as 0.0.0.0, as libzmq does, though the listener also accepts IPv6 where
// the system has it.
func (l *Listener) Endpoint() string { return l.endpoint }

// Addr returns the listener's network address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Dial connects to addr, the part of a tcp endpoint after "tcp://", in the
// connect syntax described in the package comment. ctx bounds the connection
// attempt (host name lookup included). The connection has TCP_NODELAY set and
// keep-alive per opts.
func Dial(ctx context.Context, addr string, opts transport.Options) (*net.TCPConn, error) {
	d, err := parseDial("tcp://"+addr, addr)
	if err != nil {
		return nil, err
	}
	dialer := net.Dialer{KeepAlive: -1, Control: control(opts)} // leave SO_KEEPALIVE alone; set below
	if d.source != nil {
		dialer.LocalAddr = d.source.tcpAddr()
	}
	nc, err := dialer.DialContext(ctx, "tcp", d.hostport)
	if err != nil {
		return nil, err
	}
	c := nc.(*net.TCPConn) // TCP_NODELAY is on: package net sets it on every TCPConn
	if err := setKeepAlive(c, opts); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// setKeepAlive applies the keep-alive options to c. KeepAliveDefault (and
// any unknown mode) leaves the socket as the system made it.
func setKeepAlive(c *net.TCPConn, o transport.Options) error {
	switch o.KeepAlive {
	case transport.KeepAliveOn:
		count := o.KeepAliveCount
		if count <= 0 {
			count = -1
		}
		return c.SetKeepAliveConfig(net.KeepAliveConfig{
			Enable:   true,
			Idle:     orUnchanged(o.KeepAliveIdle),
			Interval: orUnchanged(o.KeepAliveInterval),
			Count:    count,
		})
	case transport.KeepAliveOff:
		return c.SetKeepAlive(false)
	}
	return nil
}

// orUnchanged maps our "zero is the OS default" to KeepAliveConfig's
// "negative leaves the socket option unchanged".
func orUnchanged(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}
