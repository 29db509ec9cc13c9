package transporttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

var (
	dealerConfig = wire.HandshakeConfig{SocketType: wire.Dealer, Identity: []byte("dealer-id")}
	routerConfig = wire.HandshakeConfig{
		SocketType: wire.Router,
		Metadata:   wire.Metadata{{Name: "X-Suite", Value: []byte("transporttest")}},
	}
)

func (s suite) testZMTP(t *testing.T) {
	t.Run("Messages", s.testZMTPMessages)
	t.Run("IncompatibleTypes", s.testZMTPIncompatible)
	t.Run("HandshakeTimeout", s.testZMTPTimeout)
	t.Run("DeadlineCleared", s.testZMTPDeadlineCleared)
	t.Run("PeerClose", s.testZMTPPeerClose)
}

type handshakeResult struct {
	c   *transport.Conn
	err error
}

// handshake runs transport.Handshake on both ends of a fresh connection at
// once, the dialer as dc and the acceptor as ac.
func (s suite) handshake(t *testing.T, dc, ac wire.HandshakeConfig, hsTimeout time.Duration) (d, a handshakeResult) {
	t.Helper()
	dn, an := s.pair(t)
	ch := make(chan handshakeResult, 1)
	go func() {
		c, err := s.handshakeConn(an, ac, hsTimeout)
		ch <- handshakeResult{c, err}
	}()
	c, err := s.handshakeConn(dn, dc, hsTimeout)
	d = handshakeResult{c, err}
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	select {
	case a = <-ch:
	case <-time.After(timeout):
		t.Fatal("acceptor handshake did not return")
	}
	if a.c != nil {
		t.Cleanup(func() { a.c.Close() })
	}
	return d, a
}

// handshakeOK is handshake that requires both ends to succeed.
func (s suite) handshakeOK(t *testing.T) (dealer, router *transport.Conn) {
	t.Helper()
	d, a := s.handshake(t, dealerConfig, routerConfig, timeout)
	require.NoError(t, d.err, "dialer (DEALER) handshake")
	require.NoError(t, a.err, "acceptor (ROUTER) handshake")
	// Bound the rest of the test.
	require.NoError(t, d.c.NetConn().SetDeadline(time.Now().Add(timeout)))
	require.NoError(t, a.c.NetConn().SetDeadline(time.Now().Add(timeout)))
	return d.c, a.c
}

func msg(frames ...[]byte) wire.Msg { return wire.Msg{Frames: frames} }

// testMsgs are sent each way, in order.
func testMsgs(seed byte) []wire.Msg {
	return []wire.Msg{
		msg([]byte("hello")),
		msg([]byte("a"), []byte{}, []byte("b"), []byte{}),
		msg([]byte{}),
		msg([]byte("routing"), []byte{}, pattern(300, seed)), // long-form frame
		msg(pattern(1<<20, seed)),                            // 1 MiB
		msg(pattern(100_000, seed), []byte("tail")),
	}
}

func requireMsgEqual(t *testing.T, want, got wire.Msg, i int) {
	t.Helper()
	require.NoError(t, msgEqual(want, got, i))
}

func msgEqual(want, got wire.Msg, i int) error {
	if len(got.Frames) != len(want.Frames) {
		return fmt.Errorf("message %d: want %d frames, got %d", i, len(want.Frames), len(got.Frames))
	}
	for j := range want.Frames {
		if !bytes.Equal(want.Frames[j], got.Frames[j]) {
			return fmt.Errorf("message %d frame %d: want %d bytes, got %d bytes (differ)", i, j, len(want.Frames[j]), len(got.Frames[j]))
		}
	}
	return nil
}

// send writes a PING command frame and then msgs, and flushes.
func send(c *transport.Conn, ping []byte, msgs []wire.Msg) error {
	if err := c.WriteCommandFrame(wire.AppendPing(nil, 50, ping)); err != nil {
		return err
	}
	for _, m := range msgs {
		if err := c.WriteMsg(m); err != nil {
			return err
		}
	}
	return c.Flush()
}

// receive reads len(want) messages and checks them and the one PING sent
// before them. It runs on any goroutine, so it returns an error rather than
// failing the test.
//
// A framed transport may carry a PING without its TTL (WebSocket pings have no
// room for one), so wantTTL is 50 or 0.
func receive(c *transport.Conn, wantTTL uint16, wantPing []byte, want []wire.Msg) error {
	var pings [][]byte
	onCommand := func(cmd wire.Command) error {
		if !cmd.Is(wire.CmdPing) {
			return fmt.Errorf("unexpected command %q", cmd.Name)
		}
		ttl, ctx, err := wire.ParsePing(cmd.Data)
		if err != nil {
			return err
		}
		if ttl != wantTTL {
			return fmt.Errorf("PING ttl: want %d, got %d", wantTTL, ttl)
		}
		pings = append(pings, bytes.Clone(ctx)) // valid only during the call
		return nil
	}
	for i, w := range want {
		var m wire.Msg
		if err := c.ReadMsg(&m, onCommand); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		if err := msgEqual(w, m, i); err != nil {
			return err
		}
	}
	if len(pings) != 1 || !bytes.Equal(pings[0], wantPing) {
		return fmt.Errorf("command frames delivered to onCommand: want one PING %q, got %q", wantPing, pings)
	}
	return nil
}

func (s suite) testZMTPMessages(t *testing.T) {
	dealer, router := s.handshakeOK(t)

	// Metadata each side announced.
	rp := router.Peer()
	require.Equal(t, uint8(3), rp.Major)
	require.Equal(t, wire.Dealer, rp.SocketType)
	require.Equal(t, "dealer-id", string(rp.Identity))
	dp := dealer.Peer()
	require.Equal(t, uint8(3), dp.Major)
	require.Equal(t, wire.Router, dp.SocketType)
	require.Empty(t, dp.Identity)
	v, ok := dp.Metadata.Get("x-suite")
	require.True(t, ok, "X-Suite metadata")
	require.Equal(t, "transporttest", string(v))

	// Both directions at once: 1 MiB messages do not fit socket buffers, so
	// a transport that cannot read while writing deadlocks (and times out).
	fromDealer, fromRouter := testMsgs(1), testMsgs(2)
	errs := make(chan error, 2)
	go func() { errs <- send(dealer, []byte("from-dealer"), fromDealer) }()
	go func() { errs <- send(router, []byte("from-router"), fromRouter) }()
	var ttl uint16 = 50
	if s.framed {
		ttl = 0
	}
	recvd := make(chan error, 1)
	go func() { recvd <- receive(dealer, ttl, []byte("from-router"), fromRouter) }()
	require.NoError(t, receive(router, ttl, []byte("from-dealer"), fromDealer), "dealer to router")
	require.NoError(t, <-recvd, "router to dealer") // bounded by the connection deadlines
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
}

func (s suite) testZMTPIncompatible(t *testing.T) {
	d, a := s.handshake(t,
		wire.HandshakeConfig{SocketType: wire.Pub},
		wire.HandshakeConfig{SocketType: wire.Push}, timeout)
	require.Error(t, d.err)
	require.Error(t, a.err)
	var pe *wire.PeerError
	incompatible := func(err error) bool {
		return errors.Is(err, wire.ErrIncompatibleSocketType) || errors.As(err, &pe)
	}
	require.True(t, incompatible(d.err) || incompatible(a.err), "dialer: %v; acceptor: %v", d.err, a.err)
	require.True(t, errors.Is(d.err, wire.ErrIncompatibleSocketType) || errors.Is(a.err, wire.ErrIncompatibleSocketType),
		"dialer: %v; acceptor: %v", d.err, a.err)
}

func (s suite) testZMTPTimeout(t *testing.T) {
	dn, an := s.pair(t) // the dialer never speaks
	start := time.Now()
	_, err := s.handshakeConn(an, routerConfig, 100*time.Millisecond)
	require.Error(t, err)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Less(t, time.Since(start), timeout)
	// Handshake closed the connection: the dialer sees our signature (the rest of
	// the greeting waits for the peer's, as libzmq's does), then EOF. Without a
	// greeting it sees the first handshake frame (READY), then EOF.
	got, err := io.ReadAll(dn)
	require.NoError(t, err)
	if s.framed {
		require.NotEmpty(t, got)
		require.Equal(t, wire.FlagCommand, got[0]&wire.FlagCommand, "the first frame is a command")
		return
	}
	require.Len(t, got, 10)
	require.Equal(t, byte(0xFF), got[0])
	require.Equal(t, byte(0x7F), got[9])
}

func (s suite) testZMTPDeadlineCleared(t *testing.T) {
	const hsTimeout = 100 * time.Millisecond
	d, a := s.handshake(t, dealerConfig, routerConfig, hsTimeout)
	require.NoError(t, d.err)
	require.NoError(t, a.err)
	// Send only once the handshake deadline has long passed: a deadline
	// left behind would fail the read below.
	sent := make(chan error, 1)
	time.AfterFunc(3*hsTimeout, func() {
		if err := d.c.WriteMsg(msg([]byte("late"))); err != nil {
			sent <- err
			return
		}
		sent <- d.c.Flush()
	})
	// A watchdog bounds the read without setting a deadline, which would
	// hide the one under test.
	watchdog := time.AfterFunc(timeout, func() { a.c.Close() })
	defer watchdog.Stop()
	var m wire.Msg
	require.NoError(t, a.c.ReadMsg(&m, nil))
	requireMsgEqual(t, msg([]byte("late")), m, 0)
	require.NoError(t, <-sent)
}

func (s suite) testZMTPPeerClose(t *testing.T) {
	dealer, router := s.handshakeOK(t)
	require.NoError(t, dealer.WriteMsg(msg([]byte("last"))))
	require.NoError(t, dealer.Flush())
	require.NoError(t, dealer.Close())
	var m wire.Msg
	require.NoError(t, router.ReadMsg(&m, nil))
	requireMsgEqual(t, msg([]byte("last")), m, 0)
	require.ErrorIs(t, router.ReadMsg(&m, nil), io.EOF)
}
