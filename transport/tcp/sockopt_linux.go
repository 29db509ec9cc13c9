package tcp

import "syscall"

func bindToDevice(fd int, dev string) error {
	return syscall.SetsockoptString(fd, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, dev)
}
