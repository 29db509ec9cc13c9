package socket_test

// Shared machinery of the hostile-peer tests: a monitored socket of ours, a raw TCP
// "attacker" that speaks bytes, a well-behaved peer of ours, and a goroutine leak check.
// Every wait is bounded by a deadline.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

const (
	hstWait    = 5 * time.Second // bound on any wait for something that must happen
	hstMonSize = 4096            // monitor channel capacity
)

// hstLeakCheck records the number of goroutines now and returns a function that, once
// every socket and connection of the test is closed, waits (bounded) until the count is
// back to at most that number.
func hstLeakCheck(t *testing.T) func() {
	t.Helper()
	base := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(hstWait)
		n := runtime.NumGoroutine()
		for n > base && time.Now().Before(deadline) {
			runtime.Gosched()
			time.Sleep(5 * time.Millisecond) // polling interval of a bounded poll
			n = runtime.NumGoroutine()
		}
		if n > base {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: %d at start, %d after close\n%s", base, n, buf)
		}
	}
}

// hstMonitor wraps a socket's monitor channel and remembers every event it consumed.
type hstMonitor struct {
	ch   chan socket.Event
	seen []socket.Event
}

func hstNewMonitor() *hstMonitor { return &hstMonitor{ch: make(chan socket.Event, hstMonSize)} }

func (m *hstMonitor) dump() string {
	var b strings.Builder
	for _, e := range m.seen {
		fmt.Fprintf(&b, "  %v\n", e)
	}
	return b.String()
}

// wait returns the first event, consumed from now on, that satisfies pred.
func (m *hstMonitor) wait(t *testing.T, what string, pred func(socket.Event) bool) socket.Event {
	t.Helper()
	return m.waitFor(t, hstWait, what, pred)
}

func (m *hstMonitor) waitFor(t *testing.T, d time.Duration, what string, pred func(socket.Event) bool) socket.Event {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case e := <-m.ch:
			m.seen = append(m.seen, e)
			if pred(e) {
				return e
			}
		case <-timer.C:
			t.Fatalf("no %s event within %v; events seen:\n%s", what, d, m.dump())
		}
	}
}

// drain consumes the events queued now, without waiting.
func (m *hstMonitor) drain() {
	for {
		select {
		case e := <-m.ch:
			m.seen = append(m.seen, e)
		default:
			return
		}
	}
}

// forRemote matches an event of type typ about the connection whose peer address is
// remote (for accepted connections: the attacker's local address).
func forRemote(typ socket.EventType, remote string) func(socket.Event) bool {
	return func(e socket.Event) bool { return e.Type == typ && e.Remote == remote }
}

// hstServer is a socket of ours bound on tcp://127.0.0.1:*.
type hstServer struct {
	s    *socket.Socket
	ep   string // tcp://127.0.0.1:port
	addr string // 127.0.0.1:port
	mon  *hstMonitor
}

func hstBind(t *testing.T, typ socket.Type, opts socket.Options) *hstServer {
	t.Helper()
	mon := hstNewMonitor()
	opts.Monitor = mon.ch
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Bind("tcp://127.0.0.1:*"))
	ep := s.LastEndpoint()
	require.True(t, strings.HasPrefix(ep, "tcp://127.0.0.1:"), ep)
	mon.wait(t, "LISTENING", func(e socket.Event) bool { return e.Type == socket.EventListening })
	return &hstServer{s: s, ep: ep, addr: strings.TrimPrefix(ep, "tcp://"), mon: mon}
}

// hstGood returns a well-behaved socket of ours connected to ep. Linger is off: the
// tests check delivery themselves before closing.
func hstGood(t *testing.T, typ socket.Type, ep string) *socket.Socket {
	t.Helper()
	s, err := socket.New(typ, socket.Options{Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Connect(ep))
	return s
}

func hstDeadline() time.Time { return time.Now().Add(hstWait) }

func hstCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hstWait)
	t.Cleanup(cancel)
	return ctx
}

// hstRoundTrip sends a two-frame message tagged tag from push and checks that pull
// receives exactly it next.
func hstRoundTrip(t *testing.T, push, pull *socket.Socket, tag string) {
	t.Helper()
	require.NoError(t, push.Send(hstCtx(t), socket.NewMsgString("good", tag)), "send %s", tag)
	m, err := pull.Recv(hstCtx(t))
	require.NoError(t, err, "recv %s", tag)
	require.Equal(t, [][]byte{[]byte("good"), []byte(tag)}, m.Frames, "recv %s", tag)
}

// hstNothingReady checks that no message is ready on s right now, without waiting: a
// Recv whose context is already done still returns a message that is ready.
func hstNothingReady(t *testing.T, s *socket.Socket) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := s.Recv(ctx)
	require.ErrorIs(t, err, context.Canceled, "unexpected message %q", m.Frames)
}

// hstDial opens a raw attacker connection to addr.
func hstDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, hstWait)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func hstWrite(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(hstWait)))
	_, err := c.Write(b)
	require.NoError(t, err)
}

// hstGreeting is a ZMTP 3.1 greeting for mechanism mech.
func hstGreeting(mech string) []byte {
	return wire.Greeting{Major: 3, Minor: 1, Mechanism: mech}.Append(nil)
}

// hstOurGreeting is the greeting our sockets send without a RoutingID: a 3.1 NULL
// greeting whose padding is the ZMTP/1.0 length of an empty identity frame, as
// libzmq's (zmq-spec gotcha 2).
func hstOurGreeting() []byte {
	g := hstGreeting("NULL")
	g[8] = 1
	return g
}

// hstReady is a NULL READY command frame announcing socket type typ.
func hstReady(typ string) []byte {
	return wire.AppendReady(nil, wire.Metadata{{Name: wire.PropSocketType, Value: []byte(typ)}})
}

// hstMsg encodes a data message.
func hstMsg(frames ...string) []byte {
	var b []byte
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags = wire.FlagMore
		}
		b = wire.AppendFrameHeader(b, flags, len(f))
		b = append(b, f...)
	}
	return b
}

// hstReadCommand reads the next frame from r, which must be a command, and returns its
// name and a copy of its data.
func hstReadCommand(t *testing.T, c net.Conn, r *wire.Reader) (string, []byte) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(hstWait)))
	flags, body, err := r.ReadFrame()
	require.NoError(t, err)
	require.NotZero(t, flags&wire.FlagCommand, "expected a command frame, got data %q", body)
	cmd, err := wire.ParseCommand(body)
	require.NoError(t, err)
	return string(cmd.Name), append([]byte(nil), cmd.Data...)
}

// hstHandshake completes a NULL handshake as a peer of type typ on c: it sends its
// greeting and READY, then reads and checks ours. It returns the reader to go on with.
func hstHandshake(t *testing.T, c net.Conn, typ string) *wire.Reader {
	t.Helper()
	hstWrite(t, c, append(hstGreeting("NULL"), hstReady(typ)...))
	r := wire.NewReader(c, 0)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(hstWait)))
	g, err := r.ReadGreeting()
	require.NoError(t, err)
	require.Equal(t, "NULL", g.Mechanism)
	require.EqualValues(t, 3, g.Major)
	name, data := hstReadCommand(t, c, r)
	require.Equal(t, wire.CmdReady, name)
	md, err := wire.ParseMetadata(data)
	require.NoError(t, err)
	_, ok := md.Get(wire.PropSocketType)
	require.True(t, ok, "our READY has no Socket-Type")
	return r
}

// isClosedErr reports an error that means the peer closed the connection.
func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// hstExpectClosed reads from r (c itself or a reader over it) until the connection
// ends, and fails if that takes longer than d. It returns what was read.
func hstExpectClosed(t *testing.T, c net.Conn, r io.Reader, d time.Duration) []byte {
	t.Helper()
	if r == nil {
		r = c
	}
	require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			require.True(t, isClosedErr(err), "connection not closed by us within %v: %v (read %d bytes)", d, err, len(got))
			return got
		}
	}
}

// hstExpectFrameEOF reads frames from r until the connection ends; only commands may
// come (for example a PONG). It fails after d.
func hstExpectFrameEOF(t *testing.T, c net.Conn, r *wire.Reader, d time.Duration) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
	for {
		_, _, err := r.ReadFrame()
		if err != nil {
			require.True(t, isClosedErr(err), "connection not closed by us within %v: %v", d, err)
			return
		}
	}
}
