package socket

import (
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
)

// conns returns the network connections of s's stream peers.
func conns(s *Socket) []net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Conn
	for p := range s.pipes {
		if e, ok := p.link.(*engine); ok {
			out = append(out, e.c.NetConn())
		}
	}
	return out
}

// controlFD runs f on c's file descriptor.
func controlFD(t *testing.T, c net.Conn, f func(fd uintptr)) {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(f))
}

// reqRepOverTCP connects a REQ to a REP over tcp with the given options, completes a
// round trip, and returns both sockets.
func reqRepOverTCP(t *testing.T, repOpts, reqOpts Options) (rep, req *Socket) {
	t.Helper()
	rep = newSocket(t, Rep, repOpts)
	req = newSocket(t, Req, reqOpts)
	connect(t, req, bind(t, rep, "tcp"))
	send(t, req, "ping")
	require.Equal(t, []string{"ping"}, recvStrings(t, rep))
	send(t, rep, "pong")
	require.Equal(t, []string{"pong"}, recvStrings(t, req))
	return rep, req
}

// TOS reaches both ends of a tcp connection (ipc and inproc have no IP header).
func TestTOS(t *testing.T) {
	rep, req := reqRepOverTCP(t, Options{TOS: 0x48}, Options{TOS: 0x20})
	for s, want := range map[*Socket]int{rep: 0x48, req: 0x20} {
		cs := conns(s)
		require.Len(t, cs, 1)
		controlFD(t, cs[0], func(fd uintptr) {
			v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TOS)
			require.NoError(t, err)
			require.Equal(t, want, v)
		})
	}
}

func boundDevice(t *testing.T, c net.Conn) string {
	t.Helper()
	var buf [32]byte
	n := uint32(len(buf))
	controlFD(t, c, func(fd uintptr) {
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
		require.Zero(t, errno)
	})
	return strings.TrimRight(string(buf[:n]), "\x00")
}

// BindToDevice binds a socket's tcp connections and listeners to an interface. The
// test runs in a network namespace of its own, where lo is the only interface.
func TestBindToDevice(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		rep, req := reqRepOverTCP(t, Options{BindToDevice: "lo"}, Options{BindToDevice: "lo"})
		for _, s := range []*Socket{rep, req} {
			cs := conns(s)
			require.Len(t, cs, 1)
			require.Equal(t, "lo", boundDevice(t, cs[0]))
		}
		_, plain := reqRepOverTCP(t, Options{}, Options{})
		require.Equal(t, "", boundDevice(t, conns(plain)[0]))

		bad := newSocket(t, Rep, Options{BindToDevice: "nosuchdev0"})
		require.ErrorIs(t, bad.Bind("tcp://127.0.0.1:*"), syscall.ENODEV)

		events := make(chan Event, 16)
		dialer := newSocket(t, Req, Options{BindToDevice: "nosuchdev0", Monitor: events})
		connect(t, dialer, rep.LastEndpoint())
		e := waitEvent(t, events, func(e Event) bool { return e.Type == EventConnectRetried })
		require.ErrorIs(t, e.Err, syscall.ENODEV)
	})
}
