package tcp_test

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
