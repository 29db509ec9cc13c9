//go:build cgo

package interop

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

const (
	hbInterval = 50 * time.Millisecond
	// hbTimeout is generous so that a loaded machine (race detector, two busy cores,
	// load average over 20) does not miss it: PONGs were seen to take over two
	// seconds there, a scheduling stall, not a bug.
	hbTimeout = 5 * time.Second
	// hbTTL is the time to live each side announces in its PINGs, as generous.
	hbTTL = hbTimeout
	// hbWatch is how long a connection must survive: longer than the timeout and the
	// TTL, so that a side that never answered PINGs would have been dropped. This is
	// the property under test (a connection that stays up), not a stand-in for an event.
	hbWatch = hbTimeout + time.Second
)

// expectNoOurDisconnect watches our monitor for d and fails on a disconnection.
func expectNoOurDisconnect(t testing.TB, o *ours, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		select {
		case e := <-o.mon:
			require.NotEqual(t, socket.EventDisconnected, e.Type, "%v dropped the connection: %v", o, e)
			continue
		default:
		}
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		select {
		case e := <-o.mon:
			require.NotEqual(t, socket.EventDisconnected, e.Type, "%v dropped the connection: %v", o, e)
		case <-time.After(left):
		}
	}
}

// pendingOurEvents returns the events waiting on our monitor, without waiting.
func pendingOurEvents(o *ours) []string {
	var seen []string
	for {
		select {
		case e := <-o.mon:
			seen = append(seen, e.String())
		default:
			return seen
		}
	}
}

// pendingLibzmqEvents returns the events waiting on a libzmq monitor, without waiting.
func pendingLibzmqEvents(t testing.TB, m *lzMonitor) []string {
	t.Helper()
	var seen []string
	for {
		e, ok := m.next(t, 0)
		if !ok {
			return seen
		}
		seen = append(seen, e.String())
	}
}

// recvData receives the first data message after the heartbeat period. When none
// comes within wait it fails with what both monitors saw meanwhile: a connection
// dropped by a heartbeat timeout or a PING's TTL (either side stalled for longer than
// hbTimeout) takes a message in flight with it, and says so there.
func recvData(t testing.TB, o *ours, m *lzMonitor) [][]byte {
	t.Helper()
	msg, ok := o.TryRecv(t, wait)
	if !ok {
		t.Fatalf("%v received no data within %v; our events: %q; libzmq's: %q",
			o, wait, pendingOurEvents(o), pendingLibzmqEvents(t, m))
	}
	return msg
}

// expectNoLibzmqDisconnect watches a libzmq monitor for d and fails on a
// disconnection.
func expectNoLibzmqDisconnect(t testing.TB, m *lzMonitor, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		e, ok := m.next(t, left)
		if ok {
			require.NotEqual(t, zmq.EVENT_DISCONNECTED, e.Type, "libzmq dropped the connection: %v", e)
		}
	}
}

// TestLibzmqHeartbeatsAgainstOurs: a libzmq DEALER with ZMQ_HEARTBEAT_IVL, a short
// ZMQ_HEARTBEAT_TIMEOUT and a TTL talks to our ROUTER. Our side sends nothing but
// PONGs, so the connection surviving ten intervals proves we answer PINGs; the next
// data message then arrives alone (no PING or PONG leaked into the data).
//
// Over ws both sides' PINGs are WebSocket pings and their PONGs pongs, without TTL or
// context, as libzmq 4.3.4 maps them.
func TestLibzmqHeartbeatsAgainstOurs(t *testing.T) {
	for _, tr := range withWS {
		for _, oursBind := range []bool{true, false} {
			t.Run(sideName("our ROUTER", "libzmq heartbeating DEALER", oursBind, tr), func(t *testing.T) {
				t.Parallel()
				router := newOurs(t, socket.Router, socket.Options{})
				dealer := newLZ(t, socket.Dealer,
					func(s *zmq.Socket) error { return s.SetIdentity("hb") },
					func(s *zmq.Socket) error { return s.SetHeartbeatIvl(hbInterval) },
					func(s *zmq.Socket) error { return s.SetHeartbeatTimeout(hbTimeout) },
					func(s *zmq.Socket) error { return s.SetHeartbeatTtl(hbTTL) })
				mon := monitorLZ(t, dealer)
				bindConnect(t, router, dealer, oursBind, tr)
				mon.waitFor(t, zmq.EVENT_HANDSHAKE_SUCCEEDED)
				router.waitEvent(t, socket.EventHandshakeSucceeded)

				expectNoLibzmqDisconnect(t, mon, hbWatch)
				expectNoOurDisconnect(t, router, 0)

				dealer.Send(t, "data")
				want(t, router, recvData(t, router, mon), "hb", "data")
				m, ok := router.TryRecv(t, quiet)
				require.False(t, ok, "our ROUTER received %q after the data", m)
				router.Send(t, "hb", "back")
				want(t, dealer, dealer.Recv(t), "back")
				require.Equal(t, uint64(1), router.s.Stats().MsgsRecv)
			})
		}
	}
}

// TestOurHeartbeatsAgainstLibzmq: our DEALER with HeartbeatInterval and a short
// HeartbeatTimeout talks to a libzmq ROUTER without heartbeat options; libzmq answers
// our PINGs, so we keep the connection for ten intervals, and libzmq's application
// sees only the data.
func TestOurHeartbeatsAgainstLibzmq(t *testing.T) {
	for _, tr := range withWS {
		for _, oursBind := range []bool{true, false} {
			t.Run(sideName("our heartbeating DEALER", "libzmq ROUTER", oursBind, tr), func(t *testing.T) {
				t.Parallel()
				dealer := newOurs(t, socket.Dealer, socket.Options{
					RoutingID:         []byte("hb"),
					HeartbeatInterval: hbInterval,
					HeartbeatTimeout:  hbTimeout,
					HeartbeatTTL:      hbTTL,
				})
				router := newLZ(t, socket.Router)
				mon := monitorLZ(t, router)
				bindConnect(t, dealer, router, oursBind, tr)
				dealer.waitEvent(t, socket.EventHandshakeSucceeded)
				mon.waitFor(t, zmq.EVENT_HANDSHAKE_SUCCEEDED)

				expectNoOurDisconnect(t, dealer, hbWatch)
				expectNoLibzmqDisconnect(t, mon, 0)

				dealer.Send(t, "data")
				want(t, router, router.Recv(t), "hb", "data")
				m, ok := router.TryRecv(t, quiet)
				require.False(t, ok, "libzmq ROUTER received %q after the data", m)
				router.Send(t, "hb", "back")
				want(t, dealer, dealer.Recv(t), "back")
			})
		}
	}
}

// TestHeartbeatDropsFrozenPeer: a raw peer completes the ZMTP handshake and then goes
// silent (it still reads, so our PINGs are delivered, but never answers). Our DEALER's
// heartbeat timeout must drop the connection: monitor EventDisconnected with a
// heartbeat error, no sooner than the timeout.
func TestHeartbeatDropsFrozenPeer(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our heartbeating DEALER connects to a frozen peer on %s", tr), func(t *testing.T) {
			t.Parallel()
			ln, ep := rawListen(t, tr)
			// A short timeout: this test waits for it to fire, and load only delays that.
			const timeout = 500 * time.Millisecond
			dealer := newOurs(t, socket.Dealer, socket.Options{
				HeartbeatInterval: hbInterval,
				HeartbeatTimeout:  timeout,
			})
			// Timed from before the connection exists: the monitor may report the
			// handshake late on a loaded machine, and the drop cannot come sooner.
			start := time.Now()
			dealer.Connect(t, ep)
			c := rawAccept(t, ln)
			rawHandshake(t, c, 1, socket.Router)
			go io.Copy(io.Discard, c) // swallow PINGs; never answer
			dealer.waitEvent(t, socket.EventHandshakeSucceeded)
			ev := dealer.waitEvent(t, socket.EventDisconnected)
			took := time.Since(start)
			t.Logf("dropped after %v: %v", took, ev)
			require.Error(t, ev.Err, "the disconnection must carry a reason")
			require.True(t, strings.Contains(ev.Err.Error(), "heartbeat"), "reason %q", ev.Err)
			require.GreaterOrEqual(t, took, timeout, "dropped before the heartbeat timeout")
		})
	}
}
