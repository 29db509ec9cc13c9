//go:build !linux

package socket

import "syscall"

// socketHasBytes reports true: without TIOCINQ a parked reader cannot tell whether
// bytes wait, so it assumes they do (see engine.park).
func socketHasBytes(syscall.RawConn) bool { return true }
