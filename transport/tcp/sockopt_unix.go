//go:build unix

package tcp

import (
	"fmt"
	"syscall"

	"github.com/brokerless/zmq/transport"
)

// setSockopts applies TOS and BindToDevice to the socket fd of the given network
// ("tcp4" or "tcp6").
func setSockopts(sfd uintptr, network string, opts transport.Options) error {
	fd := int(sfd)
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
