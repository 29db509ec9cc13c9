package socket

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func TestClientServer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		server := newSocket(t, Server, Options{})
		ep := bind(t, server, tr)
		var clients []*Socket
		for i := 0; i < 3; i++ {
			c := newSocket(t, Client, Options{})
			connect(t, c, ep)
			clients = append(clients, c)
		}
		ctx := ctxT(t)
		for i, c := range clients {
			require.NoError(t, c.Send(ctx, NewMsgString(fmt.Sprint("from ", i))))
		}
		ids := map[uint32]bool{}
		for range clients {
			m, id, err := server.RecvFrom(ctx)
			require.NoError(t, err)
			require.NotZero(t, id, "routing id zero is never used")
			require.False(t, ids[id], "routing ids are distinct")
			ids[id] = true
			require.NoError(t, server.SendTo(ctx, id, NewMsgString("re: "+string(m.Frames[0]))))
		}
		for i, c := range clients {
			require.Equal(t, []string{fmt.Sprint("re: from ", i)}, recvStrings(t, c))
		}
	})
}

func TestClientRoundRobinFairQueue(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		client := newSocket(t, Client, Options{})
		var servers []*Socket
		for i := 0; i < 3; i++ {
			s := newSocket(t, Server, Options{})
			connect(t, client, bind(t, s, tr))
			servers = append(servers, s)
		}
		waitPeers(t, client, 3)
		for _, s := range servers {
			waitPeers(t, s, 1)
		}
		ctx := ctxT(t)
		for i := 0; i < 9; i++ {
			require.NoError(t, client.Send(ctx, NewMsgString(fmt.Sprint(i))))
		}
		for _, s := range servers {
			for j := 0; j < 3; j++ {
				m, id, err := s.RecvFrom(ctx)
				require.NoError(t, err)
				require.NoError(t, s.SendTo(ctx, id, m))
			}
		}
		got := map[string]bool{}
		for i := 0; i < 9; i++ {
			got[recvStrings(t, client)[0]] = true
		}
		require.Len(t, got, 9)
	})
}

// A reply to a peer that has gone fails with ErrHostUnreachable, as libzmq's
// EHOSTUNREACH; so does one to an id never given out.
func TestServerUnreachable(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		server := newSocket(t, Server, Options{})
		ep := bind(t, server, tr)
		client := newSocket(t, Client, Options{})
		connect(t, client, ep)
		ctx := ctxT(t)
		require.NoError(t, client.Send(ctx, NewMsgString("hi")))
		_, id, err := server.RecvFrom(ctx)
		require.NoError(t, err)
		require.ErrorIs(t, server.SendTo(ctx, id+1, NewMsgString("x")), ErrHostUnreachable)
		require.NoError(t, client.Close())
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := server.SendTo(ctx, id, NewMsgString("late"))
			if err != nil {
				require.ErrorIs(t, err, ErrHostUnreachable)
				break
			}
			require.False(t, time.Now().After(deadline), "the vanished client stayed reachable")
			time.Sleep(time.Millisecond)
		}
	})
}

func TestDraftSingleFrameSend(t *testing.T) {
	ctx := ctxT(t)
	two := func() Msg { return NewMsgString("a", "b") }
	for _, typ := range []Type{Client, Scatter, Channel} {
		s := newSocket(t, typ, Options{})
		require.ErrorIs(t, s.Send(ctx, two()), ErrMultipart, "%v", typ)
	}
	for _, typ := range []Type{Server, Peer} {
		s := newSocket(t, typ, Options{})
		require.ErrorIs(t, s.SendTo(ctx, 1, two()), ErrMultipart, "%v", typ)
		require.ErrorIs(t, s.Send(ctx, NewMsgString("x")), ErrNotSupported, "%v needs SendTo", typ)
		_, err := s.Recv(ctx)
		require.ErrorIs(t, err, ErrNotSupported, "%v needs RecvFrom", typ)
	}
	c := newSocket(t, Client, Options{})
	require.ErrorIs(t, c.SendTo(ctx, 1, NewMsgString("x")), ErrNotSupported)
	_, _, err := c.RecvGroup(ctx)
	require.ErrorIs(t, err, ErrNotSupported)
}

// A multipart message from a peer is dropped, as libzmq drops it; the next one
// arrives.
func TestDraftDropsMultipartFromPeer(t *testing.T) {
	for _, tc := range []struct{ local, peer Type }{
		{Server, Client}, {Client, Server}, {Gather, Scatter}, {Channel, Channel}, {Peer, Peer},
	} {
		t.Run(tc.local.String(), func(t *testing.T) {
			s := newSocket(t, tc.local, Options{})
			ep := bind(t, s, "tcp")
			c := rawPeer(t, ep, tc.peer)
			require.NoError(t, c.WriteMsg(NewMsgString("multi", "part")))
			require.NoError(t, c.WriteMsg(NewMsgString("single")))
			require.NoError(t, c.Flush())
			var m Msg
			var err error
			if tc.local == Server || tc.local == Peer {
				m, _, err = s.RecvFrom(ctxT(t))
			} else {
				m, err = s.Recv(ctxT(t))
			}
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte("single")}, m.Frames)
			require.Equal(t, uint64(1), s.Stats().Drops.Malformed)
		})
	}
}

// The handshake, and for inproc the socket itself, refuses a peer of a type the
// draft type cannot talk to.
func TestDraftTypeMismatch(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		server := newSocket(t, Server, Options{})
		ep := bind(t, server, tr)
		for _, typ := range []Type{Dealer, Scatter, Server, Radio} {
			other := newSocket(t, typ, Options{})
			connect(t, other, ep)
		}
		good := newSocket(t, Client, Options{})
		connect(t, good, ep)
		ctx := ctxT(t)
		require.NoError(t, good.Send(ctx, NewMsgString("ok")))
		m, _, err := server.RecvFrom(ctx)
		require.NoError(t, err)
		require.Equal(t, "ok", string(m.Frames[0]))
		// Give the refused peers every chance to show up: only the CLIENT is attached.
		deadline := time.Now().Add(100 * time.Millisecond)
		for time.Now().Before(deadline) {
			require.Equal(t, 1, server.Stats().Peers)
			time.Sleep(5 * time.Millisecond)
		}
	})
	// Over tcp the handshake names the reason.
	mon := make(chan Event, 64)
	gather := newSocket(t, Gather, Options{Monitor: mon})
	ep := bind(t, gather, "tcp")
	push := newSocket(t, Push, Options{})
	connect(t, push, ep)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-mon:
			if ev.Err != nil && errors.Is(ev.Err, wire.ErrIncompatibleSocketType) {
				return
			}
		case <-timeout:
			t.Fatal("no handshake failure for PUSH to GATHER")
		}
	}
}

func TestScatterGather(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		gather := newSocket(t, Gather, Options{})
		ep := bind(t, gather, tr)
		var scatters []*Socket
		for i := 0; i < 2; i++ {
			s := newSocket(t, Scatter, Options{})
			connect(t, s, ep)
			scatters = append(scatters, s)
		}
		ctx := ctxT(t)
		for i, s := range scatters {
			for j := 0; j < 5; j++ {
				require.NoError(t, s.Send(ctx, NewMsgString(fmt.Sprint(i))))
			}
		}
		got := map[string]int{}
		for i := 0; i < 10; i++ {
			got[recvStrings(t, gather)[0]]++
		}
		require.Equal(t, map[string]int{"0": 5, "1": 5}, got)

		// Round-robin from one SCATTER to two GATHERs.
		scatter := newSocket(t, Scatter, Options{})
		g2 := newSocket(t, Gather, Options{})
		connect(t, scatter, ep)
		connect(t, scatter, bind(t, g2, tr))
		waitPeers(t, scatter, 2)
		for i := 0; i < 10; i++ {
			require.NoError(t, scatter.Send(ctx, NewMsgString("rr")))
		}
		for i := 0; i < 5; i++ {
			require.Equal(t, []string{"rr"}, recvStrings(t, gather))
			require.Equal(t, []string{"rr"}, recvStrings(t, g2))
		}
		_, err := scatter.Recv(ctx)
		require.ErrorIs(t, err, ErrNotSupported)
		require.ErrorIs(t, gather.Send(ctx, NewMsgString("x")), ErrNotSupported)
	})
}

func TestPeer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Peer, Options{})
		ep := bind(t, a, tr)
		b := newSocket(t, Peer, Options{})
		idA, err := b.ConnectPeer(ep)
		require.NoError(t, err)
		require.NotZero(t, idA)
		ctx := ctxT(t)
		require.NoError(t, b.SendTo(ctx, idA, NewMsgString("hello a")))
		m, idB, err := a.RecvFrom(ctx)
		require.NoError(t, err)
		require.Equal(t, "hello a", string(m.Frames[0]))
		require.NoError(t, a.SendTo(ctx, idB, NewMsgString("hello b")))
		m, from, err := b.RecvFrom(ctx)
		require.NoError(t, err)
		require.Equal(t, idA, from, "the reply comes from the id ConnectPeer gave")
		require.Equal(t, "hello b", string(m.Frames[0]))
	})
	s := newSocket(t, Server, Options{})
	_, err := s.ConnectPeer("tcp://127.0.0.1:1")
	require.ErrorIs(t, err, ErrNotSupported)
	p := newSocket(t, Peer, Options{Immediate: true})
	_, err = p.ConnectPeer("tcp://127.0.0.1:1")
	require.ErrorIs(t, err, ErrBadOption)
}

func TestChannel(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Channel, Options{})
		ep := bind(t, a, tr)
		b := newSocket(t, Channel, Options{})
		connect(t, b, ep)
		send(t, b, "ping")
		require.Equal(t, []string{"ping"}, recvStrings(t, a))
		send(t, a, "pong")
		require.Equal(t, []string{"pong"}, recvStrings(t, b))
		// A second peer is refused while the first is there.
		c := newSocket(t, Channel, Options{})
		connect(t, c, ep)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		c.Send(ctx, NewMsgString("intruder"))
		expectNothing(t, a, 50*time.Millisecond)
		require.Equal(t, 1, a.Stats().Peers)
	})
}

// A client's last message, read after it has gone, still comes with its routing id.
func TestServerLastWordsKeepID(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		server := newSocket(t, Server, Options{})
		ep := bind(t, server, tr)
		client := newSocket(t, Client, Options{})
		connect(t, client, ep)
		ctx := ctxT(t)
		require.NoError(t, client.Send(ctx, NewMsgString("hello")))
		_, id, err := server.RecvFrom(ctx)
		require.NoError(t, err)
		require.NoError(t, client.Send(ctx, NewMsgString("bye")))
		require.NoError(t, client.Close())
		deadline := time.Now().Add(10 * time.Second)
		for attached(server) != 0 {
			require.False(t, time.Now().After(deadline), "the closed client stayed attached")
			time.Sleep(time.Millisecond)
		}
		m, last, err := server.RecvFrom(ctx)
		require.NoError(t, err)
		require.Equal(t, "bye", string(m.Frames[0]))
		require.Equal(t, id, last)
		require.ErrorIs(t, server.SendTo(ctx, id, NewMsgString("too late")), ErrHostUnreachable)
	})
}

// attached returns how many peers s has, once the pipe events it was told of are
// applied.
func attached(s *Socket) int {
	s.mu.Lock()
	defer s.unlockStop()
	s.drainLocked()
	return len(s.pipes)
}
