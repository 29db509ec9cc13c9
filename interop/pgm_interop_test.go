//go:build cgo && linux

package interop

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// Multicast interop with libzmq 4.3 + OpenPGM: a libzmq PUB and our SUB, and
// our PUB and a libzmq SUB, each in its own network namespace of a netns.Pair
// (two namespaces joined by a veth pair, created by the test; no packet ever
// reaches a host interface). Two namespaces are needed because OpenPGM refuses
// the loopback interface and libzmq turns multicast loopback off.
//
// TestPgmInterop is the parent; TestPgmPublisher and TestPgmSubscriber are the
// children it starts with Pair.RunTest, one per side, told their library and
// endpoint through PGM_* environment variables.

// pgmInteropParams: the same ZMQ_RATE / MulticastRate (kbit/s) and
// ZMQ_RECOVERY_IVL / RecoveryInterval on both sides.
var pgmInteropParams = pgmParams{rate: 100_000, ivl: 5 * time.Second}

// pgmChildTimeout bounds each child process.
const pgmChildTimeout = 40 * time.Second

// pgmScript is what the publisher sends after the warm-up: multipart messages
// with bodies from 1 B to 64 KiB (around the ZMTP/1.0 short/long length
// boundary and the 1428-byte APDU), each "A" message followed by a "B" one that
// a filtering subscriber must not deliver, and an "E" message last.
func pgmScript() [][][]byte {
	sizes := []int{1, 2, 100, 253, 254, 255, 1000, 1425, 1426, 1427, 1428, 1429, 2856, 3000,
		8192, 16384, 65535, 65536}
	body := func(n, seed int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + seed)
		}
		return b
	}
	var script [][][]byte
	for i, n := range sizes {
		seq := []byte(fmt.Sprint(i))
		script = append(script,
			[][]byte{[]byte("A"), seq, body(n, i)},
			[][]byte{[]byte("B"), seq, body(n, i+1)},
			[][]byte{[]byte("A"), seq, {}, body(n/2, i+2), body(n, i+3), {}},
		)
	}
	many := [][]byte{[]byte("A-many")}
	for i := 0; i < 40; i++ {
		many = append(many, body(i%3, i))
	}
	script = append(script, many, [][]byte{[]byte("B-last"), body(70000, 9)}, [][]byte{[]byte("E"), []byte("end")})
	return script
}

// pgmTopics are the subscriptions of a filtering subscriber: the warm-up, A
// and E, not B.
var pgmTopics = []string{"W", "A", "E"}

type pgmCase struct {
	pub, sub string // "ours" or "libzmq"
	filter   bool   // the subscriber subscribes to pgmTopics only (else to everything)
	lossPct  int    // share of datagrams dropped on arrival in the subscriber's namespace
	scheme   string // "epgm" or "pgm"
	byAddr   bool   // our endpoint names the veth by its address rather than its name
}

func (c pgmCase) String() string {
	s := fmt.Sprintf("%s_PUB_to_%s_SUB_over_%s", c.pub, c.sub, c.scheme)
	if c.filter {
		s += "_filtered"
	}
	if c.lossPct > 0 {
		s += fmt.Sprintf("_with_%d%%_loss", c.lossPct)
	}
	return s
}

func TestPgmInterop(t *testing.T) {
	if netns.InChild() {
		t.Skip("in a child")
	}
	var cases []pgmCase
	for _, dir := range [][2]string{{"libzmq", "ours"}, {"ours", "libzmq"}} {
		for _, filter := range []bool{false, true} {
			for _, loss := range []int{0, 10} {
				cases = append(cases, pgmCase{pub: dir[0], sub: dir[1], filter: filter, lossPct: loss,
					scheme: "epgm", byAddr: loss > 0})
			}
		}
		// PGM straight over IP (protocol 113, raw sockets: root in the namespace).
		cases = append(cases, pgmCase{pub: dir[0], sub: dir[1], scheme: "pgm", byAddr: true})
	}
	for _, c := range cases {
		group, port := pgmGroup()
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			p := netns.NewPair(t)
			var dropped func() int
			if c.lossPct > 0 {
				// Check now that a loss rule can be installed (it skips the case with
				// the reason if not); the real one goes in after the warm-up.
				_, remove := dropIncoming(t, p, 1, port, c.lossPct)
				remove()
			}
			capture(t, p, 1, port)
			ep := func(side int, impl string) string {
				ifc := p.Dev[side]
				if c.byAddr || impl == "libzmq" {
					// OpenPGM resolves a name that is not an address through
					// getaddrinfo before it looks at interfaces, and fails on
					// its EAI_AGAIN in a namespace without DNS: libzmq gets
					// the address.
					ifc = p.Addr[side].String()
				}
				return fmt.Sprintf("%s://%s;%s:%d", c.scheme, ifc, group, port)
			}
			dir := t.TempDir()
			env := append(pgmInteropParams.env(), pgmDirEnv+"="+dir, fmt.Sprintf("PGM_FILTER=%v", c.filter),
				fmt.Sprintf("PGM_LOSSY=%v", c.lossPct > 0))
			sub := p.RunTest(t, 1, "TestPgmSubscriber", pgmChildTimeout,
				append(env, pgmImplEnv+"="+c.sub, pgmEPEnv+"="+ep(1, c.sub))...)
			pub := p.RunTest(t, 0, "TestPgmPublisher", pgmChildTimeout,
				append(env, pgmImplEnv+"="+c.pub, pgmEPEnv+"="+ep(0, c.pub))...)
			if c.lossPct > 0 {
				// Loss starts once the subscriber hears the publisher: a receiver
				// cannot ask for repairs before an SPM has told it where to send
				// NAKs, and libzmq hands on a multipart message broken by such an
				// early, unrepairable loss instead of dropping it.
				waitMark(t, dir, "ready", pgmChildTimeout)
				dropped, _ = dropIncoming(t, p, 1, port, c.lossPct)
				mark(t, dir, "lossy")
			}
			subOut, subErr := sub()
			pubOut, pubErr := pub()
			childPassed(t, c.sub+" SUB side", subOut, subErr)
			childPassed(t, c.pub+" PUB side", pubOut, pubErr)
			t.Logf("sub: %s", childLogs(subOut))
			t.Logf("pub: %s", childLogs(pubOut))
			if dropped != nil {
				n := dropped()
				t.Logf("datagrams dropped on the way in: %d", n)
				require.Positive(t, n, "the loss rule dropped nothing")
			}
		})
	}
}

// TestPgmPublisher is a child of TestPgmInterop: it publishes warm-up messages
// until the subscriber says it hears them, then pgmScript, and stays up (to
// answer NAKs) until the subscriber is done.
func TestPgmPublisher(t *testing.T) {
	if !netns.Child(t) {
		t.Skip("helper process for TestPgmInterop")
	}
	dir := os.Getenv(pgmDirEnv)
	markFailure(t, dir)
	impl, ep := os.Getenv(pgmImplEnv), os.Getenv(pgmEPEnv)
	pub := newPgmPeer(t, impl, socket.Pub, pgmParamsFromEnv(t), 0)
	pub.Connect(t, ep)

	// A receiver joins at the first message that starts after it has joined:
	// publish until it hears one (bounded).
	start := time.Now()
	warm := 0
	for deadline := time.Now().Add(15 * time.Second); !marked(dir, "ready"); warm++ {
		require.False(t, marked(dir, "failed"), "subscriber failed during the warm-up")
		require.True(t, time.Now().Before(deadline), "subscriber heard nothing within 15 s (%d warm-up messages)", warm)
		pub.Send(t, "W", fmt.Sprint(warm))
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("PGM: %s PUB on %s: %d warm-up messages, heard after %v", impl, ep, warm, time.Since(start).Round(time.Millisecond))
	if os.Getenv("PGM_LOSSY") == "true" {
		waitMark(t, dir, "lossy", 30*time.Second)
	}

	start = time.Now()
	script := pgmScript()
	for _, m := range script {
		pub.SendBytes(t, m...)
	}
	t.Logf("PGM: sent %d messages in %v", len(script), time.Since(start).Round(time.Millisecond))
	waitMark(t, dir, "done", 30*time.Second)
}

// TestPgmSubscriber is a child of TestPgmInterop: it receives until it hears
// the publisher, says so, then checks every message of pgmScript arrives whole
// and in order (only its topics when filtering).
func TestPgmSubscriber(t *testing.T) {
	if !netns.Child(t) {
		t.Skip("helper process for TestPgmInterop")
	}
	dir := os.Getenv(pgmDirEnv)
	markFailure(t, dir)
	impl, ep := os.Getenv(pgmImplEnv), os.Getenv(pgmEPEnv)
	filter := os.Getenv("PGM_FILTER") == "true"
	sub := newPgmPeer(t, impl, socket.Sub, pgmParamsFromEnv(t), 0)
	if filter {
		for _, topic := range pgmTopics {
			sub.Subscribe(t, topic)
		}
	} else {
		sub.Subscribe(t, "")
	}
	sub.Connect(t, ep)

	start := time.Now()
	first, ok := sub.TryRecv(t, 15*time.Second)
	require.True(t, ok, "%s SUB on %s heard nothing within 15 s", impl, ep)
	require.Equal(t, "W", string(first[0]), "first message")
	if os.Getenv("PGM_LOSSY") == "true" {
		// Loss must not start before an SPM has told this side where to send
		// NAKs: without one, OpenPGM declares every gap lost at once (and
		// libzmq hands on the broken multipart message). A receiver that
		// joined after the publisher's first SPMs asks with an SPMR once it
		// hears data, and our sender sends an SPM at least once a second
		// while data flows: listen to the warm-up for longer than that.
		for heard := time.Now(); time.Since(heard) < 1200*time.Millisecond; {
			m, ok := sub.TryRecv(t, 5*time.Second)
			require.True(t, ok, "the warm-up stopped")
			require.Equal(t, "W", string(m[0]), "warm-up message")
		}
	}
	mark(t, dir, "ready")
	t.Logf("PGM: %s SUB on %s heard the publisher after %v", impl, ep, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	var want [][][]byte
	for _, m := range pgmScript() {
		if !filter || !bytes.HasPrefix(m[0], []byte("B")) {
			want = append(want, m)
		}
	}
	warm := 0
	for i := 0; i < len(want); {
		m, ok := sub.TryRecv(t, 15*time.Second)
		require.True(t, ok, "message %d of %d (topic %q) did not arrive within 15 s", i, len(want), want[i][0])
		if string(m[0]) == "W" && i == 0 {
			warm++
			continue
		}
		require.Equal(t, len(want[i]), len(m), "message %d (topic %q): frame count", i, want[i][0])
		for j := range m {
			if !bytes.Equal(want[i][j], m[j]) {
				t.Fatalf("message %d (topic %q) frame %d: got %d bytes %.20q, want %d bytes %.20q",
					i, want[i][0], j, len(m[j]), m[j], len(want[i][j]), want[i][j])
			}
		}
		i++
	}
	t.Logf("PGM: received all %d messages (%d more warm-up) in %v", len(want), warm, time.Since(start).Round(time.Millisecond))
	if o, isOurs := sub.(*ours); isOurs {
		st := o.s.Stats()
		t.Logf("PGM: our SUB stats: received %d, filtered %d", st.MsgsRecv, st.Drops.Filtered)
		if filter {
			require.Positive(t, st.Drops.Filtered, "our SUB filters locally")
		}
		var losses []string
		for len(o.mon) > 0 {
			if e := <-o.mon; e.Type == socket.EventMulticastLoss {
				losses = append(losses, e.String())
			}
		}
		require.Empty(t, losses, "no loss may go unrepaired: %s", strings.Join(losses, "; "))
	}
	mark(t, dir, "done")
}
