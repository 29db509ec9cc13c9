// Package fdio writes to a socket's descriptor with one system call, for the
// transports' non-blocking flushes (transport.Conn.TryFlush, ws.Conn.TryWriteFramed),
// on the systems where a socket descriptor takes write(2).
package fdio
