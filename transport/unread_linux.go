package transport

import (
	"net"
	"syscall"
	"unsafe"
)

// UnreadByPeer reports about how many bytes written to an ipc (unix stream
// socket) connection its peer has not read yet, as the SIOCOUTQ ioctl counts
// them: the peer's receive queue and our send queue, with the kernel's buffer
// overhead. It is 0 once the peer has read everything, for other connections,
// and when the kernel cannot tell.
//
// Close lingers on it (see socket.Options.Linger): a libzmq peer that has
// stopped reading for a full receive pipe and then sees an ipc connection hang
// up drops what it had not read yet, which a tcp connection does not make it do.
func (c *Conn) UnreadByPeer() int {
	uc, ok := c.nc.(*net.UnixConn)
	if !ok {
		return 0
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return 0
	}
	var n int32
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
	}); err != nil || errno != 0 {
		return 0
	}
	return int(n)
}
