package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// TestPublish runs the publisher on the loopback of a private network
// namespace and checks a subscriber there hears weather updates.
func TestPublish(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		const ep = "epgm://lo;239.192.1.2:5556"
		sub, err := socket.New(socket.Sub, socket.Options{MulticastRate: 1000})
		require.NoError(t, err)
		defer sub.Close()
		require.NoError(t, sub.Subscribe(nil))
		require.NoError(t, sub.Connect(ep))

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- publish(ctx, ep, socket.Options{MulticastRate: 1000, MulticastLoop: true}, 0, time.Millisecond)
		}()
		for i := 0; i < 20; i++ {
			m, err := sub.Recv(ctx)
			require.NoError(t, err)
			f := strings.Fields(string(m.Frames[0]))
			require.Len(t, f, 3, "%q", m.Frames[0])
			require.True(t, strings.HasPrefix(f[0], "100"), "%q", m.Frames[0])
		}
		cancel()
		require.NoError(t, <-done)
	})
}
