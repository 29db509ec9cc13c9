package device

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamer pushes messages through a streamer to several pullers: each message
// arrives exactly once, and every puller gets a share.
func TestStreamer(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		const pullers, n = 3, 300
		frontend := newSocket(t, socket.Pull, socket.Options{})
		backend := newSocket(t, socket.Push, socket.Options{})
		fep := bind(t, frontend, tr)
		bep := bind(t, backend, tr)
		d, err := NewStreamer(frontend, backend)
		require.NoError(t, err)
		runDevice(t, d)

		got := make(chan [2]string, n)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		t.Cleanup(func() { cancel(); wg.Wait() })
		for i := range pullers {
			pull := newSocket(t, socket.Pull, socket.Options{})
			connect(t, pull, bep)
			wg.Go(func() {
				for {
					m, err := pull.Recv(ctx)
					if err != nil {
						return
					}
					got <- [2]string{fmt.Sprint(i), string(m.Frames[0])}
				}
			})
		}
		waitPeers(t, backend, pullers)

		push := newSocket(t, socket.Push, socket.Options{})
		connect(t, push, fep)
		for i := range n {
			send(t, push, fmt.Sprintf("msg-%d", i))
		}
		seen := map[string]bool{}
		share := map[string]int{}
		timeout := time.After(testTimeout)
		for len(seen) < n {
			select {
			case g := <-got:
				require.False(t, seen[g[1]], "%s arrived twice", g[1])
				seen[g[1]] = true
				share[g[0]]++
			case <-timeout:
				t.Fatalf("received %d of %d messages", len(seen), n)
			}
		}
		for i := range n {
			require.True(t, seen[fmt.Sprintf("msg-%d", i)])
		}
		require.Len(t, share, pullers, "every puller gets a share")
		st := d.Stats()
		require.Equal(t, SideStats{MsgsIn: n, BytesIn: st.Frontend.BytesIn}, st.Frontend)
		require.Equal(t, SideStats{MsgsOut: n, BytesOut: st.Frontend.BytesIn}, st.Backend)
	})
}

// TestCapture checks that the capture socket gets a copy of every message, both ways.
func TestCapture(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		frontend := newSocket(t, socket.Router, socket.Options{})
		backend := newSocket(t, socket.Dealer, socket.Options{})
		capture := newSocket(t, socket.Push, socket.Options{})
		tap := newSocket(t, socket.Pull, socket.Options{})
		connect(t, capture, bind(t, tap, tr))
		fep := bind(t, frontend, tr)
		bep := bind(t, backend, tr)
		d, err := NewQueue(frontend, backend, WithCapture(capture))
		require.NoError(t, err)
		runDevice(t, d)

		req := newSocket(t, socket.Req, socket.Options{RoutingID: []byte("client")})
		rep := newSocket(t, socket.Rep, socket.Options{})
		connect(t, req, fep)
		connect(t, rep, bep)
		for i := range 3 {
			send(t, req, fmt.Sprintf("request-%d", i), "more")
			require.Equal(t, []string{fmt.Sprintf("request-%d", i), "more"}, recvStrings(t, rep))
			send(t, rep, fmt.Sprintf("reply-%d", i))
			require.Equal(t, []string{fmt.Sprintf("reply-%d", i)}, recvStrings(t, req))
			require.Equal(t, []string{"client", "", fmt.Sprintf("request-%d", i), "more"}, recvStrings(t, tap))
			require.Equal(t, []string{"client", "", fmt.Sprintf("reply-%d", i)}, recvStrings(t, tap))
		}
	})
}

// TestBackpressure runs a streamer with small high-water marks into a consumer that
// does not read: the producer's Send blocks instead of anything being dropped, and
// once the consumer reads, everything arrives in order.
func TestBackpressure(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		// Kernel socket buffers hold megabytes; big messages fill them quickly.
		n, size := 50, 16
		if tr != "inproc" {
			n, size = 200, 256<<10
		}
		small := socket.Options{SendHWM: 2, RecvHWM: 2}
		producer := newSocket(t, socket.Push, small)
		frontend := newSocket(t, socket.Pull, small)
		backend := newSocket(t, socket.Push, small)
		consumer := newSocket(t, socket.Pull, small)
		connect(t, producer, bind(t, frontend, tr))
		connect(t, consumer, bind(t, backend, tr))
		d, err := NewStreamer(frontend, backend)
		require.NoError(t, err)
		runDevice(t, d)

		blocked := make(chan struct{})
		produced := make(chan error, 1)
		go func() {
			once := sync.Once{}
			for i := range n {
				body := make([]byte, size)
				binary.BigEndian.PutUint64(body, uint64(i))
				// testTimeout bounds each message, not the whole run: under -race on a
				// loaded machine, 50 MB through a device takes longer than that.
				deadline := time.Now().Add(testTimeout)
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					err := producer.Send(ctx, socket.NewMsg(body))
					cancel()
					if err == nil {
						break
					}
					if !errors.Is(err, context.DeadlineExceeded) || time.Now().After(deadline) {
						produced <- fmt.Errorf("send %d: %w", i, err)
						return
					}
					once.Do(func() { close(blocked) })
				}
			}
			produced <- nil
		}()
		select {
		case <-blocked:
		case err := <-produced:
			t.Fatalf("the producer never blocked on an idle consumer (err %v)", err)
		case <-time.After(testTimeout):
			t.Fatal("the producer neither blocked nor finished")
		}
		for i := range n {
			m, err := consumer.Recv(ctxT(t))
			require.NoError(t, err)
			require.Len(t, m.Frames[0], size)
			require.Equal(t, uint64(i), binary.BigEndian.Uint64(m.Frames[0]), "out of order or lost")
		}
		require.NoError(t, <-produced)
		requireNothing(t, consumer, 50*time.Millisecond)
		for _, s := range []*socket.Socket{producer, frontend, backend, consumer} {
			assert.Equal(t, socket.Drops{}, s.Stats().Drops, "%s dropped", s.Type())
		}
		require.Equal(t, uint64(n), d.Stats().Backend.MsgsOut)
	})
}
