//go:build cgo

package interop

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// requireProp checks one property of a message our socket received.
func requireProp(t *testing.T, m socket.Msg, name, want string) {
	t.Helper()
	v, ok := m.Properties().Get(name)
	require.True(t, ok, "property %s missing", name)
	require.Equal(t, want, v, "property %s", name)
}

// Application metadata crosses both ways: libzmq's ZMQ_METADATA properties show up in
// our Msg.Properties, and ours in libzmq's zmq_msg_gets.
func TestMetadataInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run("libzmq DEALER to our ROUTER on "+tr, func(t *testing.T) {
			router := newOurs(t, socket.Router, socket.Options{Metadata: map[string]string{"X-Role": "server"}})
			dealer := newLZ(t, socket.Dealer,
				func(s *zmq.Socket) error { return s.SetIdentity("lz-dealer") },
				func(s *zmq.Socket) error { return setMetadata(s, "X-Color:red") })
			dealer.Connect(t, router.Bind(t, tr))
			dealer.Send(t, "hello")
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			m, err := router.s.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"lz-dealer", "hello"}, str(m.Frames))
			requireProp(t, m, "Socket-Type", "DEALER")
			requireProp(t, m, "Identity", "lz-dealer")
			requireProp(t, m, "X-Color", "red")
			if tr == "tcp" {
				requireProp(t, m, "Peer-Address", "127.0.0.1")
			}

			router.Send(t, "lz-dealer", "world")
			got, md, err := dealer.s.RecvMessageWithMetadata(0, "Socket-Type", "X-Role")
			require.NoError(t, err)
			require.Equal(t, []string{"world"}, got)
			require.Equal(t, map[string]string{"Socket-Type": "ROUTER", "X-Role": "server"}, md)
		})
		t.Run("our DEALER to libzmq ROUTER on "+tr, func(t *testing.T) {
			router := newLZ(t, socket.Router)
			dealer := newOurs(t, socket.Dealer, socket.Options{
				RoutingID: []byte("our-dealer"),
				Metadata:  map[string]string{"X-Color": "blue", "X-Size": "42"},
			})
			dealer.Connect(t, router.Bind(t, tr))
			dealer.Send(t, "hello")
			got, md, err := router.s.RecvMessageWithMetadata(0, "Socket-Type", "Identity", "X-Color", "X-Size")
			require.NoError(t, err)
			require.Equal(t, []string{"our-dealer", "hello"}, got)
			require.Equal(t, map[string]string{
				"Socket-Type": "DEALER", "Identity": "our-dealer", "X-Color": "blue", "X-Size": "42",
			}, md)
		})
	}
}

// Our conflating PULL keeps only the newest of what a libzmq PUSH sent, and our
// conflating PUSH hands a libzmq PULL that comes up late only its newest message.
func TestConflateInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run("libzmq PUSH to our conflating PULL on "+tr, func(t *testing.T) {
			pull := newOurs(t, socket.Pull, socket.Options{Conflate: true})
			push := newLZ(t, socket.Push)
			push.Connect(t, pull.Bind(t, tr))
			for i := 0; i < 100; i++ {
				push.Send(t, fmt.Sprint(i))
			}
			deadline := time.Now().Add(wait)
			for pull.s.Stats().Drops.Conflated < 99 {
				require.False(t, time.Now().After(deadline), "only %d messages conflated", pull.s.Stats().Drops.Conflated)
				time.Sleep(time.Millisecond) // messages arrive on the socket's own goroutines
			}
			want(t, pull, pull.Recv(t), "99")
			_, ok := pull.TryRecv(t, quiet)
			require.False(t, ok, "only the newest message is kept")
		})
		t.Run("our conflating PUSH to libzmq PULL on "+tr, func(t *testing.T) {
			// An endpoint nobody listens on yet, so that our PUSH connects to nothing.
			ep := unusedEndpoint(t, tr)
			push := newOurs(t, socket.Push, socket.Options{Conflate: true, ReconnectInterval: 10 * time.Millisecond})
			push.Connect(t, ep)
			for i := 0; i < 10; i++ {
				push.Send(t, fmt.Sprint(i))
			}
			pull := newLZ(t, socket.Pull)
			require.NoError(t, pull.s.Bind(ep))
			want(t, pull, pull.Recv(t), "9")
			push.Send(t, "after")
			want(t, pull, pull.Recv(t), "after")
		})
	}
}

// Our DEALER with ProbeRouter introduces itself to a libzmq ROUTER, and a libzmq DEALER
// with ZMQ_PROBE_ROUTER to ours.
func TestProbeRouterInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run("ours probes libzmq on "+tr, func(t *testing.T) {
			router := newLZ(t, socket.Router)
			dealer := newOurs(t, socket.Dealer, socket.Options{ProbeRouter: true, RoutingID: []byte("p1")})
			dealer.Connect(t, router.Bind(t, tr))
			want(t, router, router.Recv(t), "p1", "")
		})
		t.Run("libzmq probes ours on "+tr, func(t *testing.T) {
			router := newOurs(t, socket.Router, socket.Options{})
			dealer := newLZ(t, socket.Dealer,
				func(s *zmq.Socket) error { return s.SetIdentity("p2") },
				func(s *zmq.Socket) error { return s.SetProbeRouter(1) })
			dealer.Connect(t, router.Bind(t, tr))
			want(t, router, router.Recv(t), "p2", "")
		})
	}
}

// Our ROUTER with RouterHandover gives a taken routing id to the libzmq DEALER that
// connects with it last.
func TestRouterHandoverInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			router := newOurs(t, socket.Router, socket.Options{RouterHandover: true})
			ep := router.Bind(t, tr)
			old := newLZ(t, socket.Dealer,
				func(s *zmq.Socket) error { return s.SetIdentity("same") },
				func(s *zmq.Socket) error { return s.SetReconnectIvl(-1) })
			old.Connect(t, ep)
			old.Send(t, "from old")
			want(t, router, router.Recv(t), "same", "from old")

			newer := newLZ(t, socket.Dealer, func(s *zmq.Socket) error { return s.SetIdentity("same") })
			newer.Connect(t, ep)
			deadline := time.Now().Add(wait)
			for {
				router.Send(t, "same", "hello")
				if m, ok := newer.TryRecv(t, 20*time.Millisecond); ok {
					want(t, newer, m, "hello")
					break
				}
				require.False(t, time.Now().After(deadline), "the new DEALER never got the id")
			}
			newer.Send(t, "from new")
			want(t, router, router.Recv(t), "same", "from new")
		})
	}
}

// Our XPUB with XPubManual hands a libzmq XSUB's subscription to the application and
// sends what the application subscribed it to.
func TestXPubManualInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			xpub := newOurs(t, socket.XPub, socket.Options{XPubManual: true})
			xsub := newLZ(t, socket.XSub)
			xsub.Connect(t, xpub.Bind(t, tr))
			xsub.Send(t, "\x01a")
			want(t, xpub, xpub.Recv(t), "\x01a")
			require.NoError(t, xpub.s.Subscribe([]byte("b")))
			xpub.Send(t, "a1")
			xpub.Send(t, "b1")
			want(t, xsub, xsub.Recv(t), "b1")
		})
	}
}

// Welcome messages cross both ways: ours to a libzmq SUB, libzmq's to our SUB.
func TestXPubWelcomeMsgInterop(t *testing.T) {
	for _, tr := range transports {
		t.Run("ours to libzmq SUB on "+tr, func(t *testing.T) {
			xpub := newOurs(t, socket.XPub, socket.Options{XPubWelcomeMsg: []byte("WELCOME")})
			sub := newLZ(t, socket.Sub, func(s *zmq.Socket) error { return s.SetSubscribe("WEL") })
			sub.Connect(t, xpub.Bind(t, tr))
			want(t, sub, sub.Recv(t), "WELCOME")
		})
		t.Run("libzmq's to our SUB on "+tr, func(t *testing.T) {
			xpub := newLZ(t, socket.XPub, func(s *zmq.Socket) error { return s.SetXpubWelcomeMsg("HELLO") })
			sub := newOurs(t, socket.Sub, socket.Options{})
			sub.Subscribe(t, "HEL")
			sub.Connect(t, xpub.Bind(t, tr))
			// libzmq attaches the new subscriber, and writes its welcome, only when
			// the application calls into the XPUB: receiving the subscription does.
			want(t, xpub, xpub.Recv(t), "\x01HEL")
			want(t, sub, sub.Recv(t), "HELLO")
		})
	}
}

// InvertMatching agrees with libzmq's ZMQ_INVERT_MATCHING on either end.
func TestInvertMatchingInterop(t *testing.T) {
	for _, tr := range transports {
		for _, oursPub := range []bool{true, false} {
			name := "our PUB to libzmq SUB on " + tr
			if !oursPub {
				name = "libzmq PUB to our SUB on " + tr
			}
			t.Run(name, func(t *testing.T) {
				var pub, sub peer
				if oursPub {
					pub = newOurs(t, socket.Pub, socket.Options{InvertMatching: true})
					sub = newLZ(t, socket.Sub, func(s *zmq.Socket) error { return s.SetInvertMatching(1) })
				} else {
					pub = newLZ(t, socket.Pub, func(s *zmq.Socket) error { return s.SetInvertMatching(1) })
					sub = newOurs(t, socket.Sub, socket.Options{InvertMatching: true})
				}
				sub.Subscribe(t, "a")
				sub.Connect(t, pub.Bind(t, tr))
				// Publish until the SUB is connected. Without inversion on the
				// publisher "b0" would never reach it: it matches no subscription.
				deadline := time.Now().Add(wait)
				for {
					pub.Send(t, "b0")
					if m, ok := sub.TryRecv(t, 20*time.Millisecond); ok {
						want(t, sub, m, "b0")
						break
					}
					require.False(t, time.Now().After(deadline), "the subscription never took effect")
				}
				for {
					if _, ok := sub.TryRecv(t, quiet); !ok {
						break
					}
				}
				// "a1" matches: the publisher does not send it once the
				// subscription is in, and the subscriber drops it in any case.
				pub.Send(t, "a1")
				pub.Send(t, "b1")
				want(t, sub, sub.Recv(t), "b1")
			})
		}
	}
}

// unusedEndpoint returns an endpoint of transport tr that nothing listens on. A tcp port
// comes from below the kernel's ephemeral range: a port freed from that range can be
// taken for a moment as the local port of a dial that keeps retrying it, and the later
// Bind then fails with "address already in use".
func unusedEndpoint(t *testing.T, tr string) string {
	t.Helper()
	if tr != "tcp" {
		first := newLZ(t, socket.Pull)
		ep := first.Bind(t, tr)
		require.NoError(t, first.s.Unbind(ep))
		return ep
	}
	for port := 20000 + rand.IntN(10000); ; port++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			require.Less(t, port, 32000, "no free port below the ephemeral range")
			continue
		}
		require.NoError(t, ln.Close())
		return fmt.Sprintf("tcp://127.0.0.1:%d", port)
	}
}
