package tcp_test

import (
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/tcp"
)

func sockopt(t *testing.T, c net.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	var v int
	var serr error
	require.NoError(t, rc.Control(func(fd uintptr) {
		v, serr = syscall.GetsockoptInt(int(fd), level, opt)
	}))
	require.NoError(t, serr)
	return v
}

// TestSocketOptions checks TCP_NODELAY and keep-alive on both the dialled and
// the accepted end. The default mode must leave SO_KEEPALIVE off, as a
// fresh Linux socket has it, although package net would turn it on.
func TestSocketOptions(t *testing.T) {
	tests := []struct {
		opts      transport.Options
		keepalive int
		idle      int // TCP_KEEPIDLE seconds, 0: not checked
		interval  int
		count     int
	}{
		{transport.Options{}, 0, 0, 0, 0},
		{transport.Options{KeepAlive: transport.KeepAliveOff}, 0, 0, 0, 0},
		{transport.Options{KeepAlive: transport.KeepAliveOn}, 1, 0, 0, 0},
		{transport.Options{
			KeepAlive: transport.KeepAliveOn, KeepAliveIdle: 42 * time.Second,
			KeepAliveInterval: 7 * time.Second, KeepAliveCount: 3,
		}, 1, 42, 7, 3},
		{transport.Options{KeepAlive: transport.KeepAliveOn, KeepAliveIdle: 1500 * time.Millisecond}, 1, 2, 0, 0},
	}
	for _, tt := range tests {
		ln, err := tcp.Listen(ctx(t), "127.0.0.1:0", tt.opts)
		require.NoError(t, err)
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		dialAddr := ln.Addr().String()
		d, err := tcp.Dial(ctx(t), dialAddr, tt.opts)
		require.NoError(t, err)
		var a net.Conn
		select {
		case a = <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatal("Accept did not return")
		}
		require.NotNil(t, a)
		for _, c := range []net.Conn{d, a} {
			require.Equal(t, 1, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY))
			require.Equal(t, tt.keepalive, sockopt(t, c, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE), "%+v", tt.opts)
			if tt.idle != 0 {
				require.Equal(t, tt.idle, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE))
			}
			if tt.interval != 0 {
				require.Equal(t, tt.interval, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL))
			}
			if tt.count != 0 {
				require.Equal(t, tt.count, sockopt(t, c, syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT))
			}
		}
		d.Close()
		a.Close()
		ln.Close()
	}
}

// acceptedPair listens on addr with opts, dials it with opts and returns both ends.
func acceptedPair(t *testing.T, addr string, opts transport.Options) (dialed, accepted net.Conn) {
	t.Helper()
	ln, err := tcp.Listen(ctx(t), addr, opts)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	d, err := tcp.Dial(ctx(t), ln.Addr().String(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	select {
	case accepted = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return")
	}
	require.NotNil(t, accepted)
	t.Cleanup(func() { accepted.Close() })
	return d, accepted
}

// TOS sets IP_TOS (IPV6_TCLASS over IPv6) on both the dialled and the accepted end.
func TestTypeOfService(t *testing.T) {
	d, a := acceptedPair(t, "127.0.0.1:0", transport.Options{TOS: 0x28})
	for _, c := range []net.Conn{d, a} {
		require.Equal(t, 0x28, sockopt(t, c, syscall.IPPROTO_IP, syscall.IP_TOS))
	}
	d, a = acceptedPair(t, "127.0.0.1:0", transport.Options{})
	for _, c := range []net.Conn{d, a} {
		require.Equal(t, 0, sockopt(t, c, syscall.IPPROTO_IP, syscall.IP_TOS), "the default is left alone")
	}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Logf("no IPv6 loopback here (%v): IPV6_TCLASS not checked", err)
		return
	} else {
		ln.Close()
	}
	d, a = acceptedPair(t, "[::1]:0", transport.Options{TOS: 0xb8})
	for _, c := range []net.Conn{d, a} {
		require.Equal(t, 0xb8, sockopt(t, c, syscall.IPPROTO_IPV6, syscall.IPV6_TCLASS))
	}
}

// getsockoptString reads a string socket option, such as SO_BINDTODEVICE.
func getsockoptString(t *testing.T, c net.Conn, level, opt int) string {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	var buf [64]byte
	n := uint32(len(buf))
	var errno syscall.Errno
	require.NoError(t, rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, uintptr(level), uintptr(opt),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	}))
	require.Zero(t, errno)
	return strings.TrimRight(string(buf[:n]), "\x00")
}

// BindToDevice binds both ends to the interface (here lo, in a network namespace of
// the test's own, so that no host interface is touched), and naming an interface that
// does not exist fails.
func TestBindToDevice(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		d, a := acceptedPair(t, "127.0.0.1:0", transport.Options{BindToDevice: "lo"})
		for _, c := range []net.Conn{d, a} {
			require.Equal(t, "lo", getsockoptString(t, c, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE))
		}
		d, a = acceptedPair(t, "127.0.0.1:0", transport.Options{})
		for _, c := range []net.Conn{d, a} {
			require.Equal(t, "", getsockoptString(t, c, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE))
		}
		_, err := tcp.Listen(ctx(t), "127.0.0.1:0", transport.Options{BindToDevice: "nosuchdev0"})
		require.ErrorIs(t, err, syscall.ENODEV)
		_, err = tcp.Dial(ctx(t), d.RemoteAddr().String(), transport.Options{BindToDevice: "nosuchdev0"})
		require.ErrorIs(t, err, syscall.ENODEV)
	})
}
