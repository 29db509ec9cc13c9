//go:build cgo

package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
)

// goRadioToLibzmqDish sends groups a, b and c from our RADIO to a libzmq DISH bound
// to ep that joined a and c: libzmq filters b out at the DISH.
func goRadioToLibzmqDish(t *testing.T, ep string, opts socket.Options) {
	const n = 10
	dish := startNodeUDP(t, "dish", ep, fmt.Sprint(2*n), "a", "c")
	radio, err := socket.New(socket.Radio, opts)
	require.NoError(t, err)
	defer radio.Close()
	require.NoError(t, radio.Connect(ep))
	for i := range n {
		for _, g := range []string{"a", "b", "c"} {
			require.NoError(t, radio.SendGroup(recvCtx(t), g, socket.NewMsgString(fmt.Sprint(g, i))))
		}
	}
	for i := range n {
		require.Equal(t, fmt.Sprintf("a\ta%d", i), dish.next(t))
		require.Equal(t, fmt.Sprintf("c\tc%d", i), dish.next(t))
	}
}

// Our RADIO connects to a libzmq DISH bound to a unicast address.
func TestNodeRadioDishUDPGoToLibzmq(t *testing.T) {
	goRadioToLibzmqDish(t, fmt.Sprintf("udp://127.0.0.1:%d", freeUDPPort(t)), socket.Options{})
}

// A libzmq RADIO connects to our DISH, which keeps the group it joined.
func TestNodeRadioDishUDPLibzmqToGo(t *testing.T) {
	const n = 10
	dish, err := socket.New(socket.Dish, socket.Options{})
	require.NoError(t, err)
	defer dish.Close()
	require.NoError(t, dish.Bind("udp://127.0.0.1:*"))
	require.NoError(t, dish.Join("a"))
	radio := startNodeUDP(t, "radio", dish.LastEndpoint())
	for i := range n {
		radio.say(t, "b\tb%d", i)
		radio.say(t, "a\ta%d", i)
	}
	for i := range n {
		m, g, err := dish.RecvGroup(recvCtx(t))
		require.NoError(t, err)
		require.Equal(t, "a", g)
		require.Equal(t, fmt.Sprint("a", i), string(m.Frames[0]))
	}
	// Every b was sent before the last a: all reached the DISH and were filtered.
	require.Equal(t, uint64(n), dish.Stats().Drops.Filtered)

	// Leave and join again, then a group as long as libzmq 4.3.5 allows on a DISH
	// (ZMQ_GROUP_MAX_LENGTH) is filtered like any other group not joined.
	require.NoError(t, dish.Leave("a"))
	require.NoError(t, dish.Join("z"))
	radio.say(t, "a\tleft")
	radio.say(t, "%s\tlong", strings.Repeat("g", 200))
	radio.say(t, "z\tjoined")
	m, g, err := dish.RecvGroup(recvCtx(t))
	require.NoError(t, err)
	require.Equal(t, []string{"z", "joined"}, []string{g, string(m.Frames[0])})
	require.Equal(t, uint64(n+2), dish.Stats().Drops.Filtered)
}

// The same as TestNodeRadioDishUDPGoToLibzmq over multicast, inside a private
// network namespace holding only lo: libzmq's DISH joins the group on lo.
func TestNodeRadioDishUDPMulticastGoToLibzmq(t *testing.T) {
	setupNodeUDP(t) // skip before making a namespace when node is missing
	netns.Run(t, time.Minute, func(t *testing.T) {
		goRadioToLibzmqDish(t, "udp://lo;239.192.12.1:34001", socket.Options{MulticastLoop: true})
	})
}

// A libzmq RADIO sends to a multicast group our DISH joined, inside a namespace.
func TestNodeRadioDishUDPMulticastLibzmqToGo(t *testing.T) {
	setupNodeUDP(t)
	netns.Run(t, time.Minute, func(t *testing.T) {
		ep := "udp://lo;239.192.12.2:34002"
		dish, err := socket.New(socket.Dish, socket.Options{})
		require.NoError(t, err)
		defer dish.Close()
		require.NoError(t, dish.Bind(ep))
		require.NoError(t, dish.Join("m"))
		radio := startNodeUDP(t, "radio", ep)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i := range 10 {
			radio.say(t, "x\tx%d", i)
			radio.say(t, "m\tm%d", i)
		}
		for i := range 10 {
			m, g, err := dish.RecvGroup(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"m", fmt.Sprint("m", i)}, []string{g, string(m.Frames[0])})
		}
	})
}
