package socket

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/transport/udp"
)

// udpDish binds a DISH to ep, joins groups and returns the endpoint it got.
func udpDish(t *testing.T, ep string, opts Options, groups ...string) (*Socket, string) {
	t.Helper()
	dish := newSocket(t, Dish, opts)
	require.NoError(t, dish.Bind(ep))
	for _, g := range groups {
		require.NoError(t, dish.Join(g))
	}
	return dish, dish.LastEndpoint()
}

// expectNoGroup checks that dish delivers nothing within d: the behaviour under test
// is an absence.
func expectNoGroup(t *testing.T, dish *Socket, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, g, err := dish.RecvGroup(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "unexpected message %q in group %q", m.Frames, g)
}

// waitStats polls s's Stats until cond holds, failing after 10 seconds.
func waitStats(t *testing.T, s *Socket, what string, cond func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(s.Stats()) {
		require.False(t, time.Now().After(deadline), "waiting for %s: %+v", what, s.Stats())
		time.Sleep(time.Millisecond)
	}
}

// Over udp a RADIO sends every message, whatever its group, and the DISH keeps the
// groups it joined, matched exactly (libzmq's dish filters udp the same way).
func TestRadioDishUDP(t *testing.T) {
	dish, ep := udpDish(t, "udp://127.0.0.1:*", Options{}, "weather", "news")
	require.True(t, strings.HasPrefix(ep, "udp://127.0.0.1:") && !strings.HasSuffix(ep, ":*"), ep)
	radio := newSocket(t, Radio, Options{})
	require.NoError(t, radio.Connect(ep))

	for i := range 20 {
		require.NoError(t, radio.SendGroup(ctxT(t), "weathe", NewMsgString("prefix only")))
		require.NoError(t, radio.SendGroup(ctxT(t), "weather", NewMsgString(fmt.Sprint("w", i))))
		require.NoError(t, radio.SendGroup(ctxT(t), "sports", NewMsgString("not joined")))
		require.NoError(t, radio.SendGroup(ctxT(t), "news", NewMsgString(fmt.Sprint("n", i))))
	}
	for i := range 20 {
		g, body := recvGroup(t, dish)
		require.Equal(t, "weather", g)
		require.Equal(t, fmt.Sprint("w", i), body)
		g, body = recvGroup(t, dish)
		require.Equal(t, "news", g)
		require.Equal(t, fmt.Sprint("n", i), body)
	}
	require.Equal(t, uint64(40), dish.Stats().Drops.Filtered)

	// Leave and Join take effect at the DISH at once: no command crosses udp.
	require.NoError(t, dish.Leave("weather"))
	require.NoError(t, dish.Join("sports"))
	require.NoError(t, radio.SendGroup(ctxT(t), "weather", NewMsgString("left")))
	require.NoError(t, radio.SendGroup(ctxT(t), "sports", NewMsgString("joined")))
	g, body := recvGroup(t, dish)
	require.Equal(t, "sports", g)
	require.Equal(t, "joined", body)
	require.Equal(t, uint64(41), dish.Stats().Drops.Filtered, "the message of the group left was filtered")

	// An empty body and an empty group are datagrams too.
	require.NoError(t, dish.Join(""))
	require.NoError(t, radio.SendGroup(ctxT(t), "", NewMsg(nil)))
	g, body = recvGroup(t, dish)
	require.Equal(t, "", g)
	require.Equal(t, "", body)
}

func TestRadioDishUDPRules(t *testing.T) {
	radio := newSocket(t, Radio, Options{})
	require.ErrorIs(t, radio.Bind("udp://127.0.0.1:*"), ErrTransportNotAllowed, "a RADIO connects udp")
	dish := newSocket(t, Dish, Options{})
	require.ErrorIs(t, dish.Connect("udp://127.0.0.1:5555"), ErrTransportNotAllowed, "a DISH binds udp")
	require.Error(t, radio.Connect("udp://*:5555"), "a destination is needed")
	require.Error(t, radio.Connect("udp://239.192.1.1:5555"), "multicast needs an interface")
	require.Error(t, dish.Bind("udp://*;239.192.1.1:5555"), "multicast needs an explicit interface")
	for _, typ := range []Type{Server, Client, Gather, Scatter, Peer, Channel} {
		s := newSocket(t, typ, Options{})
		require.ErrorIs(t, s.Bind("udp://127.0.0.1:*"), ErrTransportNotAllowed, "%v", typ)
	}
}

// A RADIO that has a DISH over tcp and one over udp sends each group to the tcp DISH
// only once it joined, and everything down udp.
func TestRadioDishUDPAndTCP(t *testing.T) {
	udpDish, uep := udpDish(t, "udp://127.0.0.1:*", Options{}, "a")
	tcpDish := newSocket(t, Dish, Options{})
	tep := bind(t, tcpDish, "tcp")
	require.NoError(t, tcpDish.Join("b"))
	radio := newSocket(t, Radio, Options{})
	require.NoError(t, radio.Connect(uep))
	require.NoError(t, radio.Connect(tep))
	waitJoined(t, radio, "b", 1)
	require.NoError(t, radio.SendGroup(ctxT(t), "a", NewMsgString("for udp")))
	require.NoError(t, radio.SendGroup(ctxT(t), "b", NewMsgString("for tcp")))
	g, body := recvGroup(t, udpDish)
	require.Equal(t, []string{"a", "for udp"}, []string{g, body})
	g, body = recvGroup(t, tcpDish)
	require.Equal(t, []string{"b", "for tcp"}, []string{g, body})
	expectNoGroup(t, udpDish, 100*time.Millisecond)
	require.Equal(t, uint64(1), udpDish.Stats().Drops.Filtered, "the tcp DISH's group reached the udp DISH, which filtered it")
	require.Zero(t, tcpDish.Stats().Drops.Filtered, "the tcp DISH is sent its groups only")
}

// Datagrams that are not RADIO messages, or are too large, are dropped and counted;
// the DISH carries on.
func TestDishUDPHostile(t *testing.T) {
	dish, ep := udpDish(t, "udp://127.0.0.1:*", Options{MaxMsgSize: 100}, "g")
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(strings.TrimPrefix(ep, "udp://")))
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer raw.Close()
	long := append([]byte{200}, make([]byte, 200)...) // a 200-byte group: never joined
	for _, b := range [][]byte{{}, {9, 'g'}, {255}, long, append([]byte{1, 'g'}, make([]byte, 101)...), make([]byte, udp.MaxDatagram+1)} {
		_, err := raw.WriteToUDP(b, to)
		require.NoError(t, err)
	}
	good, err := udp.AppendGroupDatagram(nil, []byte("g"), []byte("fine"))
	require.NoError(t, err)
	_, err = raw.WriteToUDP(good, to)
	require.NoError(t, err)
	g, body := recvGroup(t, dish)
	require.Equal(t, []string{"g", "fine"}, []string{g, body})
	st := dish.Stats()
	require.Equal(t, uint64(3), st.Drops.Malformed)
	require.Equal(t, uint64(2), st.Drops.Oversized)
	require.Equal(t, uint64(1), st.Drops.Filtered)
}

// A message that does not fit in a datagram is dropped by the RADIO's udp link and
// counted; later messages go on.
func TestRadioUDPOversized(t *testing.T) {
	dish, ep := udpDish(t, "udp://127.0.0.1:*", Options{}, "g")
	radio := newSocket(t, Radio, Options{})
	require.NoError(t, radio.Connect(ep))
	require.NoError(t, radio.SendGroup(ctxT(t), "g", NewMsg(make([]byte, udp.MaxDatagram-1))))
	require.NoError(t, radio.SendGroup(ctxT(t), "g", NewMsg(make([]byte, udp.MaxDatagram-2))))
	m, g, err := dish.RecvGroup(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "g", g)
	require.Len(t, m.Frames[0], udp.MaxDatagram-2, "the largest message that fits: 1+1+8190 bytes")
	waitStats(t, radio, "the oversized message counted", func(st Stats) bool { return st.Drops.Oversized == 1 })
}

var udpMcastPort atomic.Uint32

// Multicast RADIO/DISH, only inside a private network namespace: two DISHes bound to
// the same group and port both hear the RADIO, each keeping its own groups, and a
// DISH of another group on the same port hears nothing of it.
func TestRadioDishUDPMulticast(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		port := 33000 + udpMcastPort.Add(1)
		ep := fmt.Sprintf("udp://lo;239.192.11.1:%d", port)
		d1, got := udpDish(t, ep, Options{}, "a")
		require.Equal(t, ep, got)
		d2, _ := udpDish(t, ep, Options{}, "b")
		other, _ := udpDish(t, fmt.Sprintf("udp://lo;239.192.11.2:%d", port), Options{}, "a", "b")
		radio := newSocket(t, Radio, Options{MulticastLoop: true})
		require.NoError(t, radio.Connect(ep))
		for i := range 10 {
			require.NoError(t, radio.SendGroup(ctxT(t), "a", NewMsgString(fmt.Sprint("a", i))))
			require.NoError(t, radio.SendGroup(ctxT(t), "b", NewMsgString(fmt.Sprint("b", i))))
		}
		for i := range 10 {
			g, body := recvGroup(t, d1)
			require.Equal(t, []string{"a", fmt.Sprint("a", i)}, []string{g, body})
			g, body = recvGroup(t, d2)
			require.Equal(t, []string{"b", fmt.Sprint("b", i)}, []string{g, body})
		}
		expectNoGroup(t, other, 100*time.Millisecond)
		require.Zero(t, other.Stats().Drops.Filtered, "nothing of the other group reached it")
	})
}

// A flood of groups the DISH has not joined is filtered as it arrives: it takes no
// room in the DISH's queue, so a small RecvHWM still has room for what it wants.
func TestDishUDPFloodOfOtherGroups(t *testing.T) {
	dish, ep := udpDish(t, "udp://127.0.0.1:*", Options{RecvHWM: 4}, "g")
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(strings.TrimPrefix(ep, "udp://")))
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer raw.Close()
	other, err := udp.AppendGroupDatagram(nil, []byte("other"), []byte("noise"))
	require.NoError(t, err)
	const bursts, burst = 20, 50
	for i := range bursts {
		for range burst {
			_, err := raw.WriteToUDP(other, to)
			require.NoError(t, err)
		}
		// Nobody calls RecvGroup: the link itself filters, or the queue (4) would fill.
		want := uint64((i + 1) * burst)
		waitStats(t, dish, "the burst filtered", func(st Stats) bool { return st.Drops.Filtered == want })
	}
	good, err := udp.AppendGroupDatagram(nil, []byte("g"), []byte("wanted"))
	require.NoError(t, err)
	_, err = raw.WriteToUDP(good, to)
	require.NoError(t, err)
	g, body := recvGroup(t, dish)
	require.Equal(t, []string{"g", "wanted"}, []string{g, body})
}

// Disconnect and Unbind end a udp link and its goroutines (TestMain checks that none
// outlive the tests); a new link then works.
func TestRadioDishUDPDisconnectUnbind(t *testing.T) {
	dish, ep := udpDish(t, "udp://127.0.0.1:*", Options{}, "g")
	radio := newSocket(t, Radio, Options{})
	require.NoError(t, radio.Connect(ep))
	require.NoError(t, radio.Disconnect(ep))
	require.Zero(t, radio.Stats().Peers)
	require.NoError(t, radio.SendGroup(ctxT(t), "g", NewMsgString("nowhere")))
	require.Equal(t, uint64(1), radio.Stats().Drops.NoPeers)

	require.NoError(t, dish.Unbind(ep))
	require.Zero(t, dish.Stats().Peers)
	require.NoError(t, dish.Bind(ep), "the port is free again")
	require.NoError(t, radio.Connect(ep))
	require.NoError(t, radio.SendGroup(ctxT(t), "g", NewMsgString("again")))
	g, body := recvGroup(t, dish)
	require.Equal(t, []string{"g", "again"}, []string{g, body})
}
