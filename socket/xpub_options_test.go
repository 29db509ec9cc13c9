package socket

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// With XPubManual the XPUB's filter is the application's: a subscription reaches Recv
// but subscribes the peer to nothing, and Subscribe after it sets what the peer gets.
// An XSUB filters nothing itself, so what it receives is what the XPUB sent.
func TestXPubManual(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{XPubManual: true})
		ep := bind(t, xpub, tr)
		xsub := newSocket(t, XSub, Options{})
		connect(t, xsub, ep)
		send(t, xsub, "\x01a")
		require.Equal(t, []string{"\x01a"}, recvStrings(t, xpub))
		// Subscribing twice is passed up too: the application sees everything.
		send(t, xsub, "\x01a")
		require.Equal(t, []string{"\x01a"}, recvStrings(t, xpub))

		require.NoError(t, xpub.Subscribe([]byte("b")))
		send(t, xpub, "a1") // the peer asked for "a", but the application chose "b"
		send(t, xpub, "b1")
		require.Equal(t, []string{"b1"}, recvStrings(t, xsub))

		require.NoError(t, xpub.Unsubscribe([]byte("b")))
		require.NoError(t, xpub.Subscribe([]byte("c")))
		send(t, xpub, "b2")
		send(t, xpub, "c1")
		require.Equal(t, []string{"c1"}, recvStrings(t, xsub))

		// Unsubscriptions are passed up too (the XSUB forwards the second: it
		// counts its own subscriptions).
		send(t, xsub, "\x00a")
		send(t, xsub, "\x00a")
		require.Equal(t, []string{"\x00a"}, recvStrings(t, xpub))
	})
}

// Subscribe applies to the peer whose subscription Recv returned last.
func TestXPubManualLastPeer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{XPubManual: true})
		ep := bind(t, xpub, tr)
		one := newSocket(t, XSub, Options{})
		connect(t, one, ep)
		two := newSocket(t, XSub, Options{})
		connect(t, two, ep)

		send(t, one, "\x01x")
		require.Equal(t, []string{"\x01x"}, recvStrings(t, xpub))
		require.NoError(t, xpub.Subscribe([]byte("one")))
		send(t, two, "\x01y")
		require.Equal(t, []string{"\x01y"}, recvStrings(t, xpub))
		require.NoError(t, xpub.Subscribe([]byte("two")))

		send(t, xpub, "one:1")
		send(t, xpub, "two:1")
		require.Equal(t, []string{"one:1"}, recvStrings(t, one))
		require.Equal(t, []string{"two:1"}, recvStrings(t, two))
	})
}

func TestXPubSubscribeNeedsManual(t *testing.T) {
	xpub := newSocket(t, XPub, Options{})
	require.ErrorIs(t, xpub.Subscribe([]byte("a")), ErrNotSupported)
	pub := newSocket(t, Pub, Options{XPubManual: true})
	require.ErrorIs(t, pub.Subscribe([]byte("a")), ErrNotSupported)
}

// An XPUB's welcome message reaches every new subscriber, before anything published.
func TestXPubWelcomeMsg(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{XPubWelcomeMsg: []byte("WELCOME")})
		ep := bind(t, xpub, tr)
		for i := 0; i < 2; i++ {
			sub := newSocket(t, Sub, Options{})
			require.NoError(t, sub.Subscribe([]byte("WEL")))
			connect(t, sub, ep)
			require.Equal(t, []string{"WELCOME"}, recvStrings(t, sub))
		}
	})
}

// With InvertMatching on both ends, a subscriber gets what does not match its
// subscriptions.
func TestInvertMatching(t *testing.T) {
	for _, typ := range []Type{Pub, XPub} {
		t.Run(typ.String(), func(t *testing.T) {
			run(t, func(t *testing.T, tr string) {
				pub := newSocket(t, typ, Options{InvertMatching: true})
				ep := bind(t, pub, tr)
				sub := newSocket(t, Sub, Options{InvertMatching: true})
				require.NoError(t, sub.Subscribe([]byte("a")))
				connect(t, sub, ep)
				// Publish until the SUB is connected. Without inversion on the
				// publisher "b0" would never reach it: it matches no subscription.
				require.Equal(t, []string{"b0"}, publishUntil(t, pub, sub, "b0"))
				drain(sub)
				send(t, pub, "a1")
				send(t, pub, "b1")
				require.Equal(t, []string{"b1"}, recvStrings(t, sub))
			})
		})
	}
}

// A SUB with InvertMatching drops what matches its subscriptions even when its
// publisher sends everything (here an XPUB whose application subscribes the SUB to
// everything).
func TestInvertMatchingSub(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{XPubManual: true})
		ep := bind(t, xpub, tr)
		sub := newSocket(t, Sub, Options{InvertMatching: true})
		require.NoError(t, sub.Subscribe([]byte("a")))
		connect(t, sub, ep)
		require.Equal(t, []string{"\x01a"}, recvStrings(t, xpub))
		require.NoError(t, xpub.Subscribe(nil))
		send(t, xpub, "a1")
		send(t, xpub, "b1")
		require.Equal(t, []string{"b1"}, recvStrings(t, sub))
	})
}

// An inverting XPUB does not send what matches a subscriber's subscriptions: an XSUB,
// which filters nothing itself, gets only the rest.
func TestInvertMatchingPublisher(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		xpub := newSocket(t, XPub, Options{InvertMatching: true})
		ep := bind(t, xpub, tr)
		xsub := newSocket(t, XSub, Options{})
		connect(t, xsub, ep)
		send(t, xsub, "\x01a")
		// XPUB applies a subscription before it hands it to the application.
		require.Equal(t, []string{"\x01a"}, recvStrings(t, xpub))
		send(t, xpub, "a1")
		send(t, xpub, "b1")
		require.Equal(t, []string{"b1"}, recvStrings(t, xsub))
	})
}
