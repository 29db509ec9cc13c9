package socket

import (
	"syscall"
	"unsafe"
)

// socketHasBytes reports whether the kernel holds bytes not yet read from the socket
// (TIOCINQ, alias FIONREAD), or true when it cannot tell.
func socketHasBytes(rc syscall.RawConn) bool {
	if rc == nil {
		return true
	}
	var n int32
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}); err != nil || errno != 0 {
		return true
	}
	return n > 0
}
