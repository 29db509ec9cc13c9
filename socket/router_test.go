package socket

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRouterDealerRouting(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		ep := bind(t, router, tr)
		named := newSocket(t, Dealer, Options{RoutingID: []byte("named")})
		anon := newSocket(t, Dealer, Options{})
		connect(t, named, ep)
		connect(t, anon, ep)

		send(t, named, "from-named")
		send(t, anon, "from-anon")
		ids := map[string][]byte{}
		for i := 0; i < 2; i++ {
			m, err := router.Recv(ctxT(t))
			require.NoError(t, err)
			require.Len(t, m.Frames, 2)
			ids[string(m.Frames[1])] = m.Frames[0]
		}
		require.Equal(t, []byte("named"), ids["from-named"])
		gen := ids["from-anon"]
		require.Len(t, gen, 5, "generated ids are 0x00 + a 32-bit counter")
		require.Equal(t, byte(0), gen[0])

		require.NoError(t, router.Send(ctxT(t), NewMsg(gen, []byte("to-anon"))))
		require.NoError(t, router.Send(ctxT(t), NewMsg([]byte("named"), []byte("to-named"), []byte(""))))
		require.Equal(t, []string{"to-anon"}, recvStrings(t, anon))
		require.Equal(t, []string{"to-named", ""}, recvStrings(t, named))
	})
}

func TestRouterUnroutable(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		bind(t, router, tr)
		require.NoError(t, router.Send(ctxT(t), NewMsgString("nobody", "x")))
		require.Equal(t, uint64(1), router.Stats().Drops.Unroutable)

		mandatory := newSocket(t, Router, Options{RouterMandatory: true})
		bind(t, mandatory, tr)
		err := mandatory.Send(context.Background(), NewMsgString("nobody", "x"))
		require.ErrorIs(t, err, ErrHostUnreachable)
	})
}

func TestRouterMandatoryVanishedPeer(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{RouterMandatory: true})
		ep := bind(t, router, tr)
		dealer, err := New(Dealer, Options{RoutingID: []byte("gone")})
		require.NoError(t, err)
		connect(t, dealer, ep)
		send(t, dealer, "hi")
		recvStrings(t, router)
		require.NoError(t, dealer.Close())
		// Once the peer's departure is noticed, sends to it fail.
		require.Eventually(t, func() bool {
			return router.Send(context.Background(), NewMsgString("gone", "x")) != nil
		}, 10e9, 1e6)
		require.ErrorIs(t, router.Send(context.Background(), NewMsgString("gone", "x")), ErrHostUnreachable)
	})
}

func TestRouterRouter(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		a := newSocket(t, Router, Options{RoutingID: []byte("A")})
		ep := bind(t, a, tr)
		b := newSocket(t, Router, Options{RoutingID: []byte("B")})
		connect(t, b, ep)
		// The connecting ROUTER learns A's id from the handshake; until then a ROUTER
		// drops messages for unknown ids, so retry until one arrives.
		var got []string
		require.Eventually(t, func() bool {
			require.NoError(t, b.Send(context.Background(), NewMsgString("A", "hello")))
			ctx, cancel := context.WithTimeout(context.Background(), 5e6)
			defer cancel()
			m, err := a.Recv(ctx)
			if err != nil {
				return false
			}
			got = []string{string(m.Frames[0]), string(m.Frames[1])}
			return true
		}, 10e9, 1e6)
		require.Equal(t, []string{"B", "hello"}, got)
		send(t, a, "B", "back")
		require.Equal(t, []string{"A", "back"}, recvStrings(t, b))
	})
}
