package device

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// publishUntil publishes msg on pub again and again until sub receives it, because a
// subscription takes an unknown time to travel upstream (the slow joiner). Other
// messages sub receives meanwhile are skipped.
func publishUntil(t testing.TB, pub, sub *socket.Socket, msg string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		require.NoError(t, pub.Send(ctxT(t), socket.NewMsgString(msg)))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				break
			}
			if string(m.Frames[0]) == msg {
				cancel()
				return
			}
		}
		cancel()
	}
	t.Fatalf("%q never arrived", msg)
}

// collectUntil receives from sub until it has seen every end marker, and returns what
// it received in between, skipping warm-up messages.
func collectUntil(t testing.TB, sub *socket.Socket, ends ...string) []string {
	t.Helper()
	want := map[string]bool{}
	for _, e := range ends {
		want[e] = true
	}
	var got []string
	for len(want) > 0 {
		m := recvStrings(t, sub)
		switch s := m[0]; {
		case want[s]:
			delete(want, s)
		case strings.HasSuffix(s, ".warm"), strings.HasSuffix(s, ".end"):
		default:
			got = append(got, s)
		}
	}
	return got
}

func topicMsgs(topic string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s.%d", topic, i)
	}
	return out
}

// TestForwarder relays a publisher through XSUB/XPUB to subscribers with different
// subscriptions, a late subscriber, and across a publisher restart.
func TestForwarder(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		pub := newSocket(t, socket.Pub, socket.Options{})
		pubEP := bind(t, pub, tr)
		frontend := newSocket(t, socket.XSub, socket.Options{ReconnectInterval: 10 * time.Millisecond})
		connect(t, frontend, pubEP)
		backend := newSocket(t, socket.XPub, socket.Options{})
		subEP := bind(t, backend, tr)
		d, err := NewForwarder(frontend, backend)
		require.NoError(t, err)
		runDevice(t, d)

		subs := map[string]*socket.Socket{}
		for _, topic := range []string{"A", "B", ""} {
			s := newSocket(t, socket.Sub, socket.Options{})
			connect(t, s, subEP)
			require.NoError(t, s.Subscribe([]byte(topic)))
			subs[topic] = s
		}
		publishUntil(t, pub, subs["A"], "A.warm")
		publishUntil(t, pub, subs["B"], "B.warm")
		publishUntil(t, pub, subs[""], "C.warm")

		phase := func(pub *socket.Socket) {
			for i := range 10 {
				for _, topic := range []string{"A", "B", "C"} {
					send(t, pub, fmt.Sprintf("%s.%d", topic, i))
				}
			}
			for _, topic := range []string{"A", "B", "C"} {
				send(t, pub, topic+".end")
			}
			require.Equal(t, topicMsgs("A", 10), collectUntil(t, subs["A"], "A.end"))
			require.Equal(t, topicMsgs("B", 10), collectUntil(t, subs["B"], "B.end"))
			all := collectUntil(t, subs[""], "A.end", "B.end", "C.end")
			require.Len(t, all, 30)
		}
		phase(pub)

		// A late subscriber's subscription travels up as well.
		late := newSocket(t, socket.Sub, socket.Options{})
		connect(t, late, subEP)
		require.NoError(t, late.Subscribe([]byte("D")))
		publishUntil(t, pub, late, "D.warm")

		// The publisher restarts on the same endpoint: the XSUB reconnects and replays
		// every subscription it forwarded, so all subscribers hear the new publisher.
		require.NoError(t, pub.Close())
		pub2 := newSocket(t, socket.Pub, socket.Options{})
		require.NoError(t, pub2.Bind(pubEP))
		if tr == "inproc" {
			// Inproc connections do not redial (as in libzmq): a new publisher needs a new
			// Connect. The subscriptions are replayed to it all the same.
			require.NoError(t, frontend.Disconnect(pubEP))
			connect(t, frontend, pubEP)
		}
		publishUntil(t, pub2, late, "D.again")
		publishUntil(t, pub2, subs["A"], "A.warm")
		publishUntil(t, pub2, subs["B"], "B.warm")
		publishUntil(t, pub2, subs[""], "C.warm")
		phase(pub2)
	})
}

// TestForwarderLegacy runs a forwarder with a SUB frontend, which it subscribes to
// everything, and a PUB backend: subscribers filter locally.
func TestForwarderLegacy(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		pub := newSocket(t, socket.Pub, socket.Options{})
		pubEP := bind(t, pub, tr)
		frontend := newSocket(t, socket.Sub, socket.Options{})
		connect(t, frontend, pubEP)
		backend := newSocket(t, socket.Pub, socket.Options{})
		subEP := bind(t, backend, tr)
		d, err := NewForwarder(frontend, backend)
		require.NoError(t, err)
		runDevice(t, d)

		subA := newSocket(t, socket.Sub, socket.Options{})
		connect(t, subA, subEP)
		require.NoError(t, subA.Subscribe([]byte("A")))
		publishUntil(t, pub, subA, "A.warm")
		for i := range 5 {
			send(t, pub, fmt.Sprintf("B.%d", i))
			send(t, pub, fmt.Sprintf("A.%d", i))
		}
		send(t, pub, "A.end")
		require.Equal(t, topicMsgs("A", 5), collectUntil(t, subA, "A.end"))
	})
}

// TestForwarderSubFrontendXPubBackend checks that subscriptions an XPUB backend
// reports are received and discarded when the frontend is a SUB, which cannot send
// them upstream, instead of stopping the device.
func TestForwarderSubFrontendXPubBackend(t *testing.T) {
	pub := newSocket(t, socket.Pub, socket.Options{})
	pubEP := bind(t, pub, "inproc")
	frontend := newSocket(t, socket.Sub, socket.Options{})
	connect(t, frontend, pubEP)
	backend := newSocket(t, socket.XPub, socket.Options{})
	subEP := bind(t, backend, "inproc")
	d, err := NewForwarder(frontend, backend)
	require.NoError(t, err)
	stop := runDevice(t, d)

	sub := newSocket(t, socket.Sub, socket.Options{})
	connect(t, sub, subEP)
	require.NoError(t, sub.Subscribe([]byte("A")))
	publishUntil(t, pub, sub, "A.warm")
	require.Eventually(t, func() bool { return d.Stats().Backend.MsgsIn == 1 }, testTimeout, time.Millisecond)
	require.Zero(t, d.Stats().Frontend.MsgsOut)
	require.ErrorIs(t, stop(), context.Canceled)
}
