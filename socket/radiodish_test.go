package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// waitJoined waits until radio has n members in group.
func waitJoined(t testing.TB, radio *Socket, group string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		radio.mu.Lock()
		radio.drainLocked()
		got := 0
		if g := radio.proto.(*radioProto).groups[group]; g != nil {
			got = len(g.members)
		}
		radio.unlockStop()
		if got == n {
			return
		}
		require.False(t, time.Now().After(deadline), "group %q has %d members, want %d", group, got, n)
		time.Sleep(time.Millisecond)
	}
}

func recvGroup(t testing.TB, dish *Socket) (string, string) {
	t.Helper()
	m, g, err := dish.RecvGroup(ctxT(t))
	require.NoError(t, err)
	require.Len(t, m.Frames, 1)
	return g, string(m.Frames[0])
}

func TestRadioDish(t *testing.T) {
	for _, dishBinds := range []bool{true, false} {
		t.Run(fmt.Sprintf("dishBinds=%v", dishBinds), func(t *testing.T) {
			run(t, func(t *testing.T, tr string) {
				radio := newSocket(t, Radio, Options{})
				dish := newSocket(t, Dish, Options{})
				require.NoError(t, dish.Join("weather"))
				require.NoError(t, dish.Join("news"))
				if dishBinds {
					connect(t, radio, bind(t, dish, tr))
				} else {
					connect(t, dish, bind(t, radio, tr))
				}
				waitJoined(t, radio, "weather", 1)
				waitJoined(t, radio, "news", 1)
				ctx := ctxT(t)
				// Exact match: "weath" and "weathers" are other groups.
				for _, g := range []string{"weath", "weathers", "sport", "weather", "news"} {
					require.NoError(t, radio.SendGroup(ctx, g, NewMsgString("to "+g)))
				}
				g, body := recvGroup(t, dish)
				require.Equal(t, "weather", g)
				require.Equal(t, "to weather", body)
				g, body = recvGroup(t, dish)
				require.Equal(t, "news", g)
				require.Equal(t, "to news", body)

				require.NoError(t, dish.Leave("weather"))
				waitJoined(t, radio, "weather", 0)
				require.NoError(t, radio.SendGroup(ctx, "weather", NewMsgString("gone")))
				require.NoError(t, radio.SendGroup(ctx, "news", NewMsgString("still")))
				g, body = recvGroup(t, dish)
				require.Equal(t, "news", g)
				require.Equal(t, "still", body)
				require.Equal(t, uint64(4), radio.Stats().Drops.NoPeers, "weath, weathers, sport and the left weather had no member")
			})
		})
	}
}

func TestRadioDishFanOut(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		radio := newSocket(t, Radio, Options{})
		ep := bind(t, radio, tr)
		var dishes []*Socket
		for i := 0; i < 3; i++ {
			d := newSocket(t, Dish, Options{})
			require.NoError(t, d.Join("all"))
			if i == 0 {
				require.NoError(t, d.Join("first"))
			}
			connect(t, d, ep)
			dishes = append(dishes, d)
		}
		waitJoined(t, radio, "all", 3)
		waitJoined(t, radio, "first", 1)
		require.NoError(t, radio.SendGroup(ctxT(t), "first", NewMsgString("1")))
		require.NoError(t, radio.SendGroup(ctxT(t), "all", NewMsgString("*")))
		g, b := recvGroup(t, dishes[0])
		require.Equal(t, []string{"first", "1"}, []string{g, b})
		for _, d := range dishes {
			g, b := recvGroup(t, d)
			require.Equal(t, []string{"all", "*"}, []string{g, b})
		}
	})
}

// A DISH that reconnects joins its groups again without being told.
func TestDishRejoinsAfterReconnect(t *testing.T) {
	for _, tr := range []string{"ipc", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			radio := newSocket(t, Radio, Options{})
			ep := bind(t, radio, tr)
			dish := newSocket(t, Dish, Options{ReconnectInterval: 10 * time.Millisecond})
			require.NoError(t, dish.Join("g"))
			connect(t, dish, ep)
			waitJoined(t, radio, "g", 1)
			require.NoError(t, radio.SendGroup(ctxT(t), "g", NewMsgString("one")))
			_, b := recvGroup(t, dish)
			require.Equal(t, "one", b)

			require.NoError(t, radio.Close())
			radio2 := newSocket(t, Radio, Options{})
			require.NoError(t, radio2.Bind(ep))
			waitJoined(t, radio2, "g", 1)
			require.NoError(t, radio2.SendGroup(ctxT(t), "g", NewMsgString("two")))
			_, b = recvGroup(t, dish)
			require.Equal(t, "two", b)
		})
	}
}

func TestRadioDishRules(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	dish := newSocket(t, Dish, Options{})
	long := strings.Repeat("x", MaxGroupLen+1)
	require.ErrorIs(t, dish.Join(long), ErrBadGroup)
	require.NoError(t, dish.Join(long[:MaxGroupLen]))
	require.ErrorIs(t, dish.Join(long[:MaxGroupLen]), ErrBadGroup, "joined twice")
	require.ErrorIs(t, dish.Leave("never"), ErrBadGroup)
	require.NoError(t, dish.Leave(long[:MaxGroupLen]))
	ctx := ctxT(t)
	require.ErrorIs(t, radio.SendGroup(ctx, long, NewMsgString("x")), ErrBadGroup)
	require.ErrorIs(t, radio.SendGroup(ctx, "g", NewMsgString("a", "b")), ErrMultipart)
	require.ErrorIs(t, radio.Send(ctx, NewMsgString("x")), ErrNotSupported)
	_, err := radio.Recv(ctx)
	require.ErrorIs(t, err, ErrNotSupported)
	require.ErrorIs(t, dish.Send(ctx, NewMsgString("x")), ErrNotSupported)
	_, err = dish.Recv(ctx)
	require.ErrorIs(t, err, ErrNotSupported)
	require.ErrorIs(t, radio.Join("g"), ErrNotSupported)
}

// rawPeer handshakes with ep as a ZMTP peer of type typ.
func rawPeer(t *testing.T, ep string, typ Type) *transport.Conn {
	t.Helper()
	addr := strings.TrimPrefix(ep, "tcp://")
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: typ}, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// The bytes a DISH sends: JOIN and LEAVE as ZMTP commands, as libzmq 4.3.5 sends them;
// and a RADIO sends a group frame with MORE, then the body.
func TestRadioDishWireFormat(t *testing.T) {
	dish := newSocket(t, Dish, Options{})
	require.NoError(t, dish.Join("abc"))
	ep := bind(t, dish, "tcp")
	c := rawPeer(t, ep, Radio)
	var cmds []string
	var m Msg
	require.NoError(t, c.NetConn().SetReadDeadline(time.Now().Add(5*time.Second)))
	errGot := errors.New("got a command")
	readCmd := func() {
		err := c.ReadMsg(&m, func(cmd wire.Command) error {
			cmds = append(cmds, string(cmd.Name)+":"+string(cmd.Data))
			return errGot // stop reading: a DISH sends only commands
		})
		require.ErrorIs(t, err, errGot)
	}
	readCmd()
	require.NoError(t, dish.Leave("abc"))
	readCmd()
	require.Equal(t, []string{"JOIN:abc", "LEAVE:abc"}, cmds)

	// A well-formed message, then one without a group frame: the DISH drops us.
	require.NoError(t, dish.Join("g"))
	require.NoError(t, c.WriteMsg(NewMsgString("g", "hello")))
	require.NoError(t, c.WriteMsg(NewMsgString("lonely")))
	require.NoError(t, c.Flush())
	g, b := recvGroup(t, dish)
	require.Equal(t, []string{"g", "hello"}, []string{g, b})
	for {
		err := c.ReadMsg(&m, func(wire.Command) error { return nil })
		if err != nil {
			break // the DISH closed the connection
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := dish.RecvGroup(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// A RADIO reads JOIN and LEAVE commands, routes by exact group, and sends the group
// frame with MORE.
func TestRadioWireFormat(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	ep := bind(t, radio, "tcp")
	c := rawPeer(t, ep, Dish)
	require.NoError(t, c.WriteCommandFrame(wire.AppendCommand(nil, wire.CmdJoin, []byte("grp"))))
	// An over-long group is ignored, as is a data message from a DISH.
	require.NoError(t, c.WriteCommandFrame(wire.AppendCommand(nil, wire.CmdJoin, []byte(strings.Repeat("y", MaxGroupLen+1)))))
	require.NoError(t, c.WriteMsg(NewMsgString("noise")))
	require.NoError(t, c.Flush())
	waitJoined(t, radio, "grp", 1)
	require.NoError(t, radio.SendGroup(ctxT(t), "grp", NewMsgString("body")))
	require.NoError(t, c.NetConn().SetReadDeadline(time.Now().Add(5*time.Second)))
	var m Msg
	require.NoError(t, c.ReadMsg(&m, func(wire.Command) error { return nil }))
	require.Equal(t, [][]byte{[]byte("grp"), []byte("body")}, m.Frames)
	deadline := time.Now().Add(5 * time.Second)
	for radio.Stats().Drops.Malformed != 1 {
		require.False(t, time.Now().After(deadline), "the over-long JOIN was not dropped")
		time.Sleep(time.Millisecond)
	}
}

// A peer that joins a group twice needs two LEAVEs, as with libzmq's multimap.
func TestRadioJoinCounts(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	ep := bind(t, radio, "tcp")
	c := rawPeer(t, ep, Dish)
	cmd := func(name string) {
		require.NoError(t, c.WriteCommandFrame(wire.AppendCommand(nil, name, []byte("g"))))
		require.NoError(t, c.Flush())
	}
	cmd(wire.CmdJoin)
	cmd(wire.CmdJoin)
	cmd(wire.CmdLeave)
	// A JOIN of another group marks the point where the first LEAVE has been applied.
	require.NoError(t, c.WriteCommandFrame(wire.AppendCommand(nil, wire.CmdJoin, []byte("mark"))))
	require.NoError(t, c.Flush())
	waitJoined(t, radio, "mark", 1)
	waitJoined(t, radio, "g", 1)
	cmd(wire.CmdLeave)
	waitJoined(t, radio, "g", 0)
}

// attachEverything attaches a pipe marked everything, as a datagram link makes, and
// returns it.
func attachEverything(t *testing.T, s *Socket) *pipe {
	t.Helper()
	p := newPipe(s, "test://datagram")
	p.everything = true
	s.mu.Lock()
	ok := s.attachLocked(p)
	s.unlockStop()
	require.True(t, ok)
	return p
}

// A datagram pipe gets every RADIO message, whatever its group, and no JOINs from a
// DISH, which filters what it receives from it for itself.
func TestRadioDishDatagramPipes(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	dg := attachEverything(t, radio)
	ctx := ctxT(t)
	require.NoError(t, radio.SendGroup(ctx, "any", NewMsgString("one")))
	m, ok, _ := dg.out.Pop()
	require.True(t, ok)
	require.Equal(t, [][]byte{[]byte("any"), []byte("one")}, m.Frames)

	dish := newSocket(t, Dish, Options{})
	require.NoError(t, dish.Join("g"))
	in := attachEverything(t, dish)
	require.NoError(t, dish.Join("h"))
	require.Equal(t, 0, in.out.Len(), "no JOIN goes to a datagram pipe")
	in.in.Push(NewMsgString("other", "skipped"))
	in.in.Push(NewMsgString("h", "kept"))
	got, g, err := dish.RecvGroup(ctx)
	require.NoError(t, err)
	require.Equal(t, "h", g)
	require.Equal(t, "kept", string(got.Frames[0]))
	require.Equal(t, uint64(1), dish.Stats().Drops.Filtered)
}

// A DISH that joins more groups than maxGroupsPerPeer costs the RADIO no more: the
// extra JOINs are dropped and counted.
func TestRadioBoundsJoins(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	ep := bind(t, radio, "tcp")
	c := rawPeer(t, ep, Dish)
	const extra = 5
	var frame []byte
	for i := 0; i < maxGroupsPerPeer+extra; i++ {
		frame = wire.AppendCommand(frame[:0], wire.CmdJoin, fmt.Appendf(nil, "g%d", i))
		require.NoError(t, c.WriteCommandFrame(frame))
	}
	require.NoError(t, c.Flush())
	deadline := time.Now().Add(20 * time.Second)
	for {
		radio.mu.Lock()
		radio.drainLocked()
		groups := len(radio.proto.(*radioProto).groups)
		radio.unlockStop()
		if radio.Stats().Drops.Malformed == extra {
			require.Equal(t, maxGroupsPerPeer, groups)
			return
		}
		require.False(t, time.Now().After(deadline), "%d groups, %d dropped", groups, radio.Stats().Drops.Malformed)
		time.Sleep(time.Millisecond)
	}
}
