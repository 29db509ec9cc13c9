//go:build unix

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// rawReader is the reading side of a Conn over a TCP or unix-domain connection. Besides
// Read it implements wire.IdleReader: it reads on the connection's descriptor with one
// system call, and when nothing is there it waits for input without holding a buffer,
// so that the Conn's wire.Reader can give its buffer back while the connection is idle.
// Deadlines and Close interrupt the wait as they interrupt a Read.
type rawReader struct {
	connReader
	raw syscall.RawConn

	// ReadWhenReady's arguments and results, kept here so that its callback is made
	// once and a read allocates nothing.
	space  func() []byte
	idle   func()
	n      int
	err    error
	readFn func(fd uintptr) bool
}

// newConnReader returns the reader a Conn's wire.Reader reads nc's bytes from.
func newConnReader(c *Conn) io.Reader {
	switch c.nc.(type) {
	case *net.TCPConn, *net.UnixConn:
		// Only these exact types: a wrapper may do more in Read than the descriptor does.
		if raw, err := c.nc.(syscall.Conn).SyscallConn(); err == nil {
			r := &rawReader{connReader: connReader{c}, raw: raw}
			r.readFn = r.readFD
			return r
		}
	}
	return connReader{c}
}

// ReadWhenReady implements wire.IdleReader.
func (r *rawReader) ReadWhenReady(space func() []byte, idle func()) (int, error) {
	r.space, r.idle = space, idle
	r.n, r.err = 0, nil
	err := r.raw.Read(r.readFn)
	r.space, r.idle = nil, nil
	if err != nil {
		// Closed, or past the read deadline: report it as Read does.
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op != "read" {
			e := *oe
			e.Op = "read"
			err = &e
		}
		return 0, err
	}
	if r.n > 0 && r.c.onBytes != nil {
		r.c.onBytes()
	}
	return r.n, r.err
}

// readFD makes one read attempt on the descriptor; false means that nothing was there
// and RawConn.Read should wait for input and call it again.
func (r *rawReader) readFD(fd uintptr) bool {
	p := r.space()
	if len(p) == 0 {
		return true
	}
	for {
		n, err := syscall.Read(int(fd), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			r.idle()
			return false
		case err != nil:
			r.err = &net.OpError{Op: "read", Net: r.c.nc.LocalAddr().Network(), Source: r.c.nc.LocalAddr(), Addr: r.c.nc.RemoteAddr(), Err: os.NewSyscallError("read", err)}
		case n == 0:
			r.err = io.EOF
		default:
			r.n = n
		}
		return true
	}
}
