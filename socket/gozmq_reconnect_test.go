package socket_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// gzAwaitEvent waits up to gzWait for an event of type typ on mon, skipping others.
func gzAwaitEvent(t testing.TB, mon <-chan socket.Event, typ socket.EventType) socket.Event {
	t.Helper()
	timeout := time.After(gzWait)
	for {
		select {
		case e := <-mon:
			if e.Type == typ {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event within %v", typ, gzWait)
		}
	}
}

// gzRestartable starts a go-zeromq socket listening on transport tr and returns it,
// its endpoint, stop (close the current one) and start (a new one listening on the
// same endpoint, which stop freed).
func gzRestartable(t *testing.T, tr string, ctor func(context.Context, ...zmq.Option) zmq.Socket) (first zmq.Socket, ep string, stop func(), start func() zmq.Socket) {
	t.Helper()
	first = gzTheirs(t, ctor)
	ep = gzTheirsBind(t, first, tr)
	cur := first
	stop = func() { require.NoError(t, cur.Close()) }
	start = func() zmq.Socket {
		z := gzTheirs(t, ctor)
		require.NoError(t, z.Listen(ep), "go-zeromq restarts on %s", ep)
		cur = z
		return z
	}
	return first, ep, stop, start
}

// TestGozmqReconnect: our connecting sockets survive a go-zeromq peer restarting on the
// same endpoint.
func TestGozmqReconnect(t *testing.T) {
	for _, tr := range gzTransports {
		t.Run(fmt.Sprintf("ours SUB connects %s ← go-zeromq PUB restarts on the same endpoint: we reconnect and resubscribe with 3.0 \\x01 messages", tr), func(t *testing.T) {
			mon := make(chan socket.Event, 256)
			sub := gzOurs(t, socket.Sub, socket.Options{Monitor: mon, ReconnectInterval: 20 * time.Millisecond})
			require.NoError(t, sub.Subscribe([]byte("A")))
			pub, ep, stop, start := gzRestartable(t, tr, zmq.NewPub)
			gzOursConnect(t, sub, ep)
			tryRecv := func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, sub, d) }
			gzPublishUntil(t, "subscription to A", func() { gzTheirsSend(t, pub, "A-sync") }, tryRecv, "A-sync", gzUnexpected(t, "our SUB"))

			stop()
			gzAwaitEvent(t, mon, socket.EventDisconnected)
			pub = start()
			gzPublishUntil(t, "resubscription to A after the restart", func() { gzTheirsSend(t, pub, "A-again") }, tryRecv, "A-", gzUnexpected(t, "our SUB"))
			filtered := sub.Stats().Drops.Filtered
			gzTheirsSend(t, pub, "B")
			gzTheirsSend(t, pub, "A-end")
			recv := gzSkip(func() []string { return gzOursRecv(t, sub) }, "A-again", "A-sync")
			require.Equal(t, []string{"A-end"}, recv())
			require.Equal(t, filtered, sub.Stats().Drops.Filtered, "the new go-zeromq PUB sent B: it never got our resubscription to A alone")
		})

		t.Run(fmt.Sprintf("ours PUSH connects %s → go-zeromq PULL restarts on the same endpoint: messages sent while it was down arrive, in order", tr), func(t *testing.T) {
			mon := make(chan socket.Event, 256)
			push := gzOurs(t, socket.Push, socket.Options{Monitor: mon, ReconnectInterval: 20 * time.Millisecond})
			pull, ep, stop, start := gzRestartable(t, tr, zmq.NewPull)
			pp := gzNewPump(t, pull)
			gzOursConnect(t, push, ep)
			gzOursSend(t, push, "before")
			require.Equal(t, []string{"before"}, pp.recv(t))

			stop()
			gzAwaitEvent(t, mon, socket.EventDisconnected)
			for i := 0; i < 10; i++ {
				gzOursSend(t, push, gzMultipart(i)...)
			}
			pull = start()
			pp = gzNewPump(t, pull)
			for i := 0; i < 10; i++ {
				require.Equal(t, gzMultipart(i), pp.recv(t), "queued message %d", i)
			}
		})
	}
}

// TestGozmqXPubSubscribers: our XPUB with two go-zeromq SUBs: subscription
// notifications are deduplicated (or not, when verbose), and a subscriber's
// disconnect cancels only what no one else holds.
func TestGozmqXPubSubscribers(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("XPUB", "2×SUB", tr, oursBinds, "↔")+": one \\x01t for two subscribers; a disconnect cancels only topics no one else holds", func(t *testing.T) {
				mon := make(chan socket.Event, 256)
				xpub := gzOurs(t, socket.XPub, socket.Options{Monitor: mon})
				sub1 := gzTheirs(t, zmq.NewSub)
				sub2 := gzTheirs(t, zmq.NewSub)
				p2 := gzNewPump(t, sub2)
				require.NoError(t, sub1.SetOption(zmq.OptionSubscribe, "t"))
				require.NoError(t, sub2.SetOption(zmq.OptionSubscribe, "t"))
				var ep string
				if oursBinds {
					ep = gzOursBind(t, xpub, tr)
				}
				for _, s := range []zmq.Socket{sub1, sub2} {
					if oursBinds {
						gzTheirsDial(t, s, ep)
					} else {
						gzOursConnect(t, xpub, gzTheirsBind(t, s, tr))
					}
				}
				gzPeers(t, xpub, 2)
				require.Equal(t, []string{"\x01t"}, gzOursRecv(t, xpub))
				// Both "t" subscriptions were sent at connect, before this one: a second
				// "\x01t" would come first.
				require.NoError(t, sub2.SetOption(zmq.OptionSubscribe, "u"))
				require.Equal(t, []string{"\x01u"}, gzOursRecv(t, xpub))

				require.NoError(t, sub1.Close())
				gzAwaitEvent(t, mon, socket.EventDisconnected)
				require.NoError(t, sub2.SetOption(zmq.OptionSubscribe, "v"))
				require.Equal(t, []string{"\x01v"}, gzOursRecv(t, xpub), "sub2 still holds t: no \\x00t")
				for _, m := range []string{"t-1", "x", "u-1", "v-end"} {
					gzOursSend(t, xpub, m)
				}
				for _, m := range []string{"t-1", "u-1", "v-end"} {
					require.Equal(t, []string{m}, p2.recv(t))
				}

				require.NoError(t, sub2.Close())
				var got []string
				for i := 0; i < 3; i++ {
					got = append(got, strings.Join(gzOursRecv(t, xpub), "|"))
				}
				sort.Strings(got)
				require.Equal(t, []string{"\x00t", "\x00u", "\x00v"}, got)
			})

			t.Run(gzRoles("XPUB verbose", "2×SUB", tr, oursBinds, "↔")+": every \\x01t is passed on", func(t *testing.T) {
				xpub := gzOurs(t, socket.XPub, socket.Options{XPubVerbose: true})
				var ep string
				if oursBinds {
					ep = gzOursBind(t, xpub, tr)
				}
				for i := 0; i < 2; i++ {
					s := gzTheirs(t, zmq.NewSub)
					require.NoError(t, s.SetOption(zmq.OptionSubscribe, "t"))
					if oursBinds {
						gzTheirsDial(t, s, ep)
					} else {
						gzOursConnect(t, xpub, gzTheirsBind(t, s, tr))
					}
				}
				require.Equal(t, []string{"\x01t"}, gzOursRecv(t, xpub))
				require.Equal(t, []string{"\x01t"}, gzOursRecv(t, xpub))
			})
		}
	}
}
