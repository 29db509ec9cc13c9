package pgm

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// Two groups on one port and one interface address (two Senders sharing
// it): each Receiver gets its own group's stream only. Go binds a
// multicast address as 0.0.0.0, which used to mix the streams (and made a
// ping-pong over two such groups echo its own pongs).
func TestNSTwoGroupsOnePort(t *testing.T) {
	inNS(t, func(t *testing.T) {
		port := 30000 + portSeq.Add(1)
		ep := func(g string) Endpoint {
			e, err := ParseEndpoint("epgm", fmt.Sprintf("lo;%s:%d", g, port))
			require.NoError(t, err)
			return e
		}
		e1, e2 := ep("239.192.9.21"), ep("239.192.9.22")
		opts := Options{Loopback: true}
		r1, err := NewReceiver(e1, opts)
		require.NoError(t, err)
		defer r1.Close()
		r2, err := NewReceiver(e2, opts)
		require.NoError(t, err)
		defer r2.Close()
		s1, err := NewSender(e1, opts)
		require.NoError(t, err)
		defer s1.Close()
		s2, err := NewSender(e2, opts)
		require.NoError(t, err)
		defer s2.Close()
		ctx := testCtx(t, 5*time.Second)
		for i := 0; i < 10; i++ {
			require.NoError(t, s1.Send(wire.Msg{Frames: [][]byte{[]byte("one")}}))
			require.NoError(t, s2.Send(wire.Msg{Frames: [][]byte{[]byte("two")}}))
		}
		for i := 0; i < 10; i++ {
			m, err := r1.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, "one", string(m.Frames[0]))
			m, err = r2.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, "two", string(m.Frames[0]))
		}
		require.Equal(t, 1, r1.Stats().Sources)
		require.Equal(t, 1, r2.Stats().Sources)
	})
}
