//go:build !linux

package socket

import "net"

// unixPeerAddress returns the peer's socket name: libzmq's "localhost:UID:GID:PID"
// needs SO_PEERCRED, which only Linux has in the standard library.
func unixPeerAddress(_ net.Conn, a *net.UnixAddr) string { return a.Name }
