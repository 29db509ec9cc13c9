// Package transporttest is a conformance suite for stream transports. Each
// transport's tests call [TestStreamTransport]:
//
//	func TestTransport(t *testing.T) {
//		transporttest.TestStreamTransport(t, tcp.Transport{}, func(t *testing.T) string {
//			return "127.0.0.1:0"
//		})
//	}
//
// Every wait in the suite is bounded by a deadline, so a broken transport
// fails a test instead of hanging it.
package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// timeout bounds every wait in the suite.
const timeout = 10 * time.Second

// TestStreamTransport runs the conformance suite against tr. bindAddr returns
// a fresh address to listen on (the part of the endpoint after "://"); it is
// called once per listener, so it must not return the same fixed address
// twice.
func TestStreamTransport(t *testing.T, tr transport.StreamTransport, bindAddr func(t *testing.T) string) {
	s := suite{tr: tr, bindAddr: bindAddr}
	t.Run("ListenEndpoint", s.testListenEndpoint)
	t.Run("AcceptDial", s.testAcceptDial)
	t.Run("DataBothWays", s.testDataBothWays)
	t.Run("CloseUnblocksAccept", s.testCloseUnblocksAccept)
	t.Run("DialClosedListener", s.testDialClosedListener)
	t.Run("ConcurrentDials", s.testConcurrentDials)
	t.Run("ZMTP", s.testZMTP)
}

// TestMessageTransport runs the parts of the suite that fit a transport whose
// connections carry ZMTP frames rather than raw bytes, such as WebSocket (see
// package ws): listening, dialling, and the ZMTP tests with handshake in place of
// transport.Handshake. The raw-byte tests do not apply: such a connection's Write
// takes only whole ZMTP frames.
func TestMessageTransport(t *testing.T, tr transport.StreamTransport, bindAddr func(t *testing.T) string, handshake func(net.Conn, wire.HandshakeConfig, time.Duration) (*transport.Conn, error)) {
	s := suite{tr: tr, bindAddr: bindAddr, hs: handshake, framed: true}
	t.Run("CloseUnblocksAccept", s.testCloseUnblocksAccept)
	t.Run("DialClosedListener", s.testDialClosedListener)
	t.Run("ZMTP", s.testZMTP)
}

type suite struct {
	tr       transport.StreamTransport
	bindAddr func(t *testing.T) string
	// hs is the handshake; nil means transport.Handshake.
	hs func(net.Conn, wire.HandshakeConfig, time.Duration) (*transport.Conn, error)
	// framed says the connections carry frames, not a greeting and raw bytes.
	framed bool
}

// handshakeConn runs the suite's handshake on nc.
func (s suite) handshakeConn(nc net.Conn, cfg wire.HandshakeConfig, timeout time.Duration) (*transport.Conn, error) {
	if s.hs != nil {
		return s.hs(nc, cfg, timeout)
	}
	return transport.Handshake(nc, cfg, timeout)
}

func context10s(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// listen binds a fresh address; the listener is closed when the test ends.
// It returns the listener and the dialable address from its endpoint.
func (s suite) listen(t *testing.T) (transport.Listener, string) {
	t.Helper()
	addr := s.bindAddr(t)
	ln, err := s.tr.Listen(context10s(t), addr, transport.Options{})
	require.NoError(t, err, "Listen(%q)", addr)
	t.Cleanup(func() { ln.Close() })
	ep, err := transport.ParseEndpoint(ln.Endpoint())
	require.NoError(t, err, "resolved endpoint %q does not parse", ln.Endpoint())
	return ln, ep.Addr
}

// dial connects to addr; the connection is closed when the test ends.
func (s suite) dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := s.tr.Dial(context10s(t), addr, transport.Options{})
	require.NoError(t, err, "Dial(%q)", addr)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(timeout)))
	return c
}

type acceptResult struct {
	c   net.Conn
	err error
}

// acceptAsync calls Accept n times in a goroutine and delivers the results.
func acceptAsync(ln transport.Listener, n int) <-chan acceptResult {
	ch := make(chan acceptResult, n)
	go func() {
		for range n {
			c, err := ln.Accept()
			ch <- acceptResult{c, err}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// accepted waits for one result from acceptAsync and requires success.
func accepted(t *testing.T, ch <-chan acceptResult) net.Conn {
	t.Helper()
	select {
	case r := <-ch:
		require.NoError(t, r.err, "Accept")
		t.Cleanup(func() { r.c.Close() })
		require.NoError(t, r.c.SetDeadline(time.Now().Add(timeout)))
		return r.c
	case <-time.After(timeout):
		t.Fatal("Accept did not return")
		return nil
	}
}

// pair returns the two ends of a fresh connection.
func (s suite) pair(t *testing.T) (dialed, acc net.Conn) {
	t.Helper()
	ln, addr := s.listen(t)
	ch := acceptAsync(ln, 1)
	dialed = s.dial(t, addr)
	return dialed, accepted(t, ch)
}

func (s suite) testListenEndpoint(t *testing.T) {
	ln, addr := s.listen(t)
	require.NotEmpty(t, addr)
	// The resolved endpoint is dialable as is.
	ch := acceptAsync(ln, 1)
	c := s.dial(t, addr)
	a := accepted(t, ch)
	_, err := c.Write([]byte("x"))
	require.NoError(t, err)
	b := make([]byte, 1)
	_, err = io.ReadFull(a, b)
	require.NoError(t, err)
	require.Equal(t, "x", string(b))
}

func (s suite) testAcceptDial(t *testing.T) {
	d, a := s.pair(t)
	require.NotNil(t, d.LocalAddr())
	require.NotNil(t, d.RemoteAddr())
	require.NotNil(t, a.LocalAddr())
	require.NotNil(t, a.RemoteAddr())
	// Closing one end is seen as EOF by the other.
	require.NoError(t, d.Close())
	_, err := a.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
}

// pattern returns n bytes that differ by position and by seed.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ byte(i>>8) ^ seed
	}
	return b
}

func (s suite) testDataBothWays(t *testing.T) {
	d, a := s.pair(t)
	const size = 1 << 20 // more than any socket buffer: forces partial writes
	out1, out2 := pattern(size, 1), pattern(size, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, w := range []struct {
		c   net.Conn
		buf []byte
	}{{d, out1}, {a, out2}} {
		wg.Go(func() {
			_, err := w.c.Write(w.buf)
			errs <- err
		})
	}
	in1, in2 := make([]byte, size), make([]byte, size)
	_, err := io.ReadFull(a, in1)
	require.NoError(t, err)
	_, err = io.ReadFull(d, in2)
	require.NoError(t, err)
	wg.Wait()
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	require.True(t, bytes.Equal(out1, in1), "dialer to acceptor data differs")
	require.True(t, bytes.Equal(out2, in2), "acceptor to dialer data differs")
}

func (s suite) testCloseUnblocksAccept(t *testing.T) {
	ln, _ := s.listen(t)
	ch := acceptAsync(ln, 1)
	require.NoError(t, ln.Close())
	select {
	case r := <-ch:
		require.Error(t, r.err)
		require.ErrorIs(t, r.err, net.ErrClosed)
	case <-time.After(timeout):
		t.Fatal("Close did not unblock Accept")
	}
	// Accept after Close fails at once.
	_, err := ln.Accept()
	require.ErrorIs(t, err, net.ErrClosed)
}

func (s suite) testDialClosedListener(t *testing.T) {
	ln, addr := s.listen(t)
	require.NoError(t, ln.Close())
	c, err := s.tr.Dial(context10s(t), addr, transport.Options{})
	if err == nil {
		c.Close()
	}
	require.Error(t, err, "Dial(%q) after Close", addr)
}

func (s suite) testConcurrentDials(t *testing.T) {
	const n = 20
	ln, addr := s.listen(t)
	ch := acceptAsync(ln, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := s.tr.Dial(context10s(t), addr, transport.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
				errs <- err
				return
			}
			// Say who we are, then wait for the acceptor to hang up so
			// our Close cannot race ahead of its read.
			if _, err := c.Write([]byte{byte(i)}); err != nil {
				errs <- err
				return
			}
			_, err = c.Read(make([]byte, 1))
			if !errors.Is(err, io.EOF) {
				errs <- fmt.Errorf("dialer %d: want EOF, got %v", i, err)
			}
		})
	}
	seen := make(map[byte]bool)
	for range n {
		a := accepted(t, ch)
		b := make([]byte, 1)
		_, err := io.ReadFull(a, b)
		require.NoError(t, err)
		require.False(t, seen[b[0]], "dialer %d seen twice", b[0])
		seen[b[0]] = true
		require.NoError(t, a.Close())
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, seen, n)
}
