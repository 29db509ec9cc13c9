package pgm

import (
	"net/netip"
	"time"
)

// packetConn is the datagram interface the Sender and Receiver use. For
// epgm every destination's port is the endpoint port; for pgm there are no
// ports below PGM. Tests wrap it to inject loss.
type packetConn interface {
	// ReadFrom reads one PGM packet (IP and UDP headers removed).
	ReadFrom(b []byte) (n int, src netip.Addr, err error)
	// WriteTo sends one PGM packet to dst.
	WriteTo(b []byte, dst netip.Addr) error
	SetReadDeadline(t time.Time) error
	Close() error
}

// connHook, when set by a test, wraps every packetConn a Sender or
// Receiver opens; role is "sender", "receiver" or "receiver-tx".
type connHook func(role string, c packetConn) packetConn
