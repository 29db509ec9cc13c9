package device

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// BenchmarkProxyThroughput follows libzmq's perf/proxy_thr: publishers → XSUB/XPUB
// proxy → one subscriber, all inproc, with blocking (no-drop) publishers so every
// message is counted. One op is one message delivered to the subscriber.
func BenchmarkProxyThroughput(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprintf("pubs=2/size=%d", size), func(b *testing.B) { benchProxyThroughput(b, 2, size) })
	}
}

func benchProxyThroughput(b *testing.B, publishers, size int) {
	ctx := context.Background()
	noDrop := socket.Options{WhenFull: socket.PolicyBlock, Linger: -1}
	frontend := newSocket(b, socket.XSub, noDrop)
	backend := newSocket(b, socket.XPub, noDrop)
	fep := bind(b, frontend, "inproc")
	bep := bind(b, backend, "inproc")
	pubs := make([]*socket.Socket, publishers)
	for i := range pubs {
		pubs[i] = newSocket(b, socket.Pub, noDrop)
		connect(b, pubs[i], fep)
	}
	d, err := NewForwarder(frontend, backend)
	require.NoError(b, err)
	stop := runDevice(b, d)
	sub := newSocket(b, socket.Sub, socket.Options{Linger: -1})
	connect(b, sub, bep)
	require.NoError(b, sub.Subscribe(nil))
	// Every publisher must see the subscription before the clock starts.
	for _, p := range pubs {
		publishUntil(b, p, sub, "warm")
	}
	for {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		_, err := sub.Recv(rctx)
		cancel()
		if err != nil {
			break
		}
	}

	body := make([]byte, size)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / publishers
	for i, p := range pubs {
		n := per
		if i == 0 {
			n += b.N % publishers
		}
		wg.Go(func() {
			for range n {
				if err := p.Send(ctx, socket.NewMsg(body)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	rctx := ctxT(b)
	for range b.N {
		if _, err := sub.Recv(rctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	stop()
}

// BenchmarkQueueRoundTrip measures REQ → queue → REP and back over tcp on loopback.
// One op is one round trip.
func BenchmarkQueueRoundTrip(b *testing.B) {
	ctx := context.Background()
	frontend := newSocket(b, socket.Router, socket.Options{})
	backend := newSocket(b, socket.Dealer, socket.Options{})
	fep := bind(b, frontend, "tcp")
	bep := bind(b, backend, "tcp")
	d, err := NewQueue(frontend, backend)
	require.NoError(b, err)
	stop := runDevice(b, d)

	rep := newSocket(b, socket.Rep, socket.Options{})
	connect(b, rep, bep)
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			m, err := rep.Recv(wctx)
			if err != nil {
				return
			}
			if rep.Send(wctx, m) != nil {
				return
			}
		}
	})
	req := newSocket(b, socket.Req, socket.Options{})
	connect(b, req, fep)
	body := make([]byte, 64)
	rctx := ctxT(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := req.Send(ctx, socket.NewMsg(body)); err != nil {
			b.Fatal(err)
		}
		if _, err := req.Recv(rctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	stop()
}
