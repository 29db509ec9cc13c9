package tcp

import (
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
		err := c.Control(func(fd uintptr) { serr = setSockopts(fd, network, opts) })
		if err != nil {
			return err
		}
		return serr
	}
}
