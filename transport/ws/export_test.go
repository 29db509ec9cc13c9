package ws

import "net"

// WriteBufferCap returns the capacity of a Conn's write buffer, for tests.
func WriteBufferCap(nc net.Conn) int { return cap(nc.(*Conn).out) }
