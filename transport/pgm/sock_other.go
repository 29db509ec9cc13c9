//go:build !linux

package pgm

import (
	"errors"
	"net"
	"net/netip"
)

type sockSetup struct {
	ifc      *net.Interface
	local    netip.Addr
	group    netip.Addr
	join     bool
	hops     int
	loopback bool
}

func openConn(ep Endpoint, bind netip.Addr, port uint16, s sockSetup) (packetConn, error) {
	return nil, errors.New("pgm: only supported on linux")
}
