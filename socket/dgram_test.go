package socket

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport/udp"
)

// dgramAddrOf returns the "IP:PORT" a DGRAM bound to ep sends from.
func dgramAddrOf(t *testing.T, ep string) string {
	t.Helper()
	addr, ok := strings.CutPrefix(ep, "udp://")
	require.True(t, ok, ep)
	return addr
}

func newDgram(t *testing.T) (*Socket, string) {
	t.Helper()
	s := newSocket(t, Dgram, Options{})
	require.NoError(t, s.Bind("udp://127.0.0.1:*"))
	return s, dgramAddrOf(t, s.LastEndpoint())
}

func TestDgramExchange(t *testing.T) {
	a, aAddr := newDgram(t)
	b, bAddr := newDgram(t)
	require.NotEqual(t, aAddr, bAddr)

	send(t, a, bAddr, "ping")
	require.Equal(t, []string{aAddr, "ping"}, recvStrings(t, b), "the first frame is the sender's address")

	// Answering is sending to the address received.
	send(t, b, aAddr, "pong")
	require.Equal(t, []string{bAddr, "pong"}, recvStrings(t, a))

	// libzmq's address frames end in a NUL; a reply to one works as well.
	require.NoError(t, b.Send(ctxT(t), NewMsg(append([]byte(aAddr), 0), []byte("nul"))))
	require.Equal(t, []string{bAddr, "nul"}, recvStrings(t, a))

	// Empty bodies and the largest datagram go through.
	send(t, a, bAddr, "")
	require.Equal(t, []string{aAddr, ""}, recvStrings(t, b))
	big := bytes.Repeat([]byte("x"), udp.MaxDatagram)
	require.NoError(t, a.Send(ctxT(t), NewMsg([]byte(bAddr), big)))
	m, err := b.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, big, m.Frames[1])
}

func TestDgramManyPeers(t *testing.T) {
	hub, hubAddr := newDgram(t)
	const n = 5
	peers := make([]*Socket, n)
	addrs := map[string]int{}
	for i := range peers {
		var addr string
		peers[i], addr = newDgram(t)
		addrs[addr] = i
		send(t, peers[i], hubAddr, "hello")
	}
	for range n {
		m := recvStrings(t, hub)
		i, ok := addrs[m[0]]
		require.True(t, ok, "unknown sender %q", m[0])
		send(t, hub, m[0], "welcome")
		require.Equal(t, []string{hubAddr, "welcome"}, recvStrings(t, peers[i]))
	}
}

func TestDgramSendErrors(t *testing.T) {
	a, _ := newDgram(t)
	for _, c := range []struct {
		frames []string
		want   error
	}{
		{[]string{"127.0.0.1:9"}, ErrDgramMsg},
		{[]string{"127.0.0.1:9", "a", "b"}, ErrDgramMsg},
		{[]string{"127.0.0.1", "body"}, udp.ErrBadAddress},
		{[]string{"127.0.0.1:0", "body"}, udp.ErrBadAddress},
		{[]string{"localhost:9", "body"}, udp.ErrBadAddress},
		{[]string{"[::1]:9", "body"}, udp.ErrBadAddress},
	} {
		err := a.Send(ctxT(t), NewMsgString(c.frames...))
		require.ErrorIs(t, err, c.want, "%q", c.frames)
	}
	err := a.Send(ctxT(t), NewMsg([]byte("127.0.0.1:9"), make([]byte, udp.MaxDatagram+1)))
	require.ErrorIs(t, err, udp.ErrTooLarge)
}

func TestDgramTransportRules(t *testing.T) {
	d := newSocket(t, Dgram, Options{})
	err := d.Connect("udp://127.0.0.1:5555")
	require.ErrorIs(t, err, ErrTransportNotAllowed, "libzmq's DGRAM binds, it never connects")
	for _, ep := range []string{"tcp://127.0.0.1:*", "inproc://dgram", "ipc://@dgram"} {
		require.ErrorIs(t, d.Bind(ep), ErrTransportNotAllowed, ep)
	}
	require.NoError(t, d.Bind("udp://127.0.0.1:*"))
	require.Error(t, d.Bind("udp://127.0.0.1:*"), "one udp binding per DGRAM, as in libzmq")

	for _, typ := range []Type{Pair, Pub, Sub, Req, Rep, Dealer, Router, Push, Pull, XPub, XSub, Stream} {
		s := newSocket(t, typ, Options{})
		require.ErrorIs(t, s.Bind("udp://127.0.0.1:*"), ErrTransportNotAllowed, "%v", typ)
		require.ErrorIs(t, s.Connect("udp://127.0.0.1:5555"), ErrTransportNotAllowed, "%v", typ)
	}
}

func TestDgramUnbindAndRebind(t *testing.T) {
	a, aAddr := newDgram(t)
	b, bAddr := newDgram(t)
	require.NoError(t, a.Unbind(a.LastEndpoint()))
	require.NoError(t, a.Bind("udp://127.0.0.1:*"))
	aAddr2 := dgramAddrOf(t, a.LastEndpoint())
	require.NotEqual(t, aAddr, aAddr2)
	send(t, a, bAddr, "again")
	require.Equal(t, []string{aAddr2, "again"}, recvStrings(t, b))
}

// Datagrams a DGRAM cannot take (over the datagram limit or MaxMsgSize) are dropped
// and counted; the next one arrives.
func TestDgramHostile(t *testing.T) {
	d := newSocket(t, Dgram, Options{MaxMsgSize: 1000})
	require.NoError(t, d.Bind("udp://127.0.0.1:*"))
	to := net.UDPAddrFromAddrPort(netip.MustParseAddrPort(dgramAddrOf(t, d.LastEndpoint())))
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer raw.Close()
	for _, n := range []int{1001, udp.MaxDatagram + 1, 60000} {
		_, err := raw.WriteToUDP(make([]byte, n), to)
		require.NoError(t, err)
	}
	_, err = raw.WriteToUDP([]byte("fine"), to)
	require.NoError(t, err)
	m := recvStrings(t, d)
	require.Equal(t, "fine", m[1])
	require.Equal(t, raw.LocalAddr().String(), m[0])
	require.Equal(t, uint64(3), d.Stats().Drops.Oversized)
}

func TestDgramCloseWhileReceiving(t *testing.T) {
	d, _ := newDgram(t)
	errc := make(chan error, 1)
	go func() {
		_, err := d.Recv(ctxT(t))
		errc <- err
	}()
	// Recv is blocked (or about to be); Close must end it with ErrClosed.
	require.NoError(t, d.Close())
	select {
	case err := <-errc:
		require.True(t, errors.Is(err, ErrClosed), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Recv did not return after Close")
	}
}
