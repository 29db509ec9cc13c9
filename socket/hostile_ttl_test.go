package socket_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// A peer that asks for a PING TTL and then sends one frame slowly, a piece at a time,
// is alive: every byte counts as traffic, not only whole frames (as in libzmq).
func TestHostileTTLCountsPartialFrames(t *testing.T) {
	events := make(chan socket.Event, 64)
	pull, err := socket.New(socket.Pull, socket.Options{Monitor: events})
	require.NoError(t, err)
	defer pull.Close()
	require.NoError(t, pull.Bind("tcp://127.0.0.1:*"))
	nc, err := net.Dial("tcp", strings.TrimPrefix(pull.LastEndpoint(), "tcp://"))
	require.NoError(t, err)
	c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Push}, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()

	// TTL 300 ms, then a 20 KiB frame in 1 KiB pieces every 50 ms: about a second in all.
	require.NoError(t, c.WriteCommandFrame(wire.AppendPing(nil, 3, nil)))
	require.NoError(t, c.Flush())
	body := make([]byte, 20<<10)
	frame := append(wire.AppendFrameHeader(nil, 0, len(body)), body...)
	for len(frame) > 0 {
		n := min(1024, len(frame))
		_, err := nc.Write(frame[:n])
		require.NoError(t, err)
		frame = frame[n:]
		time.Sleep(50 * time.Millisecond) // the pacing under test, not a wait for a condition
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := pull.Recv(ctx)
	require.NoError(t, err, "the slow frame must arrive")
	require.Len(t, m.Frames[0], len(body))
	for len(events) > 0 {
		e := <-events
		require.NotEqual(t, socket.EventDisconnected, e.Type, "%v", e)
	}
}
