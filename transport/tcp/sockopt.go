package tcp

import (
	"fmt"
	"syscall"

	"github.com/brokerless/zmq/transport"
)

// control returns the function that package net calls on every socket the transport
// creates, before it binds or connects, to apply opts; nil when there is nothing to
// apply.
func control(opts transport.Options) func(network, address string, c syscall.RawConn) error {
	if opts.TOS == 0 && opts.BindToDevice == "" {
		return nil
	}
	return func(network, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = setSockopts(int(fd), network, opts) })
		if err != nil {
			return err
		}
		return serr
	}
}

// setSockopts applies TOS and BindToDevice to the socket fd of the given network
// ("tcp4" or "tcp6").
func setSockopts(fd int, network string, opts transport.Options) error {
	if opts.TOS != 0 {
		if opts.TOS < 0 || opts.TOS > 255 {
			return fmt.Errorf("tcp: type of service %d out of range 0..255", opts.TOS)
		}
		level, opt := syscall.IPPROTO_IP, syscall.IP_TOS
		if network == "tcp6" {
			level, opt = syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS
		}
		if err := syscall.SetsockoptInt(fd, level, opt, opts.TOS); err != nil {
			return fmt.Errorf("tcp: setting type of service: %w", err)
		}
	}
	if opts.BindToDevice != "" {
		if err := bindToDevice(fd, opts.BindToDevice); err != nil {
			return fmt.Errorf("tcp: binding to device %q: %w", opts.BindToDevice, err)
		}
	}
	return nil
}
