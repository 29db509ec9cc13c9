//go:build cgo

package interop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// wait bounds every wait for a message or an event. Nothing in this suite sleeps in
// place of a condition: it waits for the condition itself, up to this deadline.
const wait = 5 * time.Second

// quiet is how long a check for "nothing arrives" listens. Such checks only ever
// follow a marker message that proves the stream got past the point in question.
const quiet = 50 * time.Millisecond

// transports are the stream transports libzmq and we share.
var transports = []string{"tcp", "ipc"}

// bindAddr returns an endpoint to bind on transport tr: an ephemeral loopback port
// for tcp, a fresh short path for ipc (unix socket paths are limited to 107 bytes,
// so t.TempDir, which embeds the test name, is too long).
func bindAddr(t testing.TB, tr string) string {
	t.Helper()
	switch tr {
	case "tcp":
		return "tcp://127.0.0.1:*"
	case "ws":
		return "ws://127.0.0.1:*/zmq"
	case "ipc":
		dir, err := os.MkdirTemp("", "zi")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		return "ipc://" + filepath.Join(dir, "s")
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// lzType maps our socket types to libzmq's.
func lzType(t socket.Type) zmq.Type {
	switch t {
	case socket.Pair:
		return zmq.PAIR
	case socket.Pub:
		return zmq.PUB
	case socket.Sub:
		return zmq.SUB
	case socket.Req:
		return zmq.REQ
	case socket.Rep:
		return zmq.REP
	case socket.Dealer:
		return zmq.DEALER
	case socket.Router:
		return zmq.ROUTER
	case socket.Pull:
		return zmq.PULL
	case socket.Push:
		return zmq.PUSH
	case socket.XPub:
		return zmq.XPUB
	case socket.XSub:
		return zmq.XSUB
	case socket.Stream:
		return zmq.STREAM
	}
	panic(fmt.Sprintf("no libzmq type for %v", t))
}

// peer is one end of a conversation: one of our sockets or a libzmq socket. The
// conversations in the matrix are written once against this interface and run with
// either library on either side.
type peer interface {
	String() string // "our REQ", "libzmq REP"
	Type() socket.Type
	ID() string // the routing id the peer was given, or ""
	Bind(t testing.TB, tr string) string
	Connect(t testing.TB, ep string)
	Send(t testing.TB, frames ...string)
	SendBytes(t testing.TB, frames ...[]byte)
	// SendRouted retries a ROUTER send while the id is not routable yet (mandatory
	// mode), until the connection to that peer is up.
	SendRouted(t testing.TB, frames ...string)
	Recv(t testing.TB) [][]byte
	TryRecv(t testing.TB, d time.Duration) ([][]byte, bool)
	Subscribe(t testing.TB, topic string)
	Unsubscribe(t testing.TB, topic string)
}

// ---- our sockets ----

type ours struct {
	s   *socket.Socket
	typ socket.Type
	id  string
	mon chan socket.Event
}

// newOurs creates one of our sockets, closed at the end of the test. Unless opts says
// otherwise it lingers only briefly, so a test whose peer is gone does not wait 30 s,
// and it reports its events on a monitor channel.
func newOurs(t testing.TB, typ socket.Type, opts socket.Options) *ours {
	t.Helper()
	if opts.Linger == 0 {
		opts.Linger = 200 * time.Millisecond
	}
	o := &ours{typ: typ, id: string(opts.RoutingID)}
	if opts.Monitor == nil {
		o.mon = make(chan socket.Event, 1024)
		opts.Monitor = o.mon
	}
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	o.s = s
	t.Cleanup(func() { s.Close() })
	return o
}

func (o *ours) String() string    { return "our " + o.typ.String() }
func (o *ours) Type() socket.Type { return o.typ }
func (o *ours) ID() string        { return o.id }
func (o *ours) Connect(t testing.TB, ep string) {
	t.Helper()
	require.NoError(t, o.s.Connect(ep), "%v Connect(%s)", o, ep)
}

func (o *ours) Bind(t testing.TB, tr string) string {
	t.Helper()
	ep := bindAddr(t, tr)
	require.NoError(t, o.s.Bind(ep), "%v Bind(%s)", o, ep)
	return o.s.LastEndpoint()
}

func (o *ours) Send(t testing.TB, frames ...string) {
	t.Helper()
	o.SendBytes(t, strFrames(frames)...)
}

func (o *ours) SendBytes(t testing.TB, frames ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, o.s.Send(ctx, socket.NewMsg(frames...)), "%v Send", o)
}

func (o *ours) SendRouted(t testing.TB, frames ...string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		err := o.s.Send(ctx, socket.NewMsgString(frames...))
		cancel()
		if !errors.Is(err, socket.ErrHostUnreachable) || time.Now().After(deadline) {
			require.NoError(t, err, "%v Send to %q", o, frames[0])
			return
		}
		time.Sleep(2 * time.Millisecond) // poll the routing table
	}
}

func (o *ours) Recv(t testing.TB) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := o.s.Recv(ctx)
	require.NoError(t, err, "%v Recv", o)
	return m.Frames
}

func (o *ours) TryRecv(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := o.s.Recv(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	require.NoError(t, err, "%v Recv", o)
	return m.Frames, true
}

func (o *ours) Subscribe(t testing.TB, topic string) {
	t.Helper()
	require.NoError(t, o.s.Subscribe([]byte(topic)))
}

func (o *ours) Unsubscribe(t testing.TB, topic string) {
	t.Helper()
	require.NoError(t, o.s.Unsubscribe([]byte(topic)))
}

// waitEvent waits for an event of type want on our monitor and returns it; other
// events are skipped.
func (o *ours) waitEvent(t testing.TB, want socket.EventType) socket.Event {
	t.Helper()
	return waitOurEvent(t, o.mon, want)
}

func waitOurEvent(t testing.TB, mon <-chan socket.Event, want socket.EventType) socket.Event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case e := <-mon:
			if e.Type == want {
				return e
			}
			seen = append(seen, e.String())
		case <-timer.C:
			t.Fatalf("no %v event within %v; saw %q", want, wait, seen)
		}
	}
}

// ---- libzmq sockets ----

type lz struct {
	s   *zmq.Socket
	typ socket.Type
	id  string
}

// newLZ creates a libzmq socket with LINGER 0 and send/receive timeouts of wait,
// closed at the end of the test. setup runs before the socket is returned.
func newLZ(t testing.TB, typ socket.Type, setup ...func(*zmq.Socket) error) *lz {
	t.Helper()
	s, err := zmq.NewSocket(lzType(typ))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.SetLinger(0))
	require.NoError(t, s.SetRcvtimeo(wait))
	require.NoError(t, s.SetSndtimeo(wait))
	for _, f := range setup {
		require.NoError(t, f(s))
	}
	l := &lz{s: s, typ: typ}
	l.id, _ = s.GetIdentity()
	return l
}

func (l *lz) String() string    { return "libzmq " + l.typ.String() }
func (l *lz) Type() socket.Type { return l.typ }
func (l *lz) ID() string        { return l.id }

func (l *lz) Bind(t testing.TB, tr string) string {
	t.Helper()
	ep := bindAddr(t, tr)
	require.NoError(t, l.s.Bind(ep), "%v bind %s", l, ep)
	got, err := l.s.GetLastEndpoint()
	require.NoError(t, err)
	return got
}

func (l *lz) Connect(t testing.TB, ep string) {
	t.Helper()
	require.NoError(t, l.s.Connect(ep), "%v connect %s", l, ep)
}

func (l *lz) Send(t testing.TB, frames ...string) {
	t.Helper()
	l.SendBytes(t, strFrames(frames)...)
}

func (l *lz) SendBytes(t testing.TB, frames ...[]byte) {
	t.Helper()
	require.NoError(t, l.send(frames), "%v send", l)
}

func (l *lz) send(frames [][]byte) error {
	for i, f := range frames {
		flag := zmq.SNDMORE
		if i == len(frames)-1 {
			flag = 0
		}
		if _, err := l.s.SendBytes(f, flag); err != nil {
			return err
		}
	}
	return nil
}

func (l *lz) SendRouted(t testing.TB, frames ...string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := l.send(strFrames(frames))
		if zmq.AsErrno(err) != zmq.Errno(syscall.EHOSTUNREACH) || time.Now().After(deadline) {
			require.NoError(t, err, "%v send to %q", l, frames[0])
			return
		}
		time.Sleep(2 * time.Millisecond) // poll the routing table
	}
}

func (l *lz) Recv(t testing.TB) [][]byte {
	t.Helper()
	m, err := l.s.RecvMessageBytes(0)
	require.NoError(t, err, "%v recv (RCVTIMEO %v)", l, wait)
	return m
}

// TryRecv polls the socket for up to d and receives a message if one is ready.
func (l *lz) TryRecv(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	p := zmq.NewPoller()
	p.Add(l.s, zmq.POLLIN)
	ready, err := p.Poll(d)
	require.NoError(t, err)
	if len(ready) == 0 {
		return nil, false
	}
	m, err := l.s.RecvMessageBytes(zmq.DONTWAIT)
	require.NoError(t, err, "%v recv", l)
	return m, true
}

func (l *lz) Subscribe(t testing.TB, topic string) {
	t.Helper()
	if l.typ == socket.XSub {
		l.Send(t, "\x01"+topic)
		return
	}
	require.NoError(t, l.s.SetSubscribe(topic))
}

func (l *lz) Unsubscribe(t testing.TB, topic string) {
	t.Helper()
	if l.typ == socket.XSub {
		l.Send(t, "\x00"+topic)
		return
	}
	require.NoError(t, l.s.SetUnsubscribe(topic))
}

// ---- libzmq monitor ----

var monitorSeq atomic.Int64

// lzMonitor reads a libzmq socket's monitor events (zmq_socket_monitor plus a PAIR).
type lzMonitor struct {
	pair *zmq.Socket
}

func monitorLZ(t testing.TB, l *lz) *lzMonitor {
	t.Helper()
	addr := fmt.Sprintf("inproc://monitor-%d", monitorSeq.Add(1))
	require.NoError(t, l.s.Monitor(addr, zmq.EVENT_ALL))
	pair, err := zmq.NewSocket(zmq.PAIR)
	require.NoError(t, err)
	// Stop the monitor before its reader goes away: libzmq sends events with a
	// blocking send from its I/O thread, and an event for a reader that is gone (the
	// socket's own CLOSED and MONITOR_STOPPED when it is closed later) stalls that
	// thread, and with it every libzmq socket in the process.
	t.Cleanup(func() {
		l.s.Monitor("", 0)
		pair.Close()
	})
	require.NoError(t, pair.SetLinger(0))
	require.NoError(t, pair.Connect(addr))
	return &lzMonitor{pair: pair}
}

type lzEvent struct {
	Type  zmq.Event
	Addr  string
	Value int
}

func (e lzEvent) String() string { return fmt.Sprintf("%v(%#x) %s", e.Type, e.Value, e.Addr) }

// next returns the next event within d.
func (m *lzMonitor) next(t testing.TB, d time.Duration) (lzEvent, bool) {
	t.Helper()
	p := zmq.NewPoller()
	p.Add(m.pair, zmq.POLLIN)
	ready, err := p.Poll(d)
	require.NoError(t, err)
	if len(ready) == 0 {
		return lzEvent{}, false
	}
	ev, addr, val, err := m.pair.RecvEvent(zmq.DONTWAIT)
	require.NoError(t, err)
	return lzEvent{ev, addr, val}, true
}

// waitFor waits for an event whose type is in want and returns it.
func (m *lzMonitor) waitFor(t testing.TB, want zmq.Event) lzEvent {
	t.Helper()
	deadline := time.Now().Add(wait)
	var seen []string
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("libzmq monitor: no %v within %v; saw %q", want, wait, seen)
		}
		e, ok := m.next(t, left)
		if ok && e.Type&want != 0 {
			return e
		}
		if ok {
			seen = append(seen, e.String())
		}
	}
}

// ---- small helpers ----

func strFrames(frames []string) [][]byte {
	b := make([][]byte, len(frames))
	for i, f := range frames {
		b[i] = []byte(f)
	}
	return b
}

func str(frames [][]byte) []string {
	s := make([]string, len(frames))
	for i, f := range frames {
		s[i] = string(f)
	}
	return s
}

// payload returns n bytes of a pattern that makes misordered or truncated data show.
func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

func hasPrefix(frames [][]byte, prefix string) bool {
	return len(frames) > 0 && strings.HasPrefix(string(frames[0]), prefix)
}
