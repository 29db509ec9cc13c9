package inproc

import (
	"testing"

	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func msg(s string) wire.Msg { return wire.Msg{Frames: [][]byte{[]byte(s)}} }

func TestBindThenConnect(t *testing.T) {
	r := NewRegistry()
	var accepted *Conn
	unbind, err := r.Bind("a", Peer{Type: wire.Rep, SendHWM: 10, RecvHWM: 10}, func(c *Conn) { accepted = c })
	require.NoError(t, err)
	defer unbind()
	c, err := r.Connect("a", Peer{Type: wire.Req, RoutingID: []byte("me"), SendHWM: 5, RecvHWM: 3})
	require.NoError(t, err)
	require.NotNil(t, accepted)

	remote, ok := accepted.Remote()
	require.True(t, ok)
	require.Equal(t, wire.Req, remote.Type)
	require.Equal(t, []byte("me"), remote.RoutingID)
	remote, ok = c.Remote()
	require.True(t, ok)
	require.Equal(t, wire.Rep, remote.Type)

	// The queues are shared: what one side pushes the other pops, by reference.
	m := msg("hello")
	c.Out.Push(m)
	got, ok, _ := accepted.In.Pop()
	require.True(t, ok)
	require.Same(t, &m.Frames[0][0], &got.Frames[0][0])

	// Limits add up: sender's send HWM plus receiver's receive HWM.
	require.Equal(t, 15, c.Out.Limit())
	require.Equal(t, 13, c.In.Limit())
}

func TestConnectBeforeBind(t *testing.T) {
	r := NewRegistry()
	c, err := r.Connect("late", Peer{Type: wire.Push, SendHWM: 2})
	require.NoError(t, err)
	_, bound := c.Remote()
	require.False(t, bound)
	var boundPeer Peer
	c.OnBound(func(p Peer) { boundPeer = p })

	ok, _ := c.Out.Push(msg("1"))
	require.True(t, ok)
	ok, full := c.Out.Push(msg("2"))
	require.True(t, ok)
	require.True(t, full, "before the bind only the connector's own limit applies")

	var accepted *Conn
	_, err = r.Bind("late", Peer{Type: wire.Pull, RecvHWM: 3}, func(c *Conn) { accepted = c })
	require.NoError(t, err)
	require.NotNil(t, accepted)
	require.Equal(t, wire.Pull, boundPeer.Type)
	require.Equal(t, 5, c.Out.Limit())
	require.Equal(t, 2, accepted.In.Len(), "messages queued before the bind are delivered")
}

func TestCloseNotifiesOtherSide(t *testing.T) {
	r := NewRegistry()
	var accepted *Conn
	_, err := r.Bind("x", Peer{}, func(c *Conn) { accepted = c })
	require.NoError(t, err)
	c, err := r.Connect("x", Peer{})
	require.NoError(t, err)
	closed := 0
	accepted.OnClose(func() { closed++ })
	c.Out.Push(msg("last words"))
	c.Close()
	require.Equal(t, 1, closed)
	c.Close()
	require.Equal(t, 1, closed, "Close is idempotent")
	m, ok, _ := accepted.In.Pop()
	require.True(t, ok, "what was queued before Close stays readable")
	require.Equal(t, "last words", string(m.Frames[0]))
	ok, _ = accepted.Out.Push(msg("too late"))
	require.False(t, ok)

	called := false
	accepted.OnClose(func() { called = true })
	require.True(t, called, "OnClose after the close runs at once")
}

func TestUnbindClosesConnections(t *testing.T) {
	r := NewRegistry()
	unbind, err := r.Bind("u", Peer{}, func(*Conn) {})
	require.NoError(t, err)
	c, err := r.Connect("u", Peer{})
	require.NoError(t, err)
	gone := false
	c.OnClose(func() { gone = true })
	unbind()
	require.True(t, gone)
	// The name is free again.
	unbind, err = r.Bind("u", Peer{}, func(*Conn) {})
	require.NoError(t, err)
	unbind()
}

func TestNames(t *testing.T) {
	r := NewRegistry()
	_, err := r.Bind("", Peer{}, func(*Conn) {})
	require.ErrorIs(t, err, ErrBadName)
	_, err = r.Connect(string(make([]byte, MaxNameLen+1)), Peer{})
	require.ErrorIs(t, err, ErrBadName)
	_, err = r.Bind("dup", Peer{}, func(*Conn) {})
	require.NoError(t, err)
	_, err = r.Bind("dup", Peer{}, func(*Conn) {})
	require.ErrorIs(t, err, ErrAddrInUse)
}

func TestClosedPendingConnectorIsForgotten(t *testing.T) {
	r := NewRegistry()
	c, err := r.Connect("p", Peer{})
	require.NoError(t, err)
	c.Close()
	accepted := 0
	_, err = r.Bind("p", Peer{}, func(*Conn) { accepted++ })
	require.NoError(t, err)
	require.Zero(t, accepted)
}

func TestBound(t *testing.T) {
	r := NewRegistry()
	require.False(t, r.Bound("zap"))
	// A waiting connector does not make the name bound.
	c, err := r.Connect("zap", Peer{Type: wire.Dealer})
	require.NoError(t, err)
	defer c.Close()
	require.False(t, r.Bound("zap"))
	unbind, err := r.Bind("zap", Peer{Type: wire.Rep}, func(*Conn) {})
	require.NoError(t, err)
	require.True(t, r.Bound("zap"))
	require.False(t, NewRegistry().Bound("zap"), "registries are separate")
	unbind()
	require.False(t, r.Bound("zap"))
}
