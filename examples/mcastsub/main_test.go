package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// TestSubscribe runs the subscriber against a publisher on the loopback of a
// private network namespace.
func TestSubscribe(t *testing.T) {
	netns.Run(t, time.Minute, func(t *testing.T) {
		const ep = "epgm://lo;239.192.1.1:5555"
		opts := socket.Options{MulticastRate: 1000, MulticastLoop: true}
		pub, err := socket.New(socket.Pub, opts)
		require.NoError(t, err)
		defer pub.Close()
		require.NoError(t, pub.Bind(ep))

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		go func() { // publish until the subscriber is done (bounded by ctx)
			for ctx.Err() == nil {
				_ = pub.Send(ctx, socket.NewMsgString("10002 99 10"))
				_ = pub.Send(ctx, socket.NewMsgString("10001 70 10"))
				time.Sleep(2 * time.Millisecond)
			}
		}()
		avg, got, err := subscribe(ctx, ep, opts, "10001 ", 5, 10*time.Second, io.Discard)
		cancel()
		require.NoError(t, err)
		require.Equal(t, 5, got)
		require.Equal(t, 70, avg)
	})
}
