//go:build !linux

package udp

import (
	"errors"
	"net"
	"syscall"
)

func reuseAddr(_, _ string, _ syscall.RawConn) error { return nil }

var errNoMulticast = errors.New("udp multicast is only supported on linux")

func listenGroup(Endpoint, Options) (*net.UDPConn, error) { return nil, errNoMulticast }
func dialGroup(Endpoint, Options) (*net.UDPConn, error)   { return nil, errNoMulticast }
