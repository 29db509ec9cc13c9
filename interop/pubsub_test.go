//go:build cgo

package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// bindConnect binds one of a and b and connects the other, as oursBind says (ours is
// a), and returns the endpoint.
func bindConnect(t testing.TB, ours, theirs peer, oursBind bool, tr string) string {
	t.Helper()
	if oursBind {
		ep := ours.Bind(t, tr)
		theirs.Connect(t, ep)
		return ep
	}
	ep := theirs.Bind(t, tr)
	ours.Connect(t, ep)
	return ep
}

func sideName(ours, theirs string, oursBind bool, tr string) string {
	if oursBind {
		return fmt.Sprintf("%s connects to %s bound on %s", theirs, ours, tr)
	}
	return fmt.Sprintf("%s connects to %s bound on %s", ours, theirs, tr)
}

// slowJoin bounds how long a subscription may take to reach a publisher: generous,
// since connecting and subscribing took over 5 s under -race with both cores busy.
const slowJoin = 4 * wait

// publishUntil publishes msg (frames) in a loop until sub receives a message, and
// returns it. Every message sub receives on the way must start with prefix.
func publishUntil(t testing.TB, pub, sub peer, prefix string, frames ...string) [][]byte {
	t.Helper()
	deadline := time.Now().Add(slowJoin)
	for time.Now().Before(deadline) {
		pub.Send(t, frames...)
		if m, ok := sub.TryRecv(t, 5*time.Millisecond); ok {
			require.True(t, hasPrefix(m, prefix), "%v received %q", sub, m)
			return m
		}
	}
	t.Fatalf("%v received nothing from %v within %v", sub, pub, slowJoin)
	return nil
}

// TestSubscriptionCommandsFromLibzmq: libzmq 4.3.4's SUB speaks ZMTP 3.1 and sends
// SUBSCRIBE and CANCEL as commands. Our PUB and XPUB must filter by them, and stop
// sending a topic once it is cancelled. The filter is checked on our side through
// Stats().Drops.NoPeers, because libzmq's SUB would hide a missing filter by filtering
// locally.
func TestSubscriptionCommandsFromLibzmq(t *testing.T) {
	for _, typ := range []socket.Type{socket.Pub, socket.XPub} {
		for _, tr := range transports {
			for _, oursBind := range []bool{true, false} {
				t.Run(sideName("our "+typ.String(), "libzmq SUB", oursBind, tr), func(t *testing.T) {
					t.Parallel()
					pub := newOurs(t, typ, socket.Options{})
					sub := newLZ(t, socket.Sub)
					sub.Subscribe(t, "A")
					sub.Subscribe(t, "C")
					bindConnect(t, pub, sub, oursBind, tr)
					if typ == socket.XPub {
						want(t, pub, recvPumping(t, pub, sub), "\x01A")
						want(t, pub, recvPumping(t, pub, sub), "\x01C")
					}
					publishUntil(t, pub, sub, "A", "A first")

					noPeers := func() uint64 { return pub.s.Stats().Drops.NoPeers }
					n := noPeers()
					pub.Send(t, "B unsubscribed")
					require.Equal(t, n+1, noPeers(), "our %v sent a \"B\" message nobody subscribed to", typ)

					sub.Unsubscribe(t, "A")
					if typ == socket.XPub {
						want(t, pub, recvPumpingIgnoring(t, pub, sub, []string{"A first"}), "\x00A")
					}
					// Publish "A" until our side drops it for want of subscribers: then the
					// CANCEL has been applied.
					deadline := time.Now().Add(wait)
					for {
						require.True(t, time.Now().Before(deadline), "our %v kept sending \"A\" after libzmq's CANCEL", typ)
						n := noPeers()
						pub.Send(t, "A before cancel")
						if noPeers() == n+1 {
							break
						}
						if m, ok := sub.TryRecv(t, time.Millisecond); ok {
							require.Equal(t, "A before cancel", string(m[0]))
						}
					}
					pub.Send(t, "A after cancel")
					pub.Send(t, "C marker")
					for {
						m := sub.Recv(t)
						require.NotEqual(t, "A after cancel", string(m[0]))
						if string(m[0]) == "C marker" {
							break
						}
					}
				})
			}
		}
	}
}

// TestSubscriptionsToLibzmqXPub: our SUB and XSUB subscribe and cancel toward a
// libzmq XPUB, which hands them to its application: "\x01A", then "\x00A". Our SUB
// counts subscriptions: "A" twice needs two cancels, and only the last one is sent.
// A verbose libzmq XPUB shows that each Subscribe is forwarded, repeats included.
func TestSubscriptionsToLibzmqXPub(t *testing.T) {
	for _, typ := range []socket.Type{socket.Sub, socket.XSub} {
		for _, verbose := range []bool{false, true} {
			for _, tr := range transports {
				name := fmt.Sprintf("our %v connects to libzmq XPUB bound on %s", typ, tr)
				if verbose {
					name = fmt.Sprintf("our %v connects to libzmq verbose XPUB bound on %s", typ, tr)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					xpub := newLZ(t, socket.XPub, func(s *zmq.Socket) error {
						if verbose {
							return s.SetXpubVerbose(1)
						}
						return nil
					})
					sub := newOurs(t, typ, socket.Options{})
					sub.Connect(t, xpub.Bind(t, tr))
					sub.Subscribe(t, "A")
					want(t, xpub, xpub.Recv(t), "\x01A")
					sub.Subscribe(t, "A")
					sub.Subscribe(t, "M1")
					if verbose {
						want(t, xpub, xpub.Recv(t), "\x01A")
					}
					want(t, xpub, xpub.Recv(t), "\x01M1")

					// The data path works both ways through the filter.
					publishUntil(t, xpub, sub, "A", "A data")

					sub.Unsubscribe(t, "A") // one "A" left: nothing goes upstream
					sub.Subscribe(t, "M2")
					want(t, xpub, xpub.Recv(t), "\x01M2")
					sub.Unsubscribe(t, "A") // the last one: CANCEL
					want(t, xpub, xpub.Recv(t), "\x00A")
				})
			}
		}
	}
}

// TestOurXPubSeesLibzmqSubscriptions: two libzmq SUBs subscribe to the same topic on
// our XPUB. Without XPubVerbose our XPUB reports the topic once, with it twice; a
// cancel is reported only when the last subscriber drops the topic. Per-connection
// order is kept, so a marker topic subscribed after "topic" proves the earlier
// messages were processed.
func TestOurXPubSeesLibzmqSubscriptions(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		for _, tr := range transports {
			name := fmt.Sprintf("two libzmq SUBs connect to our XPUB bound on %s", tr)
			if verbose {
				name = fmt.Sprintf("two libzmq SUBs connect to our verbose XPUB bound on %s", tr)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				xpub := newOurs(t, socket.XPub, socket.Options{XPubVerbose: verbose})
				ep := xpub.Bind(t, tr)
				subs := []*lz{newLZ(t, socket.Sub), newLZ(t, socket.Sub)}
				for i, s := range subs {
					s.Connect(t, ep)
					s.Subscribe(t, "topic")
					s.Subscribe(t, fmt.Sprint("marker", i))
				}
				// Collect until both markers are in.
				counts := map[string]int{}
				for counts["\x01marker0"] == 0 || counts["\x01marker1"] == 0 {
					counts[string(xpub.Recv(t)[0])]++
				}
				wantTopic := 1
				if verbose {
					wantTopic = 2
				}
				require.Equal(t, wantTopic, counts["\x01topic"], "subscriptions reported: %q", counts)

				subs[0].Unsubscribe(t, "topic")
				subs[0].Subscribe(t, "marker2")
				want(t, xpub, xpub.Recv(t), "\x01marker2") // no cancel: subs[1] still holds "topic"
				subs[1].Unsubscribe(t, "topic")
				want(t, xpub, xpub.Recv(t), "\x00topic")
			})
		}
	}
}

// TestResubscribeAfterOurPublisherRestarts: a libzmq SUB connected to our PUB (or
// XPUB) keeps its subscription when we close the publisher and bind a new one on the
// same endpoint: it reconnects, resubscribes and gets messages again.
func TestResubscribeAfterOurPublisherRestarts(t *testing.T) {
	for _, typ := range []socket.Type{socket.Pub, socket.XPub} {
		for _, tr := range transports {
			t.Run(fmt.Sprintf("our %v restarts on %s under a libzmq SUB", typ, tr), func(t *testing.T) {
				t.Parallel()
				pub := newOurs(t, typ, socket.Options{})
				ep := pub.Bind(t, tr)
				sub := newLZ(t, socket.Sub)
				sub.Connect(t, ep)
				sub.Subscribe(t, "A")
				if typ == socket.XPub {
					want(t, pub, pub.Recv(t), "\x01A")
				}
				publishUntil(t, pub, sub, "A", "A one")
				require.NoError(t, pub.s.Close())

				pub2 := newOurs(t, typ, socket.Options{})
				require.NoError(t, pub2.s.Bind(ep), "rebinding %s", ep)
				if typ == socket.XPub {
					want(t, pub2, recvPumpingIgnoring(t, pub2, sub, []string{"A one"}), "\x01A")
				}
				// Messages of the first publisher may still be in the SUB's queue.
				deadline := time.Now().Add(wait)
				for {
					require.True(t, time.Now().Before(deadline), "libzmq SUB got nothing from the new publisher")
					m := publishUntil(t, pub2, sub, "A", "A two")
					if string(m[0]) == "A two" {
						break
					}
				}
			})
		}
	}
}

// TestResubscribeAfterLibzmqPublisherRestarts: our SUB connected to a libzmq PUB
// reconnects after the PUB is closed and a new publisher binds the same endpoint,
// sends its subscription again, and gets messages again. The new publisher is a
// libzmq XPUB, so the resubscription itself is visible.
func TestResubscribeAfterLibzmqPublisherRestarts(t *testing.T) {
	for _, typ := range []socket.Type{socket.Sub, socket.XSub} {
		for _, tr := range transports {
			t.Run(fmt.Sprintf("libzmq PUB restarts on %s under our %v", tr, typ), func(t *testing.T) {
				t.Parallel()
				pub := newLZ(t, socket.Pub)
				ep := pub.Bind(t, tr)
				sub := newOurs(t, typ, socket.Options{})
				sub.Subscribe(t, "A")
				sub.Connect(t, ep)
				publishUntil(t, pub, sub, "A", "A one")
				require.NoError(t, pub.s.Close())
				sub.waitEvent(t, socket.EventDisconnected)

				pub2 := newLZ(t, socket.XPub)
				require.NoError(t, pub2.s.Bind(ep), "rebinding %s", ep)
				want(t, pub2, pub2.Recv(t), "\x01A") // the resubscription
				deadline := time.Now().Add(wait)
				for {
					require.True(t, time.Now().Before(deadline), "our SUB got nothing from the new publisher")
					m := publishUntil(t, pub2, sub, "A", "A two")
					if string(m[0]) == "A two" {
						break
					}
				}
			})
		}
	}
}
