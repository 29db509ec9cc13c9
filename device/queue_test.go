package device

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueue sends requests from many REQ clients through a queue to several REP
// workers: every reply reaches the client that asked, and every worker gets work.
func TestQueue(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		const clients, workers, requests = 8, 4, 25
		frontend := newSocket(t, socket.Router, socket.Options{})
		backend := newSocket(t, socket.Dealer, socket.Options{})
		fep := bind(t, frontend, tr)
		bep := bind(t, backend, tr)
		d, err := NewQueue(frontend, backend)
		require.NoError(t, err)
		runDevice(t, d)

		ctx, cancel := context.WithCancel(context.Background())
		var served [workers]atomic.Int64
		var wg sync.WaitGroup
		t.Cleanup(func() { cancel(); wg.Wait() })
		for w := range workers {
			rep := newSocket(t, socket.Rep, socket.Options{})
			connect(t, rep, bep)
			wg.Go(func() {
				for {
					req, err := rep.Recv(ctx)
					if err != nil {
						return
					}
					served[w].Add(1)
					reply := socket.NewMsg(append([][]byte{fmt.Appendf(nil, "worker-%d", w)}, req.Frames...)...)
					if rep.Send(ctx, reply) != nil {
						return
					}
				}
			})
		}
		// Workers that connect late would see less work; wait until all are in.
		waitPeers(t, backend, workers)

		var cw sync.WaitGroup
		for c := range clients {
			req := newSocket(t, socket.Req, socket.Options{})
			connect(t, req, fep)
			cw.Go(func() {
				for i := range requests {
					body := fmt.Sprintf("client-%d-request-%d", c, i)
					rctx := ctxT(t)
					if !assert.NoError(t, req.Send(rctx, socket.NewMsgString(body))) {
						return
					}
					m, err := req.Recv(rctx)
					if !assert.NoError(t, err) {
						return
					}
					if assert.Len(t, m.Frames, 2) {
						assert.Equal(t, body, string(m.Frames[1]), "a reply reached the wrong client")
					}
				}
			})
		}
		cw.Wait()
		total := int64(0)
		for w := range workers {
			n := served[w].Load()
			assert.Positive(t, n, "worker %d got no requests", w)
			total += n
		}
		require.Equal(t, int64(clients*requests), total)
		st := d.Stats()
		require.Equal(t, uint64(clients*requests*3), st.Frontend.MsgsIn, "routing id, delimiter, body per request")
		require.Equal(t, st.Frontend.MsgsIn, st.Backend.MsgsOut)
		require.Equal(t, uint64(clients*requests*4), st.Backend.MsgsIn, "the worker's reply adds a frame")
		require.Equal(t, st.Backend.MsgsIn, st.Frontend.MsgsOut)
	})
}

func TestTypeChecks(t *testing.T) {
	mk := func(typ socket.Type) *socket.Socket { return newSocket(t, typ, socket.Options{}) }
	cases := []struct {
		name string
		new  func() (*Device, error)
		want string
	}{
		{"queue frontend", func() (*Device, error) { return NewQueue(mk(socket.Dealer), mk(socket.Dealer)) },
			"device: queue frontend must be ROUTER, got DEALER"},
		{"queue backend", func() (*Device, error) { return NewQueue(mk(socket.Router), mk(socket.Router)) },
			"device: queue backend must be DEALER, got ROUTER"},
		{"forwarder frontend", func() (*Device, error) { return NewForwarder(mk(socket.Pull), mk(socket.XPub)) },
			"device: forwarder frontend must be XSUB or SUB, got PULL"},
		{"forwarder backend", func() (*Device, error) { return NewForwarder(mk(socket.XSub), mk(socket.Push)) },
			"device: forwarder backend must be XPUB or PUB, got PUSH"},
		{"streamer frontend", func() (*Device, error) { return NewStreamer(mk(socket.Push), mk(socket.Push)) },
			"device: streamer frontend must be PULL, got PUSH"},
		{"streamer backend", func() (*Device, error) { return NewStreamer(mk(socket.Pull), mk(socket.Pull)) },
			"device: streamer backend must be PUSH, got PULL"},
		{"control", func() (*Device, error) { return New(mk(socket.Pull), mk(socket.Push), WithControl(mk(socket.Pub))) },
			"device: proxy control must be REP or PAIR, got PUB"},
		{"nil", func() (*Device, error) { return NewQueue(nil, mk(socket.Dealer)) },
			"device: queue frontend socket is nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.new()
			require.Nil(t, d)
			require.EqualError(t, err, c.want)
			var te *TypeError
			if c.name != "nil" {
				require.True(t, errors.As(err, &te))
			}
		})
	}
	// The functions check too, before running anything.
	err := Queue(context.Background(), mk(socket.Dealer), mk(socket.Dealer))
	require.EqualError(t, err, "device: queue frontend must be ROUTER, got DEALER")
	err = Streamer(context.Background(), mk(socket.Pull), mk(socket.Pull))
	require.EqualError(t, err, "device: streamer backend must be PUSH, got PULL")
	err = Forwarder(context.Background(), mk(socket.Pull), mk(socket.Pub))
	require.EqualError(t, err, "device: forwarder frontend must be XSUB or SUB, got PULL")
}
