package transport_test

import (
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// handshakePair handshakes a PUSH client with a PULL server over a connection of
// network ("unix" or "tcp") and returns the client's Conn and the server's raw
// connection, which nothing reads until the test does.
func handshakePair(t *testing.T, network, addr string) (*transport.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	require.NoError(t, err)
	defer ln.Close()
	type result struct {
		c   *transport.Conn
		nc  net.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Pull}, 10*time.Second)
		done <- result{c, nc, err}
	}()
	nc, err := net.Dial(network, ln.Addr().String())
	require.NoError(t, err)
	client, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Push}, 10*time.Second)
	require.NoError(t, err)
	r := <-done
	require.NoError(t, r.err)
	require.Zero(t, r.c.ReadBuffered(), "the handshake left no message bytes buffered")
	t.Cleanup(func() { client.Close(); r.nc.Close() })
	return client, r.nc
}

// Over ipc the count covers what the peer has not read (with the kernel's
// bookkeeping); it falls as the peer reads, to zero once it has read everything.
func TestUnreadByPeerIPC(t *testing.T) {
	client, peer := handshakePair(t, "unix", filepath.Join(t.TempDir(), "s"))
	require.Zero(t, client.UnreadByPeer())

	body := make([]byte, 1000)
	const n = 20
	for range n { // a write each: the kernel frees a write's buffer once it is all read
		require.NoError(t, client.WriteMsg(wire.Msg{Frames: [][]byte{body}}))
		require.NoError(t, client.Flush())
	}
	written := n * (1 + 8 + len(body)) // long frames: flags and an 8-byte size
	all := client.UnreadByPeer()
	require.GreaterOrEqual(t, all, written)

	buf := make([]byte, written)
	_, err := io.ReadFull(peer, buf[:written/2])
	require.NoError(t, err)
	half := client.UnreadByPeer()
	require.Positive(t, half)
	require.Less(t, half, all)

	_, err = io.ReadFull(peer, buf[written/2:])
	require.NoError(t, err)
	require.Zero(t, client.UnreadByPeer())
}

// Other connections report nothing: tcp's send queue counts bytes the peer's
// kernel has not acknowledged, not bytes its process has not read.
func TestUnreadByPeerTCPIsZero(t *testing.T) {
	client, _ := handshakePair(t, "tcp", "127.0.0.1:0")
	require.NoError(t, client.WriteMsg(wire.Msg{Frames: [][]byte{make([]byte, 1000)}}))
	require.NoError(t, client.Flush())
	require.Zero(t, client.UnreadByPeer())
}
