package udp

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
)

func listenLocal(t *testing.T, opts Options) *Conn {
	t.Helper()
	ep, err := ParseEndpoint("127.0.0.1:*", true)
	require.NoError(t, err)
	c, err := Listen(ep, opts)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NotZero(t, c.LocalAddr().Port())
	return c
}

func dialTo(t *testing.T, addr string) *Conn {
	t.Helper()
	ep, err := ParseEndpoint(addr, false)
	require.NoError(t, err)
	c, err := Dial(ep, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// deadline bounds a blocking read, so that a lost datagram fails the test instead of
// hanging it.
func deadline(t *testing.T, c *Conn) {
	require.NoError(t, c.c.SetReadDeadline(time.Now().Add(10*time.Second)))
}

func TestConnGroupUnicast(t *testing.T) {
	rx := listenLocal(t, Options{})
	tx := dialTo(t, rx.LocalAddr().String())
	deadline(t, rx)
	for i := range 100 {
		require.NoError(t, tx.WriteGroup([]byte("g"), []byte(fmt.Sprint(i))))
		g, body, from, err := rx.ReadGroup()
		require.NoError(t, err)
		require.Equal(t, "g", string(g))
		require.Equal(t, fmt.Sprint(i), string(body))
		require.Equal(t, tx.LocalAddr().Port(), from.Port())
	}
	require.Equal(t, uint64(100), tx.Stats().Sent)
	require.Equal(t, uint64(100), rx.Stats().Received)
}

func TestConnRaw(t *testing.T) {
	a := listenLocal(t, Options{})
	b := listenLocal(t, Options{})
	deadline(t, a)
	deadline(t, b)
	require.NoError(t, a.WriteRaw([]byte("ping"), b.LocalAddr()))
	body, from, err := b.ReadRaw()
	require.NoError(t, err)
	require.Equal(t, "ping", string(body))
	require.Equal(t, a.LocalAddr().Port(), from.Port())
	require.NoError(t, b.WriteRaw([]byte("pong"), from))
	body, _, err = a.ReadRaw()
	require.NoError(t, err)
	require.Equal(t, "pong", string(body))
	require.ErrorIs(t, a.WriteRaw(make([]byte, MaxDatagram+1), b.LocalAddr()), ErrTooLarge)
}

// Hostile datagrams each cost only themselves: the next good one is delivered, and
// every bad one is counted under its reason.
func TestConnHostileDatagrams(t *testing.T) {
	rx := listenLocal(t, Options{MaxMsgSize: 100})
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer raw.Close()
	to := net.UDPAddrFromAddrPort(rx.LocalAddr())
	bad := [][]byte{
		{},            // empty: no length byte
		{5, 'a', 'b'}, // claims 5 group bytes, has 2
		{255},         // claims 255, has none
		append([]byte{200}, bytes.Repeat([]byte("x"), 199)...), // one short
	}
	for _, b := range bad {
		_, err := raw.WriteToUDP(b, to)
		require.NoError(t, err)
	}
	tooBig := append([]byte{1, 'g'}, make([]byte, 101)...) // body over MaxMsgSize
	_, err = raw.WriteToUDP(tooBig, to)
	require.NoError(t, err)
	huge := make([]byte, MaxDatagram+1) // over the datagram limit (length byte 0)
	_, err = raw.WriteToUDP(huge, to)
	require.NoError(t, err)
	good, _ := AppendGroupDatagram(nil, []byte("g"), bytes.Repeat([]byte("b"), 100))
	_, err = raw.WriteToUDP(good, to)
	require.NoError(t, err)

	deadline(t, rx)
	g, body, _, err := rx.ReadGroup()
	require.NoError(t, err)
	require.Equal(t, "g", string(g))
	require.Len(t, body, 100)
	st := rx.Stats()
	require.Equal(t, uint64(len(bad)), st.Malformed)
	require.Equal(t, uint64(2), st.Oversized)
	require.Equal(t, uint64(1), st.Received)
}

// A flood of garbage neither grows the receiver's memory (one buffer, whatever
// arrives) nor keeps a good datagram sent afterwards from arriving. The flood is
// bounded in count; the kernel may drop some of it, never the reader's accounting.
func TestConnFlood(t *testing.T) {
	rx := listenLocal(t, Options{})
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer raw.Close()
	to := net.UDPAddrFromAddrPort(rx.LocalAddr())

	var got atomic.Bool
	done := make(chan error, 1)
	deadline(t, rx)
	go func() {
		g, _, _, err := rx.ReadGroup()
		if err == nil && string(g) == "good" {
			got.Store(true)
		}
		done <- err
	}()
	junk := []byte{250, 'x'}
	const flood = 20000
	for range flood {
		_, err := raw.WriteToUDP(junk, to)
		require.NoError(t, err)
	}
	good, _ := AppendGroupDatagram(nil, []byte("good"), []byte("after the flood"))
	// The kernel's buffer may have been full when the good one came: resend until the
	// reader has it, within the read deadline.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for sent := false; ; {
		if !sent || !got.Load() {
			_, err := raw.WriteToUDP(good, to)
			require.NoError(t, err)
			sent = true
		}
		select {
		case err := <-done:
			require.NoError(t, err)
			require.True(t, got.Load())
			st := rx.Stats()
			require.NotZero(t, st.Malformed)
			require.LessOrEqual(t, st.Malformed, uint64(flood))
			require.Equal(t, uint64(1), st.Received)
			require.Len(t, rx.rbuf, MaxDatagram+1, "the reader's memory is one datagram")
			t.Logf("flood of %d: %d read and dropped as malformed", flood, st.Malformed)
			return
		case <-tick.C:
		}
	}
}

func TestConnClose(t *testing.T) {
	rx := listenLocal(t, Options{})
	errc := make(chan error, 1)
	go func() {
		_, _, _, err := rx.ReadGroup()
		errc <- err
	}()
	require.NoError(t, rx.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("ReadGroup did not return after Close")
	}
}

var mcastPort atomic.Uint32

func mcastEndpoint(t *testing.T, group string, bind bool) Endpoint {
	t.Helper()
	ep, err := ParseEndpoint(fmt.Sprintf("lo;%s:%d", group, 32000+mcastPort.Load()), bind)
	require.NoError(t, err)
	return ep
}

// Multicast runs only inside a private network namespace holding nothing but lo.
func TestConnMulticast(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		mcastPort.Add(1)
		rxA, err := Listen(mcastEndpoint(t, "239.192.9.1", true), Options{})
		require.NoError(t, err)
		defer rxA.Close()
		rxA2, err := Listen(mcastEndpoint(t, "239.192.9.1", true), Options{})
		require.NoError(t, err, "a second member of the group on the same port")
		defer rxA2.Close()
		rxB, err := Listen(mcastEndpoint(t, "239.192.9.2", true), Options{})
		require.NoError(t, err)
		defer rxB.Close()
		require.Equal(t, "239.192.9.1", rxA.LocalAddr().Addr().String())

		txA, err := Dial(mcastEndpoint(t, "239.192.9.1", false), Options{})
		require.NoError(t, err)
		defer txA.Close()
		txB, err := Dial(mcastEndpoint(t, "239.192.9.2", false), Options{})
		require.NoError(t, err)
		defer txB.Close()

		require.NoError(t, txB.WriteGroup([]byte("b"), []byte("to group B")))
		require.NoError(t, txA.WriteGroup([]byte("a"), []byte("to group A")))
		for _, rx := range []*Conn{rxA, rxA2} {
			deadline(t, rx)
			g, body, from, err := rx.ReadGroup()
			require.NoError(t, err)
			require.Equal(t, "a", string(g), "only group A's datagram reaches A's members")
			require.Equal(t, "to group A", string(body))
			require.Equal(t, netip.MustParseAddr("127.0.0.1"), from.Addr())
		}
		deadline(t, rxB)
		g, _, _, err := rxB.ReadGroup()
		require.NoError(t, err)
		require.Equal(t, "b", string(g))
	})
}

func TestListenMulticastUnknownInterface(t *testing.T) {
	ep, err := ParseEndpoint("no-such-if0;239.192.9.9:5555", true)
	require.NoError(t, err)
	_, err = Listen(ep, Options{})
	require.ErrorContains(t, err, "no-such-if0")
}
