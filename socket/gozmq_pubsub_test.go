package socket_test

import (
	"strings"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// gzSkip returns a receive function that drops leftover copies of the probes used to
// wait for subscriptions (any message whose first frame starts with one of them).
func gzSkip(recv func() []string, probes ...string) func() []string {
	return func() []string {
	next:
		for {
			m := recv()
			for _, p := range probes {
				if len(m) > 0 && strings.HasPrefix(m[0], p) {
					continue next
				}
			}
			return m
		}
	}
}

// gzUnexpected fails on any message that arrives while a test waits for a probe.
func gzUnexpected(t testing.TB, who string) func([]string) {
	return func(m []string) { t.Fatalf("%s received unexpected message %q", who, m) }
}

// gzAllowPrefix tolerates messages starting with prefix while waiting for a probe
// (publications racing a cancel), and fails on anything else.
func gzAllowPrefix(t testing.TB, who, prefix string) func([]string) {
	return func(m []string) {
		if len(m) == 0 || !strings.HasPrefix(m[0], prefix) {
			t.Fatalf("%s received unexpected message %q", who, m)
		}
	}
}

// TestGozmqPubSub: PUB→SUB with go-zeromq on either side. go-zeromq speaks ZMTP 3.0,
// so subscriptions travel as "\x01topic" / "\x00topic" messages, never as the 3.1
// SUBSCRIBE/CANCEL commands: a go-zeromq PUB does not understand those (it would
// deliver nothing), and a go-zeromq SUB sends nothing else.
func TestGozmqPubSub(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("SUB", "PUB", tr, oursBinds, "←")+": our 3.0-style subscription and cancel reach go-zeromq PUB, which filters by prefix", func(t *testing.T) {
				sub := gzOurs(t, socket.Sub, socket.Options{})
				pub := gzTheirs(t, zmq.NewPub)
				require.NoError(t, sub.Subscribe([]byte("A")))
				gzLink(t, tr, oursBinds, sub, pub)
				tryRecv := func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, sub, d) }
				// Until go-zeromq PUB has our subscription it publishes nothing to us
				// (if we sent a 3.1 SUBSCRIBE command it never would).
				gzPublishUntil(t, "subscription to A", func() { gzTheirsSend(t, pub, "A-sync") }, tryRecv, "A-sync", gzUnexpected(t, "our SUB"))
				for _, m := range [][]string{{"B1", "x"}, {"A1", "", "x"}, {"", "empty topic"}, {"B2"}, {"AB", "y", ""}, {"a-lower"}, {"A-end"}} {
					gzTheirsSend(t, pub, m...)
				}
				recv := gzSkip(func() []string { return gzOursRecv(t, sub) }, "A-sync")
				require.Equal(t, []string{"A1", "", "x"}, recv())
				require.Equal(t, []string{"AB", "y", ""}, recv())
				require.Equal(t, []string{"A-end"}, recv())
				// go-zeromq PUB did the filtering: nothing unsubscribed reached us.
				require.Zero(t, sub.Stats().Drops.Filtered, "go-zeromq PUB sent topics we did not subscribe to")

				// Cancel A (as "\x00A"), subscribe C; once C flows the cancel was applied.
				require.NoError(t, sub.Unsubscribe([]byte("A")))
				require.NoError(t, sub.Subscribe([]byte("C")))
				gzPublishUntil(t, "subscription to C", func() {
					gzTheirsSend(t, pub, "A-x")
					gzTheirsSend(t, pub, "C-sync")
				}, tryRecv, "C-sync", gzUnexpected(t, "our SUB"))
				filtered := sub.Stats().Drops.Filtered
				gzTheirsSend(t, pub, "A-after")
				gzTheirsSend(t, pub, "C-end")
				recv = gzSkip(func() []string { return gzOursRecv(t, sub) }, "C-sync")
				require.Equal(t, []string{"C-end"}, recv())
				require.Equal(t, filtered, sub.Stats().Drops.Filtered,
					"go-zeromq PUB still sent A after our cancel: the cancel did not reach it as a \\x00A message")
			})

			t.Run(gzRoles("PUB", "SUB", tr, oursBinds, "→")+": go-zeromq's \\x01 subscriptions filter by prefix, duplicates and overlaps count once, \\x00 cancels", func(t *testing.T) {
				pub := gzOurs(t, socket.Pub, socket.Options{})
				sub := gzTheirs(t, zmq.NewSub)
				sp := gzNewPump(t, sub)
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "A"))
				gzLink(t, tr, oursBinds, pub, sub)
				// go-zeromq SUB does not filter what it receives: whatever it gets, our
				// PUB chose to send.
				gzPublishUntil(t, "subscription to A", func() { gzOursSend(t, pub, "A-sync") }, sp.poll, "A-sync", gzUnexpected(t, "go-zeromq SUB"))
				// A second subscription to A from the same peer, and an overlapping AB.
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "A"))
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "AB"))
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "Q"))
				gzPublishUntil(t, "subscription to Q", func() { gzOursSend(t, pub, "Q-sync") }, sp.poll, "Q-sync", gzAllowPrefix(t, "go-zeromq SUB", "A-sync"))
				for _, m := range [][]string{{"B1", "x"}, {"A1", "", "x"}, {"", "empty topic"}, {"B2"}, {"ABC", "y", ""}, {"a-lower"}, {"A-end"}} {
					gzOursSend(t, pub, m...)
				}
				recv := gzSkip(func() []string { return sp.recv(t) }, "A-sync", "Q-sync")
				require.Equal(t, []string{"A1", "", "x"}, recv())
				require.Equal(t, []string{"ABC", "y", ""}, recv(), "matched by A and AB: delivered once")
				require.Equal(t, []string{"A-end"}, recv())

				// One cancel of A removes it although A was subscribed twice (a
				// publisher's subscriptions are a set per peer, as libzmq's mtrie); AB
				// stays.
				require.NoError(t, sub.SetOption(zmq.OptionUnsubscribe, "A"))
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "C"))
				gzPublishUntil(t, "subscription to C", func() {
					gzOursSend(t, pub, "A-x")
					gzOursSend(t, pub, "C-sync")
				}, sp.poll, "C-sync", gzAllowPrefix(t, "go-zeromq SUB", "A-"))
				gzOursSend(t, pub, "A-after")
				gzOursSend(t, pub, "AB-still")
				gzOursSend(t, pub, "C-end")
				recv = gzSkip(func() []string { return sp.recv(t) }, "C-sync")
				require.Equal(t, []string{"AB-still"}, recv(), "A was cancelled, AB was not")
				require.Equal(t, []string{"C-end"}, recv())
			})

			t.Run(gzRoles("PUB", "SUB", tr, oursBinds, "→")+": go-zeromq SUB subscribed to everything gets every topic, the empty one included", func(t *testing.T) {
				pub := gzOurs(t, socket.Pub, socket.Options{})
				sub := gzTheirs(t, zmq.NewSub)
				sp := gzNewPump(t, sub)
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, ""))
				gzLink(t, tr, oursBinds, pub, sub)
				gzPublishUntil(t, "subscription to everything", func() { gzOursSend(t, pub, "sync") }, sp.poll, "sync", gzUnexpected(t, "go-zeromq SUB"))
				want := [][]string{{"", "empty topic"}, {"B"}, {"\x01not-a-subscription"}, {"A", ""}, {gzBig(gzMiB)}, {"end"}}
				for _, m := range want {
					gzOursSend(t, pub, m...)
				}
				recv := gzSkip(func() []string { return sp.recv(t) }, "sync")
				for i, m := range want {
					require.Equal(t, m, recv(), "message %d", i)
				}
			})

			t.Run(gzRoles("SUB", "XPUB", tr, oursBinds, "←")+": go-zeromq XPUB publishes like a PUB and filters on our 3.0 subscription", func(t *testing.T) {
				sub := gzOurs(t, socket.Sub, socket.Options{})
				xpub := gzTheirs(t, zmq.NewXPub)
				require.NoError(t, sub.Subscribe([]byte("A")))
				gzLink(t, tr, oursBinds, sub, xpub)
				tryRecv := func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, sub, d) }
				gzPublishUntil(t, "subscription to A", func() { gzTheirsSend(t, xpub, "A-sync") }, tryRecv, "A-sync", gzUnexpected(t, "our SUB"))
				for _, m := range [][]string{{"B1"}, {"A1", ""}, {"A-end"}} {
					gzTheirsSend(t, xpub, m...)
				}
				recv := gzSkip(func() []string { return gzOursRecv(t, sub) }, "A-sync")
				require.Equal(t, []string{"A1", ""}, recv())
				require.Equal(t, []string{"A-end"}, recv())
				require.Zero(t, sub.Stats().Drops.Filtered)
			})
		}
	}
}

// TestGozmqXPubXSub: our XPUB and XSUB with go-zeromq SUB and PUB. (go-zeromq's own
// XPUB never hands subscriptions to its application, so it is not tested as an XPUB.)
func TestGozmqXPubXSub(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("XPUB", "SUB", tr, oursBinds, "↔")+": our XPUB's Recv gets \"\\x01topic\" and \"\\x00topic\", and publishes by them", func(t *testing.T) {
				xpub := gzOurs(t, socket.XPub, socket.Options{})
				sub := gzTheirs(t, zmq.NewSub)
				sp := gzNewPump(t, sub)
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "topic"))
				gzLink(t, tr, oursBinds, xpub, sub)
				require.Equal(t, []string{"\x01topic"}, gzOursRecv(t, xpub))
				// The subscription is in force once XPUB has reported it.
				for _, m := range [][]string{{"other"}, {"topic-1", "", "x"}, {"topi"}, {"topic-end"}} {
					gzOursSend(t, xpub, m...)
				}
				require.Equal(t, []string{"topic-1", "", "x"}, sp.recv(t))
				require.Equal(t, []string{"topic-end"}, sp.recv(t))

				require.NoError(t, sub.SetOption(zmq.OptionUnsubscribe, "topic"))
				require.Equal(t, []string{"\x00topic"}, gzOursRecv(t, xpub))
				require.NoError(t, sub.SetOption(zmq.OptionSubscribe, "z"))
				require.Equal(t, []string{"\x01z"}, gzOursRecv(t, xpub))
				gzOursSend(t, xpub, "topic-after")
				gzOursSend(t, xpub, "z-end")
				require.Equal(t, []string{"z-end"}, sp.recv(t), "topic was cancelled")
			})

			t.Run(gzRoles("XPUB", "XSUB", tr, oursBinds, "↔")+": go-zeromq XSUB's \\x01A message and an upstream data message both reach our XPUB's Recv", func(t *testing.T) {
				xpub := gzOurs(t, socket.XPub, socket.Options{})
				xsub := gzTheirs(t, zmq.NewXSub)
				xp := gzNewPump(t, xsub)
				gzLink(t, tr, oursBinds, xpub, xsub)
				// go-zeromq drops what it sends before its side of the connection is up;
				// repeats of the same subscription are not reported again.
				gzPublishUntil(t, "subscription to A", func() { gzTheirsSend(t, xsub, "\x01A") },
					func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, xpub, d) },
					"\x01A", gzUnexpected(t, "our XPUB"))
				gzTheirsSend(t, xsub, "up", "", "stream")
				require.Equal(t, []string{"up", "", "stream"}, gzOursRecv(t, xpub), "a non-subscription message goes to the application")
				for _, m := range []string{"B", "A1", "A-end"} {
					gzOursSend(t, xpub, m)
				}
				require.Equal(t, []string{"A1"}, xp.recv(t))
				require.Equal(t, []string{"A-end"}, xp.recv(t))
			})

			t.Run(gzRoles("XSUB", "PUB", tr, oursBinds, "←")+": our XSUB's \\x01/\\x00 messages reach go-zeromq PUB as 3.0 subscriptions", func(t *testing.T) {
				xsub := gzOurs(t, socket.XSub, socket.Options{})
				pub := gzTheirs(t, zmq.NewPub)
				gzLink(t, tr, oursBinds, xsub, pub)
				gzOursSend(t, xsub, "\x01A")
				tryRecv := func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, xsub, d) }
				gzPublishUntil(t, "subscription to A", func() { gzTheirsSend(t, pub, "A-sync") }, tryRecv, "A-sync", gzUnexpected(t, "our XSUB"))
				for _, m := range [][]string{{"B1"}, {"A1", "", "x"}, {"", "empty topic"}, {"AB"}, {"A-end"}} {
					gzTheirsSend(t, pub, m...)
				}
				// XSUB does not filter: what arrives is what go-zeromq PUB chose to send.
				recv := gzSkip(func() []string { return gzOursRecv(t, xsub) }, "A-sync")
				require.Equal(t, []string{"A1", "", "x"}, recv())
				require.Equal(t, []string{"AB"}, recv())
				require.Equal(t, []string{"A-end"}, recv())

				gzOursSend(t, xsub, "\x00A")
				gzOursSend(t, xsub, "\x01C")
				gzPublishUntil(t, "subscription to C", func() {
					gzTheirsSend(t, pub, "A-x")
					gzTheirsSend(t, pub, "C-sync")
				}, tryRecv, "C-sync", gzAllowPrefix(t, "our XSUB", "A-"))
				gzTheirsSend(t, pub, "A-after")
				gzTheirsSend(t, pub, "C-end")
				recv = gzSkip(func() []string { return gzOursRecv(t, xsub) }, "C-sync")
				require.Equal(t, []string{"C-end"}, recv(), "A was cancelled")
			})
		}
	}
}
