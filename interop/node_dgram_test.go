//go:build cgo

package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

func newGoDgram(t *testing.T) (*socket.Socket, string) {
	t.Helper()
	s, err := socket.New(socket.Dgram, socket.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Bind("udp://127.0.0.1:*"))
	return s, strings.TrimPrefix(s.LastEndpoint(), "udp://")
}

func recvCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Our DGRAM sends to a libzmq DGRAM, which answers to the address it received.
func TestNodeDgramGoToLibzmq(t *testing.T) {
	const n = 20
	port := freeUDPPort(t)
	peerAddr := fmt.Sprintf("127.0.0.1:%d", port)
	peer := startNodeUDP(t, "dgram-echo", "udp://"+peerAddr, fmt.Sprint(n))
	s, ours := newGoDgram(t)
	for i := range n {
		require.NoError(t, s.Send(recvCtx(t), socket.NewMsgString(peerAddr, fmt.Sprint("m", i))))
		require.Equal(t, fmt.Sprintf("FROM\t%s\tm%d", ours, i), peer.next(t), "libzmq sees our address")
		m, err := s.Recv(recvCtx(t))
		require.NoError(t, err)
		require.Equal(t, peerAddr, string(m.Frames[0]))
		require.Equal(t, fmt.Sprint("echo:m", i), string(m.Frames[1]))
	}
}

// A libzmq DGRAM sends to ours, and we answer to the address we received.
func TestNodeDgramLibzmqToGo(t *testing.T) {
	const n = 20
	port := freeUDPPort(t)
	peerAddr := fmt.Sprintf("127.0.0.1:%d", port)
	peer := startNodeUDP(t, "dgram", "udp://"+peerAddr)
	s, ours := newGoDgram(t)
	for i := range n {
		peer.say(t, "%s\tq%d", ours, i)
		m, err := s.Recv(recvCtx(t))
		require.NoError(t, err)
		require.Equal(t, peerAddr, string(m.Frames[0]))
		require.Equal(t, fmt.Sprint("q", i), string(m.Frames[1]))
		require.NoError(t, s.Send(recvCtx(t), socket.NewMsg(m.Frames[0], []byte(fmt.Sprint("re:q", i)))))
		require.Equal(t, fmt.Sprintf("%s\tre:q%d", ours, i), peer.next(t))
	}
}
