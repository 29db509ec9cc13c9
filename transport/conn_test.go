package transport_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// curvePair handshakes a CURVE DEALER client with a ROUTER server over a local TCP
// connection and returns both Conns.
func curvePair(t *testing.T) (client, server *transport.Conn) {
	t.Helper()
	sc, err := cert.New()
	require.NoError(t, err)
	cc, err := cert.New()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	type result struct {
		c   *transport.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- result{nil, err}
			return
		}
		c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Router,
			Mechanism: &wire.CurveServer{PublicKey: sc.Public, SecretKey: sc.Secret,
				Authenticate: func(wire.Credentials) (wire.AuthReply, error) {
					return wire.AuthReply{UserID: "client"}, nil
				}}}, 10*time.Second)
		done <- result{c, err}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	client, err = transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Dealer,
		Mechanism: &wire.CurveClient{PublicKey: cc.Public, SecretKey: cc.Secret, ServerKey: sc.Public}}, 10*time.Second)
	require.NoError(t, err)
	r := <-done
	require.NoError(t, r.err)
	t.Cleanup(func() { client.Close(); r.c.Close() })
	return client, r.c
}

func TestConnSealed(t *testing.T) {
	client, server := curvePair(t)
	require.True(t, client.Sealed())
	require.True(t, server.Sealed())
	require.Equal(t, "client", server.Auth().UserID)
	require.Empty(t, client.Auth().UserID)

	// A command and a message, both sealed; a data frame is not a command frame.
	require.Error(t, client.WriteCommandFrame([]byte{0, 1, 'x'}))
	require.NoError(t, client.WriteCommandFrame(wire.AppendPing(nil, 0, []byte("ctx"))))
	require.NoError(t, client.WriteMsg(wire.Msg{Frames: [][]byte{[]byte("secret"), {}}}))
	require.NoError(t, client.Flush())

	server.SetMaxFrame(10) // the PING's body is 10 bytes
	var cmds []string
	var m wire.Msg
	require.NoError(t, server.NetConn().SetReadDeadline(time.Now().Add(10*time.Second)))
	require.NoError(t, server.ReadMsg(&m, func(c wire.Command) error {
		cmds = append(cmds, string(c.Name)+":"+string(c.Data[2:]))
		return nil
	}))
	require.Equal(t, []string{"PING:ctx"}, cmds)
	require.Equal(t, [][]byte{[]byte("secret"), {}}, m.Frames)
	require.False(t, server.MsgBuffered())

	// The limit is on the opened frame.
	require.NoError(t, client.WriteMsg(wire.Msg{Frames: [][]byte{[]byte("eleven-byte")}}))
	require.NoError(t, client.Flush())
	require.ErrorIs(t, server.ReadMsg(&m, nil), wire.ErrFrameTooLarge)
}

func TestConnNullNotSealed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			var c *transport.Conn
			if c, err = transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Pull}, 10*time.Second); err == nil {
				var m wire.Msg
				err = c.ReadMsg(&m, nil)
				c.Close()
			}
		}
		done <- err
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Push}, 10*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.False(t, c.Sealed())
	require.NoError(t, c.WriteMsg(wire.Msg{Frames: [][]byte{bytes.Repeat([]byte("a"), 10)}}))
	require.NoError(t, c.Flush())
	require.NoError(t, <-done)
}
