package socket

import (
	"net"
	"strconv"
	"syscall"
)

// unixPeerAddress returns the address libzmq 4.3 gives a peer over ipc, in its
// Peer-Address property and its ZAP requests: "localhost:UID:GID:PID", the peer
// process's credentials (SO_PEERCRED) after the name getnameinfo gives a unix
// socket. It falls back to the peer's socket name when they cannot be read.
func unixPeerAddress(nc net.Conn, a *net.UnixAddr) string {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return a.Name
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return a.Name
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || credErr != nil {
		return a.Name
	}
	b := make([]byte, 0, 40)
	b = append(b, "localhost:"...)
	b = strconv.AppendUint(b, uint64(cred.Uid), 10)
	b = append(b, ':')
	b = strconv.AppendUint(b, uint64(cred.Gid), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(cred.Pid), 10)
	return string(b)
}
