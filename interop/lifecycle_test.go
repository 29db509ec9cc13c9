//go:build cgo

package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/portlock"
	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// TestLibzmqPeerRestarts: a libzmq peer closes its socket and a new one takes the same
// endpoint. When we connected, we notice, reconnect, and messages flow to the new
// peer; when libzmq connected, the new libzmq socket's connection is accepted and
// its messages arrive.
func TestLibzmqPeerRestarts(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our PUSH connects to a libzmq PULL that restarts on %s", tr), func(t *testing.T) {
			t.Parallel()
			push := newOurs(t, socket.Push, socket.Options{})
			pull := newLZ(t, socket.Pull)
			ep := pull.Bind(t, tr)
			push.Connect(t, ep)
			push.Send(t, "before")
			want(t, pull, pull.Recv(t), "before")
			require.NoError(t, pull.s.Close())
			push.waitEvent(t, socket.EventDisconnected)

			pull2 := newLZ(t, socket.Pull)
			require.NoError(t, pull2.s.Bind(ep), "rebinding %s", ep)
			push.Send(t, "after")
			want(t, pull2, pull2.Recv(t), "after")
		})
		t.Run(fmt.Sprintf("a restarting libzmq PUSH connects to our PULL on %s", tr), func(t *testing.T) {
			t.Parallel()
			pull := newOurs(t, socket.Pull, socket.Options{})
			ep := pull.Bind(t, tr)
			push := newLZ(t, socket.Push)
			push.Connect(t, ep)
			push.Send(t, "before")
			want(t, pull, pull.Recv(t), "before")
			require.NoError(t, push.s.Close())
			pull.waitEvent(t, socket.EventDisconnected)

			push2 := newLZ(t, socket.Push)
			push2.Connect(t, ep)
			push2.Send(t, "after")
			want(t, pull, pull.Recv(t), "after")
		})
		t.Run(fmt.Sprintf("our DEALER connects to a libzmq ROUTER that restarts on %s", tr), func(t *testing.T) {
			t.Parallel()
			dealer := newOurs(t, socket.Dealer, socket.Options{RoutingID: []byte("d")})
			router := newLZ(t, socket.Router)
			ep := router.Bind(t, tr)
			dealer.Connect(t, ep)
			dealer.Send(t, "before")
			want(t, router, router.Recv(t), "d", "before")
			require.NoError(t, router.s.Close())
			dealer.waitEvent(t, socket.EventDisconnected)

			router2 := newLZ(t, socket.Router)
			require.NoError(t, router2.s.Bind(ep), "rebinding %s", ep)
			dealer.Send(t, "after")
			want(t, router2, router2.Recv(t), "d", "after")
			router2.Send(t, "d", "reply")
			want(t, dealer, dealer.Recv(t), "reply")
		})
	}
}

// freeTCPEndpoint returns a loopback endpoint nobody listens on (yet), reserved for
// the test until it ends (see package portlock).
func freeTCPEndpoint(t testing.TB) string {
	t.Helper()
	p, err := portlock.Reserve()
	require.NoError(t, err)
	t.Cleanup(p.Release)
	return "tcp://127.0.0.1:" + p.String()
}

func freeEndpoint(t testing.TB, tr string) string {
	t.Helper()
	if tr == "tcp" {
		return freeTCPEndpoint(t)
	}
	return bindAddr(t, tr)
}

// TestConnectBeforeBind: the connecting side starts first and queues; the messages
// arrive once the other side binds.
func TestConnectBeforeBind(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our PUSH connects before libzmq PULL binds on %s", tr), func(t *testing.T) {
			t.Parallel()
			ep := freeEndpoint(t, tr)
			push := newOurs(t, socket.Push, socket.Options{})
			push.Connect(t, ep)
			push.waitEvent(t, socket.EventConnectRetried) // really nobody there yet
			push.Send(t, "queued 1")
			push.Send(t, "queued 2")
			pull := newLZ(t, socket.Pull)
			require.NoError(t, pull.s.Bind(ep))
			want(t, pull, pull.Recv(t), "queued 1")
			want(t, pull, pull.Recv(t), "queued 2")
		})
		t.Run(fmt.Sprintf("libzmq PUSH connects before our PULL binds on %s", tr), func(t *testing.T) {
			t.Parallel()
			ep := freeEndpoint(t, tr)
			push := newLZ(t, socket.Push)
			mon := monitorLZ(t, push)
			push.Connect(t, ep)
			mon.waitFor(t, zmq.EVENT_CONNECT_RETRIED)
			push.Send(t, "queued 1")
			push.Send(t, "queued 2")
			pull := newOurs(t, socket.Pull, socket.Options{})
			require.NoError(t, pull.s.Bind(ep))
			want(t, pull, pull.Recv(t), "queued 1")
			want(t, pull, pull.Recv(t), "queued 2")
		})
		t.Run(fmt.Sprintf("our SUB connects before libzmq PUB binds on %s", tr), func(t *testing.T) {
			t.Parallel()
			ep := freeEndpoint(t, tr)
			sub := newOurs(t, socket.Sub, socket.Options{})
			sub.Subscribe(t, "")
			sub.Connect(t, ep)
			sub.waitEvent(t, socket.EventConnectRetried)
			pub := newLZ(t, socket.Pub)
			require.NoError(t, pub.s.Bind(ep))
			publishUntil(t, pub, sub, "news", "news")
		})
	}
}

// TestLingerDeliversOnClose: our PUSH sends N messages and closes at once; Close
// lingers until they are written, and the libzmq PULL receives all N in order.
func TestLingerDeliversOnClose(t *testing.T) {
	const n = 1000
	for _, tr := range transports {
		for _, oursBind := range []bool{true, false} {
			t.Run(sideName("our lingering PUSH", "libzmq PULL", oursBind, tr), func(t *testing.T) {
				t.Parallel()
				push := newOurs(t, socket.Push, socket.Options{Linger: wait})
				pull := newLZ(t, socket.Pull)
				bindConnect(t, push, pull, oursBind, tr)
				// Linger on a connection still being made: TestLingerPendingConnection.
				push.waitEvent(t, socket.EventHandshakeSucceeded)
				for i := range n {
					push.SendBytes(t, []byte(fmt.Sprint(i)), payload(1024, byte(i)))
				}
				require.NoError(t, push.s.Close())
				for i := range n {
					m := pull.Recv(t)
					require.Equal(t, fmt.Sprint(i), string(m[0]), "message %d of %d", i, n)
				}
			})
		}
	}
}

// TestLibzmqPullGetsAllFromClosingPushIPC: our PUSH sends small messages over ipc to a
// libzmq PULL and closes at once. Once its pipe is full (RCVHWM) the PULL stops
// reading the connection; if an ipc connection hangs up then, libzmq 4.3 drops what it
// had not read yet (a unix socket reports the hang-up at once, a tcp one only after the
// data). Here the PULL's application starts receiving only once every message is sent,
// when its pipe (RCVHWM 10) is full and the rest waits in the kernel: Close lingers
// until the PULL has read everything, so every message arrives.
func TestLibzmqPullGetsAllFromClosingPushIPC(t *testing.T) {
	const n = 100 // 100 KiB: the kernel takes what the PULL's pipe does not
	for _, oursBind := range []bool{true, false} {
		t.Run(sideName("our closing PUSH", "libzmq PULL", oursBind, "ipc"), func(t *testing.T) {
			push := newOurs(t, socket.Push, socket.Options{Linger: wait})
			pull := newLZ(t, socket.Pull, func(s *zmq.Socket) error { return s.SetRcvhwm(10) })
			bindConnect(t, push, pull, oursBind, "ipc")
			push.waitEvent(t, socket.EventHandshakeSucceeded)
			start := make(chan struct{})
			got := make(chan error, 1)
			go func() { // the libzmq socket is used by this goroutine alone from here
				<-start
				for i := range n {
					b, err := pull.s.RecvBytes(0)
					if err != nil {
						got <- fmt.Errorf("message %d of %d: %w", i, n, err)
						return
					}
					if !bytes.Equal(b, payload(1024, byte(i))) {
						got <- fmt.Errorf("message %d of %d is not the one sent", i, n)
						return
					}
				}
				got <- nil
			}()
			for i := range n {
				push.SendBytes(t, payload(1024, byte(i)))
			}
			close(start)
			require.NoError(t, push.s.Close())
			require.NoError(t, <-got)
		})
	}
}

// TestSendHWMBlocks: our PUSH with a small SendHWM toward a libzmq PULL with a small
// RCVHWM that does not read. Send eventually blocks and returns
// context.DeadlineExceeded (how many messages fit first depends on kernel buffers),
// and every message Send accepted arrives, in order and once, when the PULL reads.
func TestSendHWMBlocks(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our PUSH with SendHWM 10 to a stalled libzmq PULL on %s", tr), func(t *testing.T) {
			t.Parallel()
			push := newOurs(t, socket.Push, socket.Options{SendHWM: 10})
			pull := newLZ(t, socket.Pull, func(s *zmq.Socket) error { return s.SetRcvhwm(10) })
			push.Connect(t, pull.Bind(t, tr))
			push.waitEvent(t, socket.EventHandshakeSucceeded)

			const limit = 100000 // far beyond any kernel buffer at 16 KiB a message
			accepted := 0
			for {
				require.Less(t, accepted, limit, "Send never blocked")
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				err := push.s.Send(ctx, socket.NewMsg([]byte(fmt.Sprint(accepted)), payload(16<<10, byte(accepted))))
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				require.NoError(t, err)
				accepted++
			}
			t.Logf("Send blocked after %d messages", accepted)
			require.Greater(t, accepted, 10)
			for i := range accepted {
				m := pull.Recv(t)
				require.Equal(t, fmt.Sprint(i), string(m[0]))
			}
			m, ok := pull.TryRecv(t, quiet)
			require.False(t, ok, "the message whose Send timed out was delivered: %q", m)
		})
	}
}

// TestLibzmqLingerPendingConnection pins libzmq's side of linger: a libzmq PUSH that
// connects before anyone binds, queues messages and is closed with a linger still
// delivers them when our PULL binds during the linger (zmq_close returns at once; the
// reaper keeps the session). TestLingerPendingConnection has the same case with our PUSH.
func TestLibzmqLingerPendingConnection(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("libzmq lingering PUSH closes before our PULL binds on %s", tr), func(t *testing.T) {
			t.Parallel()
			ep := freeEndpoint(t, tr)
			push := newLZ(t, socket.Push, func(s *zmq.Socket) error { return s.SetLinger(wait) })
			push.Connect(t, ep)
			const n = 10
			for i := range n {
				push.Send(t, fmt.Sprint(i))
			}
			require.NoError(t, push.s.Close())
			pull := newOurs(t, socket.Pull, socket.Options{})
			require.NoError(t, pull.s.Bind(ep))
			for i := range n {
				want(t, pull, pull.Recv(t), fmt.Sprint(i))
			}
		})
	}
}

// TestLingerPendingConnection: our PUSH connects to an endpoint nobody listens on
// yet, queues N messages and is closed with a linger of several seconds; a libzmq PULL
// binds the endpoint while Close lingers. As libzmq does (TestLibzmqLingerPendingConnection),
// the queued messages go out when the connection comes up during the linger, and Close
// returns once they are written, well before the linger ends.
func TestLingerPendingConnection(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our lingering PUSH closes before libzmq PULL binds on %s", tr), func(t *testing.T) {
			t.Parallel()
			ep := freeEndpoint(t, tr)
			push := newOurs(t, socket.Push, socket.Options{Linger: 3 * time.Second})
			push.Connect(t, ep)
			push.waitEvent(t, socket.EventConnectRetried)
			const n = 10
			for i := range n {
				push.Send(t, fmt.Sprint(i))
			}
			closed := make(chan error, 1)
			start := time.Now()
			go func() { closed <- push.s.Close() }()

			pull := newLZ(t, socket.Pull)
			require.NoError(t, pull.s.Bind(ep))
			for i := range n {
				m, ok := pull.TryRecv(t, wait)
				require.True(t, ok, "libzmq PULL got %d of %d messages queued before Close", i, n)
				require.Equal(t, fmt.Sprint(i), string(m[0]))
			}
			require.NoError(t, <-closed)
			require.Less(t, time.Since(start), 3*time.Second, "Close waited out the whole linger")
		})
	}
}
