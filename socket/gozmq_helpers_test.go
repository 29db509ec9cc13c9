package socket_test

// Helpers for the interop tests against go-zeromq/zmq4 v0.17.0 (a pure-Go ZMTP 3.0
// peer). The rules for using it as a peer are in /work/shared/reference/peers.md,
// part (d): one peer per go-zeromq PUSH or DEALER (they broadcast), no empty frames in
// REQ bodies sent to its REP, no heartbeats toward it, and its Dial must retry forever
// or find the listener already up.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// gzTransports are the transports shared with go-zeromq: TCP on the loopback with an
// ephemeral port, a unix socket file, and a Linux abstract unix socket.
var gzTransports = []string{"tcp", "ipc", "ipc-abstract"}

// gzWait bounds every wait for a message or a condition.
const gzWait = 10 * time.Second

var gzCounter atomic.Uint64

// gzBindAddr returns an address to bind on transport tr. ours picks the wildcard
// spelling our library accepts ("tcp://127.0.0.1:*"), otherwise go-zeromq's (":0").
func gzBindAddr(t testing.TB, tr string, ours bool) string {
	t.Helper()
	switch tr {
	case "tcp":
		if ours {
			return "tcp://127.0.0.1:*"
		}
		return "tcp://127.0.0.1:0"
	case "ipc":
		dir := t.TempDir()
		if len(dir) > 80 { // sun_path holds 108 bytes
			var err error
			dir, err = os.MkdirTemp("", "gzmq")
			require.NoError(t, err)
			t.Cleanup(func() { os.RemoveAll(dir) })
		}
		return "ipc://" + filepath.Join(dir, fmt.Sprintf("s%d.sock", gzCounter.Add(1)))
	case "ipc-abstract":
		return fmt.Sprintf("ipc://@gzmq-%d-%d-%d", os.Getpid(), time.Now().UnixNano(), gzCounter.Add(1))
	}
	t.Fatalf("unknown transport %q", tr)
	return ""
}

// gzOurs creates one of our sockets, closed when the test ends. A zero Linger becomes
// "discard at once": every test confirms delivery by receiving, so nothing queued at
// the end matters, and Close must not wait for a peer that is already gone.
func gzOurs(t testing.TB, typ socket.Type, opts socket.Options) *socket.Socket {
	t.Helper()
	if opts.Linger == 0 {
		opts.Linger = -1
	}
	s, err := socket.New(typ, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// gzOursBind binds s on transport tr and returns the resolved endpoint.
func gzOursBind(t testing.TB, s *socket.Socket, tr string) string {
	t.Helper()
	require.NoError(t, s.Bind(gzBindAddr(t, tr, true)))
	ep := s.LastEndpoint()
	require.NotEmpty(t, ep)
	return ep
}

// gzOursConnect connects s to ep (asynchronous: it returns before the handshake).
func gzOursConnect(t testing.TB, s *socket.Socket, ep string) {
	t.Helper()
	require.NoError(t, s.Connect(ep))
}

// gzQuiet silences go-zeromq's default logger, which writes to stderr.
func gzQuiet() zmq.Option { return zmq.WithLogger(log.New(io.Discard, "", 0)) }

// gzTheirs creates a go-zeromq socket with a lifetime context of its own, a quiet
// logger, a Dial that retries every 20 ms forever, and a 5 s send timeout. It is closed
// when the test ends.
func gzTheirs(t testing.TB, ctor func(context.Context, ...zmq.Option) zmq.Socket, opts ...zmq.Option) zmq.Socket {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	all := append([]zmq.Option{
		gzQuiet(),
		zmq.WithDialerRetry(20 * time.Millisecond),
		zmq.WithDialerMaxRetries(-1),
		zmq.WithTimeout(5 * time.Second),
	}, opts...)
	z := ctor(ctx, all...)
	t.Cleanup(func() {
		z.Close()
		cancel()
	})
	return z
}

// gzTheirsBind makes z listen on transport tr and returns the endpoint to dial.
func gzTheirsBind(t testing.TB, z zmq.Socket, tr string) string {
	t.Helper()
	addr := gzBindAddr(t, tr, false)
	require.NoError(t, z.Listen(addr))
	if tr == "tcp" {
		return "tcp://" + z.Addr().String()
	}
	return addr
}

// gzTheirsDial dials ep from z. go-zeromq's Dial is synchronous: when it returns the
// connection is handshaken and registered on go-zeromq's side.
func gzTheirsDial(t testing.TB, z zmq.Socket, ep string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- z.Dial(ep) }()
	select {
	case err := <-done:
		require.NoError(t, err, "go-zeromq Dial %s", ep)
	case <-time.After(gzWait):
		t.Fatalf("go-zeromq Dial %s did not finish within %v", ep, gzWait)
	}
}

// gzLink connects ours and theirs over tr, ours binding when oursBinds is set.
func gzLink(t testing.TB, tr string, oursBinds bool, ours *socket.Socket, theirs zmq.Socket) {
	t.Helper()
	if oursBinds {
		gzTheirsDial(t, theirs, gzOursBind(t, ours, tr))
	} else {
		gzOursConnect(t, ours, gzTheirsBind(t, theirs, tr))
	}
}

// gzDirs are the two bind/connect directions; the bool says whether ours binds.
var gzDirs = []bool{true, false}

// gzRoles renders "ours X binds tr → go-zeromq Y connects" for a subtest name. arrow
// shows the direction of the data ("→", "←" or "↔").
func gzRoles(ours, theirs, tr string, oursBinds bool, arrow string) string {
	if oursBinds {
		return fmt.Sprintf("ours %s binds %s %s go-zeromq %s connects", ours, tr, arrow, theirs)
	}
	return fmt.Sprintf("ours %s connects %s %s go-zeromq %s binds", ours, tr, arrow, theirs)
}

// gzCtx is a context bounding one call on our socket.
func gzCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func gzStrings(frames [][]byte) []string {
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = string(f)
	}
	return out
}

func gzBytes(frames []string) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = []byte(f)
	}
	return out
}

// gzOursSend sends one multipart message from our socket, bounded by gzWait.
func gzOursSend(t testing.TB, s *socket.Socket, frames ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gzWait)
	defer cancel()
	require.NoError(t, s.Send(ctx, socket.NewMsg(gzBytes(frames)...)))
}

// gzOursRecv receives one message on our socket, bounded by gzWait.
func gzOursRecv(t testing.TB, s *socket.Socket) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), gzWait)
	defer cancel()
	m, err := s.Recv(ctx)
	require.NoError(t, err, "our %s Recv", s.Type())
	return gzStrings(m.Frames)
}

// gzOursTryRecv waits up to d for a message on our socket.
func gzOursTryRecv(t testing.TB, s *socket.Socket, d time.Duration) ([]string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := s.Recv(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	require.NoError(t, err, "our %s Recv", s.Type())
	return gzStrings(m.Frames), true
}

// gzTheirsSend sends one multipart message from a go-zeromq socket.
func gzTheirsSend(t testing.TB, z zmq.Socket, frames ...string) {
	t.Helper()
	require.NoError(t, z.Send(zmq.NewMsgFrom(gzBytes(frames)...)), "go-zeromq %s Send", z.Type())
}

var errGzRecvTimeout = errors.New("go-zeromq recv timeout")

// gzRecvTimeout is go-zeromq's Recv with a deadline. The goroutine ends when the
// socket is closed. A timed-out call leaves a Recv behind that swallows the next
// message, so use it only where a timeout fails the test (REQ and REP); elsewhere use a
// gzPump.
func gzRecvTimeout(z zmq.Socket, d time.Duration) (zmq.Msg, error) {
	type res struct {
		m   zmq.Msg
		err error
	}
	ch := make(chan res, 1)
	go func() { m, err := z.Recv(); ch <- res{m, err} }()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(d):
		return zmq.Msg{}, errGzRecvTimeout
	}
}

// gzTheirsRecv receives one message on a go-zeromq REQ or REP socket.
func gzTheirsRecv(t testing.TB, z zmq.Socket) []string {
	t.Helper()
	m, err := gzRecvTimeout(z, gzWait)
	require.NoError(t, err, "go-zeromq %s Recv", z.Type())
	return gzStrings(m.Frames)
}

// gzPump reads a go-zeromq socket in one goroutine for the whole test, so waits with a
// deadline never lose a message.
type gzPump struct {
	t    testing.TB
	z    zmq.Socket
	ch   chan zmq.Msg
	errc chan error
}

func gzNewPump(t testing.TB, z zmq.Socket) *gzPump {
	p := &gzPump{t: t, z: z, ch: make(chan zmq.Msg), errc: make(chan error, 1)}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) }) // runs before the socket's Close (LIFO)
	go func() {
		for {
			m, err := z.Recv()
			if err != nil {
				p.errc <- err
				return
			}
			select {
			case p.ch <- m:
			case <-stop:
				return
			}
		}
	}()
	return p
}

// tryRecv waits up to d for a message.
func (p *gzPump) tryRecv(t testing.TB, d time.Duration) ([]string, bool) {
	t.Helper()
	select {
	case m := <-p.ch:
		return gzStrings(m.Frames), true
	case err := <-p.errc:
		p.errc <- err
		require.NoError(t, err, "go-zeromq %s Recv", p.z.Type())
	case <-time.After(d):
	}
	return nil, false
}

// poll is tryRecv for the test that made the pump.
func (p *gzPump) poll(d time.Duration) ([]string, bool) { return p.tryRecv(p.t, d) }

func (p *gzPump) recv(t testing.TB) []string {
	t.Helper()
	m, ok := p.tryRecv(t, gzWait)
	require.True(t, ok, "go-zeromq %s received nothing within %v", p.z.Type(), gzWait)
	return m
}

// gzEventually polls cond (a state of our socket) until it holds, for at most gzWait.
func gzEventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, gzWait, 2*time.Millisecond, what)
}

// gzPeers waits until our socket has n attached peers.
func gzPeers(t testing.TB, s *socket.Socket, n int) {
	t.Helper()
	gzEventually(t, func() bool { return s.Stats().Peers == n },
		fmt.Sprintf("our %s should have %d peers", s.Type(), n))
}

// gzBig returns an n-byte payload with a recognisable pattern.
func gzBig(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return string(b)
}

const gzMiB = 1 << 20

// gzMultipart returns message i of a test sequence: multipart, with empty frames first,
// in the middle and last.
func gzMultipart(i int) []string {
	return []string{"", fmt.Sprintf("msg-%03d", i), "", "payload", ""}
}

// gzRequest returns request i for a go-zeromq REP: multipart, but without empty frames,
// which its REP mangles (peers.md P4).
func gzRequest(i int) []string {
	return []string{"req", fmt.Sprintf("%03d", i), "body"}
}

// gzPublishUntil publishes probe (through send) every few milliseconds until recv sees
// a message that starts with the probe's first frame, then returns. That is how a test
// waits for a subscription to reach a publisher (the slow-joiner problem) without a
// sleep standing in for the condition. Any other message received meanwhile fails the
// test through bad.
func gzPublishUntil(t testing.TB, what string, send func(), recv func(d time.Duration) ([]string, bool), probe string, bad func(m []string)) {
	t.Helper()
	deadline := time.Now().Add(gzWait)
	for time.Now().Before(deadline) {
		send()
		for {
			m, ok := recv(10 * time.Millisecond)
			if !ok {
				break
			}
			if len(m) > 0 && strings.HasPrefix(m[0], probe) {
				return
			}
			bad(m)
		}
	}
	t.Fatalf("%s: no %q message arrived within %v", what, probe, gzWait)
}
