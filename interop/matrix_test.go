//go:build cgo

package interop

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withWS is transports and ws, libzmq 4.3.4's ZWS 2.0 (ws://, NULL; Debian's
// libzmq is built without wss://).
var withWS = slices.Concat(transports, []string{"ws"})

// pairCase is one valid socket pair and the conversation that proves it works. run
// gets the peers in the order of the pair's name (a is REQ in REQ-REP), whichever
// library each one is.
type pairCase struct {
	a, b socket.Type
	// ids gives both ends routing ids (ROUTER-ROUTER needs them to address each other).
	ids bool
	run func(t *testing.T, a, b peer)
}

func (c pairCase) name() string { return c.a.String() + "-" + c.b.String() }

var pairs = []pairCase{
	{a: socket.Req, b: socket.Rep, run: convReqRep},
	{a: socket.Req, b: socket.Router, run: convReqRouter},
	{a: socket.Dealer, b: socket.Rep, run: convDealerRep},
	{a: socket.Dealer, b: socket.Router, run: convDealerRouter},
	{a: socket.Dealer, b: socket.Dealer, run: convBothWays},
	{a: socket.Router, b: socket.Router, ids: true, run: convRouterRouter},
	{a: socket.Pub, b: socket.Sub, run: convPubSub},
	{a: socket.Pub, b: socket.XSub, run: convPubSub},
	{a: socket.XPub, b: socket.Sub, run: convPubSub},
	{a: socket.XPub, b: socket.XSub, run: convPubSub},
	{a: socket.Push, b: socket.Pull, run: convPushPull},
	{a: socket.Pair, b: socket.Pair, run: convBothWays},
}

// TestMatrix runs every valid socket pair with our socket on each side in turn, each
// side binding in turn, over tcp, ipc and ws (libzmq 4.3.4's ZWS 2.0, NULL). A subtest reads like the bug report it
// would file: TestMatrix/REQ-REP/our_REQ_connects_to_libzmq_REP_bound_on_tcp.
func TestMatrix(t *testing.T) {
	for _, pc := range pairs {
		t.Run(pc.name(), func(t *testing.T) {
			ourSides := []int{0, 1}
			if pc.a == pc.b {
				ourSides = []int{0} // a symmetric pair: "which side is ours" is the bind side
			}
			for _, ourSide := range ourSides {
				for _, oursBind := range []bool{true, false} {
					for _, tr := range withWS {
						t.Run(matrixName(pc, ourSide, oursBind, tr), func(t *testing.T) {
							t.Parallel()
							runPair(t, pc, ourSide, oursBind, tr)
						})
					}
				}
			}
		})
	}
}

func matrixName(pc pairCase, ourSide int, oursBind bool, tr string) string {
	ourT, theirT := pc.a, pc.b
	if ourSide == 1 {
		ourT, theirT = pc.b, pc.a
	}
	if oursBind {
		return fmt.Sprintf("libzmq %v connects to our %v bound on %s", theirT, ourT, tr)
	}
	return fmt.Sprintf("our %v connects to libzmq %v bound on %s", ourT, theirT, tr)
}

func runPair(t *testing.T, pc pairCase, ourSide int, oursBind bool, tr string) {
	types := [2]socket.Type{pc.a, pc.b}
	ids := [2]string{"", ""}
	if pc.ids {
		ids = [2]string{"side-a", "side-b"}
	}
	var ps [2]peer
	for i := range 2 {
		if i == ourSide {
			var opts socket.Options
			if pc.ids {
				opts.RoutingID = []byte(ids[i])
				opts.RouterMandatory = true
			}
			ps[i] = newOurs(t, types[i], opts)
		} else {
			setup := []func(*zmq.Socket) error{}
			if pc.ids {
				id := ids[i]
				setup = append(setup,
					func(s *zmq.Socket) error { return s.SetIdentity(id) },
					func(s *zmq.Socket) error { return s.SetRouterMandatory(1) })
			}
			ps[i] = newLZ(t, types[i], setup...)
		}
	}
	binder, connecter := ps[ourSide], ps[1-ourSide]
	if !oursBind {
		binder, connecter = connecter, binder
	}
	ep := binder.Bind(t, tr)
	connecter.Connect(t, ep)
	t.Logf("%v bound %s; %v connected", binder, ep, connecter)
	pc.run(t, ps[0], ps[1])
}

// want asserts a received message frame by frame, printing frames as strings.
func want(t testing.TB, from peer, got [][]byte, frames ...string) {
	t.Helper()
	require.Equal(t, frames, str(got), "message received by %v", from)
}

// REQ-REP: three round trips; bodies contain an empty frame after the delimiter,
// which REP must keep as body, and replies end with an empty frame.
func convReqRep(t *testing.T, req, rep peer) {
	for i := range 3 {
		req.Send(t, fmt.Sprint("request ", i), "", "tail")
		want(t, rep, rep.Recv(t), fmt.Sprint("request ", i), "", "tail")
		rep.Send(t, fmt.Sprint("reply ", i), "")
		want(t, req, req.Recv(t), fmt.Sprint("reply ", i), "")
	}
}

// REQ-ROUTER: the ROUTER sees [id, "", body] and routes the reply by that id.
func convReqRouter(t *testing.T, req, router peer) {
	var id []byte
	for i := range 3 {
		req.Send(t, fmt.Sprint("request ", i))
		m := router.Recv(t)
		require.Len(t, m, 3, "%v got %q", router, m)
		if id == nil {
			id = m[0]
			require.NotEmpty(t, id, "routing id")
		}
		require.Equal(t, id, m[0], "the routing id of one REQ stays the same")
		want(t, router, m[1:], "", fmt.Sprint("request ", i))
		router.SendBytes(t, id, nil, []byte(fmt.Sprint("reply ", i)))
		want(t, req, req.Recv(t), fmt.Sprint("reply ", i))
	}
}

// DEALER-REP: the DEALER writes the delimiter itself; an extra envelope frame before
// it must come back untouched.
func convDealerRep(t *testing.T, dealer, rep peer) {
	dealer.Send(t, "", "hello", "")
	want(t, rep, rep.Recv(t), "hello", "")
	rep.Send(t, "world")
	want(t, dealer, dealer.Recv(t), "", "world")

	dealer.Send(t, "hop", "", "second")
	want(t, rep, rep.Recv(t), "second")
	rep.Send(t, "answer")
	want(t, dealer, dealer.Recv(t), "hop", "", "answer")
}

// DEALER-ROUTER: no envelope on the DEALER; the ROUTER prepends and strips the id.
func convDealerRouter(t *testing.T, dealer, router peer) {
	dealer.Send(t, "a", "", "c")
	m := router.Recv(t)
	require.Len(t, m, 4, "%v got %q", router, m)
	id := m[0]
	require.NotEmpty(t, id)
	want(t, router, m[1:], "a", "", "c")
	router.SendBytes(t, id, []byte("r1"), nil)
	want(t, dealer, dealer.Recv(t), "r1", "")
	router.SendBytes(t, id, []byte("r2"))
	want(t, dealer, dealer.Recv(t), "r2")
}

// DEALER-DEALER and PAIR-PAIR: messages both ways, multipart with empty frames.
func convBothWays(t *testing.T, a, b peer) {
	for i := range 3 {
		a.Send(t, fmt.Sprint("a", i), "", "x")
		want(t, b, b.Recv(t), fmt.Sprint("a", i), "", "x")
		b.Send(t, "", fmt.Sprint("b", i))
		want(t, a, a.Recv(t), "", fmt.Sprint("b", i))
	}
}

// ROUTER-ROUTER: both have routing ids; the connecting side addresses the bound side
// by its id as soon as the connection is up, and the reply goes back the same way.
func convRouterRouter(t *testing.T, a, b peer) {
	// a and b were created in this order; find which one connected by trying: the
	// connecting ROUTER learns the bound one's id from the handshake, and so does the
	// bound one, so either may speak first. Let a speak.
	a.SendRouted(t, b.ID(), "hello", "")
	want(t, b, b.Recv(t), a.ID(), "hello", "")
	b.SendRouted(t, a.ID(), "back")
	want(t, a, a.Recv(t), b.ID(), "back")
}

// PUB/XPUB to SUB/XSUB: the subscriber takes topic "A"; the publisher publishes "B"
// and "A" messages in a loop until the first "A" arrives (slow joiner), then a "B"
// and a final "A" marker. Everything received must start with "A": SUB filters
// locally, but XSUB does not, so with XSUB this checks the publisher's filter.
func convPubSub(t *testing.T, pub, sub peer) {
	sub.Subscribe(t, "A")
	if pub.Type() == socket.XPub {
		want(t, pub, recvPumping(t, pub, sub), "\x01A")
	}
	deadline := time.Now().Add(wait)
	var first [][]byte
	for i := 0; first == nil; i++ {
		require.True(t, time.Now().Before(deadline), "%v received nothing from %v within %v", sub, pub, wait)
		pub.Send(t, fmt.Sprint("B miss ", i))
		pub.Send(t, fmt.Sprint("A hit ", i), "", "part 3")
		first, _ = sub.TryRecv(t, 5*time.Millisecond)
	}
	require.Len(t, first, 3)
	assert.Equal(t, []string{"", "part 3"}, str(first[1:]))
	pub.Send(t, "B late")
	pub.Send(t, "A last")
	for {
		m := sub.Recv(t)
		require.True(t, hasPrefix(m, "A"), "%v received %q although subscribed only to \"A\"", sub, m)
		if string(m[0]) == "A last" {
			break
		}
	}
}

// PUSH-PULL: ten messages in order, multipart with an empty frame.
func convPushPull(t *testing.T, push, pull peer) {
	for i := range 10 {
		push.Send(t, fmt.Sprint("job ", i), "", "payload")
	}
	for i := range 10 {
		want(t, pull, pull.Recv(t), fmt.Sprint("job ", i), "", "payload")
	}
}

// recvPumping waits for a message on p while polling other now and then. A bound
// libzmq socket attaches a new connection only when its application thread next
// enters libzmq (send, receive, poll): a bound libzmq SUB that nobody polls never
// sends its subscriptions to a publisher that connected after it subscribed.
func recvPumping(t testing.TB, p, other peer) [][]byte {
	t.Helper()
	return recvPumpingIgnoring(t, p, other, nil)
}

// recvPumpingIgnoring is recvPumping where other may still receive the stale
// messages listed (by first frame), such as leftovers of an earlier publisher.
func recvPumpingIgnoring(t testing.TB, p, other peer, stale []string) [][]byte {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if m, ok := p.TryRecv(t, 5*time.Millisecond); ok {
			return m
		}
		if m, ok := other.TryRecv(t, time.Millisecond); ok && !slices.Contains(stale, string(m[0])) {
			t.Fatalf("%v received %q while %v waited", other, m, p)
		}
	}
	t.Fatalf("%v received nothing within %v", p, wait)
	return nil
}
