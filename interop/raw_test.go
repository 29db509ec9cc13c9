//go:build cgo

package interop

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// A raw peer speaks ZMTP by hand over a net.Conn, one byte layout at a time, so a test
// can pin exactly what goes over the wire. It reads without buffering ahead, so the
// bytes after the handshake can be examined as they come.

// rawListen listens on tr (tcp on 127.0.0.1 or a unix socket) and returns the
// listener and the ZeroMQ endpoint to connect to.
func rawListen(t testing.TB, tr string) (net.Listener, string) {
	t.Helper()
	switch tr {
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		return ln, "tcp://" + ln.Addr().String()
	case "ipc":
		dir, err := os.MkdirTemp("", "zi")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		path := filepath.Join(dir, "raw")
		ln, err := net.Listen("unix", path)
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		return ln, "ipc://" + path
	}
	t.Fatalf("unknown transport %q", tr)
	return nil, ""
}

// rawDial dials a ZeroMQ tcp or ipc endpoint.
func rawDial(t testing.TB, ep string) net.Conn {
	t.Helper()
	var c net.Conn
	var err error
	switch {
	case len(ep) > 6 && ep[:6] == "tcp://":
		c, err = net.Dial("tcp", ep[6:])
	case len(ep) > 6 && ep[:6] == "ipc://":
		c, err = net.Dial("unix", ep[6:])
	default:
		t.Fatalf("cannot dial %q", ep)
	}
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// rawAccept accepts one connection within wait.
func rawAccept(t testing.TB, ln net.Listener) net.Conn {
	t.Helper()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		t.Cleanup(func() { r.c.Close() })
		return r.c
	case <-time.After(wait):
		ln.Close()
		t.Fatalf("nobody connected to %v within %v", ln.Addr(), wait)
		return nil
	}
}

// rawHandshake runs the NULL handshake as a peer of type typ speaking ZMTP 3.<minor>:
// it writes the whole greeting and READY at once, then reads the other side's greeting
// and READY. It returns the other side's greeting and metadata.
func rawHandshake(t testing.TB, c net.Conn, minor uint8, typ socket.Type) (wire.Greeting, wire.Metadata) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(wait)))
	defer c.SetDeadline(time.Time{})
	out := wire.Greeting{Major: 3, Minor: minor, Mechanism: "NULL"}.Append(nil)
	md := wire.Metadata{{Name: wire.PropSocketType, Value: []byte(typ.String())}}
	if typ.SendsIdentity() {
		md = append(md, wire.Property{Name: wire.PropIdentity, Value: []byte{}})
	}
	out = wire.AppendReady(out, md)
	_, err := c.Write(out)
	require.NoError(t, err)

	gb := make([]byte, wire.GreetingSize)
	_, err = io.ReadFull(c, gb)
	require.NoError(t, err, "reading the greeting")
	g, err := wire.ParseGreeting(gb)
	require.NoError(t, err)

	flags, body, _ := rawReadFrame(t, c)
	require.Equal(t, byte(wire.FlagCommand), flags&wire.FlagCommand, "READY must be a command frame")
	cmd, err := wire.ParseCommand(body)
	require.NoError(t, err)
	require.True(t, cmd.Is(wire.CmdReady), "expected READY, got %q", cmd.Name)
	peerMD, err := wire.ParseMetadata(cmd.Data)
	require.NoError(t, err)
	return g, peerMD
}

// rawReadFrame reads one frame: its flags, its body, and every byte of it as sent.
func rawReadFrame(t testing.TB, c net.Conn) (flags byte, body, raw []byte) {
	t.Helper()
	hdr := make([]byte, 2, 9)
	_, err := io.ReadFull(c, hdr)
	require.NoError(t, err, "reading a frame header")
	flags = hdr[0]
	size := uint64(hdr[1])
	if flags&wire.FlagLong != 0 {
		hdr = hdr[:9]
		_, err = io.ReadFull(c, hdr[2:])
		require.NoError(t, err)
		size = binary.BigEndian.Uint64(hdr[1:])
	}
	require.Less(t, size, uint64(1<<20), "frame size")
	body = make([]byte, size)
	_, err = io.ReadFull(c, body)
	require.NoError(t, err)
	return flags, body, append(hdr, body...)
}

// rawReadDataFrame reads frames until a data frame, skipping commands such as PING,
// and returns the data frame as sent.
func rawReadDataFrame(t testing.TB, c net.Conn) (flags byte, body, raw []byte) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	defer c.SetReadDeadline(time.Time{})
	for {
		flags, body, raw = rawReadFrame(t, c)
		if flags&wire.FlagCommand == 0 {
			return flags, body, raw
		}
		cmd, err := wire.ParseCommand(body)
		require.NoError(t, err)
		t.Logf("raw peer: skipped command %s", cmd.Name)
	}
}

// rawWriteMsg writes one message as data frames.
func rawWriteMsg(t testing.TB, c net.Conn, frames ...string) {
	t.Helper()
	var b []byte
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags |= wire.FlagMore
		}
		b = wire.AppendFrameHeader(b, flags, len(f))
		b = append(b, f...)
	}
	_, err := c.Write(b)
	require.NoError(t, err)
}
