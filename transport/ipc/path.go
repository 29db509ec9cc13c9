package ipc

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/brokerless/zmq/transport"
)

// MaxPathLen is the longest socket path, in bytes, that fits sun_path on
// Linux (108 bytes with the terminating NUL). An abstract name, which has no
// terminator, may be one byte longer counting its "@".
const MaxPathLen = 107

// ErrPathTooLong reports a socket path longer than [MaxPathLen] (zmq
// ENAMETOOLONG). The error returned is an [*transport.EndpointError] that
// matches ErrPathTooLong, [transport.ErrBadEndpoint] and
// [syscall.ENAMETOOLONG] under errors.Is.
var ErrPathTooLong = errors.New("ipc: path too long")

// pathTooLong is the reason of a too-long path error.
type pathTooLong struct{ n, limit int }

func (e *pathTooLong) Error() string {
	return "ipc: path too long (" + strconv.Itoa(e.n) + " bytes, limit " + strconv.Itoa(e.limit) + ")"
}

func (e *pathTooLong) Is(target error) bool {
	return target == ErrPathTooLong || target == transport.ErrBadEndpoint || target == syscall.ENAMETOOLONG
}

// abstractOK reports whether the system has the abstract socket namespace.
const abstractOK = runtime.GOOS == "linux" || runtime.GOOS == "android"

// checkPath validates a socket path or "@name" abstract name for bind or
// connect. The wildcard "*" is handled by the caller.
func checkPath(endpoint, path string) error {
	limit := MaxPathLen
	switch {
	case path == "":
		return transport.BadEndpoint(endpoint, "ipc: empty path")
	case strings.IndexByte(path, 0) >= 0:
		return transport.BadEndpoint(endpoint, "ipc: NUL byte in path")
	case path == "@":
		return transport.BadEndpoint(endpoint, "ipc: empty abstract name")
	case path[0] == '@':
		if !abstractOK {
			return transport.BadEndpoint(endpoint, "ipc: abstract names (@name) need Linux")
		}
		limit++
	}
	if len(path) > limit {
		return &transport.EndpointError{Endpoint: endpoint, Err: &pathTooLong{n: len(path), limit: limit}}
	}
	return nil
}
