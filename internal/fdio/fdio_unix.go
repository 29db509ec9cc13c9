//go:build unix

package fdio

import "syscall"

// Supported says whether Write works on this system.
const Supported = true

// Write writes b to the non-blocking descriptor fd with one system call. A full
// socket buffer takes part of b or none of it: n is then short, and err is EAGAIN
// when nothing went.
func Write(fd uintptr, b []byte) (n int, err error) { return syscall.Write(int(fd), b) }
