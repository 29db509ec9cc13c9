package pgm

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

func TestNSSimple(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.1.1")
		opts := Options{Loopback: true}
		r, err := NewReceiver(ep, opts)
		require.NoError(t, err)
		defer r.Close()
		s, err := NewSender(ep, opts)
		require.NoError(t, err)
		defer s.Close()
		ctx := testCtx(t, 10*time.Second)
		require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{[]byte("hello")}}))
		m, err := r.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("hello")}, m.Frames)
		rnd := rand.New(rand.NewPCG(1, 2))
		var sent []wire.Msg
		for i := 0; i < 50; i++ {
			m := testMsg(rnd, i, 20000)
			sent = append(sent, m)
			require.NoError(t, s.Send(m))
		}
		for i := range sent {
			m, err := r.Recv(ctx)
			require.NoError(t, err)
			requireSameMsg(t, sent[i], m)
		}
		t.Logf("sender %+v receiver %+v", s.Stats(), r.Stats())
	})
}
