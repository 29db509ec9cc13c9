package pgm

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

func numMsg(i int, size int) wire.Msg {
	f := make([]byte, max(size, 4))
	f[0], f[1], f[2], f[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
	return wire.Msg{Frames: [][]byte{f, []byte("tail")}}
}

// TestNSLateJoiner: a receiver started mid-stream delivers a contiguous run
// of whole messages ending with the last one, starting at a message
// boundary, and never asks for data from before it joined.
func TestNSLateJoiner(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.3.1")
		opts := Options{Loopback: true, Rate: 40_000_000}
		s, err := NewSender(ep, opts)
		require.NoError(t, err)
		defer s.Close()
		// Messages of 3000 bytes span APDUs, so the joiner often lands
		// inside one and must skip to the next start.
		for i := 0; i < 50; i++ {
			require.NoError(t, s.Send(numMsg(i, 3000)))
		}
		r, err := NewReceiver(ep, opts)
		require.NoError(t, err)
		defer r.Close()
		time.Sleep(50 * time.Millisecond)
		for i := 50; i < 100; i++ {
			require.NoError(t, s.Send(numMsg(i, 3000)))
		}
		ctx := testCtx(t, 10*time.Second)
		m, err := r.Recv(ctx)
		require.NoError(t, err)
		first := msgNum(m)
		require.GreaterOrEqual(t, first, 50)
		for want := first + 1; want < 100; want++ {
			m, err := r.Recv(ctx)
			require.NoError(t, err)
			require.Equal(t, want, msgNum(m))
			require.Len(t, m.Frames, 2)
		}
		require.Zero(t, r.Stats().NAKs)
	})
}

// TestNSPublisherRestart: a new Sender on the same endpoint is a new TSI;
// the receiver delivers its messages from the start.
func TestNSPublisherRestart(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.3.2")
		opts := Options{Loopback: true}
		r, err := NewReceiver(ep, opts)
		require.NoError(t, err)
		defer r.Close()
		ctx := testCtx(t, 10*time.Second)
		var tsis []TSI
		for round := 0; round < 2; round++ {
			s, err := NewSender(ep, opts)
			require.NoError(t, err)
			tsis = append(tsis, s.TSI())
			for i := 0; i < 20; i++ {
				require.NoError(t, s.Send(numMsg(round*100+i, 100)))
			}
			for i := 0; i < 20; i++ {
				m, err := r.Recv(ctx)
				require.NoError(t, err)
				require.Equal(t, round*100+i, msgNum(m))
			}
			require.NoError(t, s.Close())
		}
		require.NotEqual(t, tsis[0], tsis[1])
		require.Equal(t, 2, r.Stats().Sources)
		require.Zero(t, r.Stats().Lost)
	})
}

// TestNSTwoPublishers: two sources on one group; each one's messages
// arrive whole and in order, interleaved.
func TestNSTwoPublishers(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.3.3")
		opts := Options{Loopback: true, Rate: 20_000_000}
		r, err := NewReceiver(ep, opts)
		require.NoError(t, err)
		defer r.Close()
		var wg sync.WaitGroup
		for p := 0; p < 2; p++ {
			s, err := NewSender(ep, opts)
			require.NoError(t, err)
			defer s.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 100; i++ {
					if err := s.Send(numMsg(p<<16|i, 1+i*37)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		ctx := testCtx(t, 10*time.Second)
		next := [2]int{}
		for k := 0; k < 200; k++ {
			m, err := r.Recv(ctx)
			require.NoError(t, err)
			n := msgNum(m)
			p, i := n>>16, n&0xFFFF
			require.Equal(t, next[p], i, "publisher %d", p)
			next[p]++
		}
		require.Equal(t, 2, r.Stats().Sources)
	})
}

// TestNSRate: output measured on the wire reaches Rate and stays under it. Pacing
// caps the rate, so the upper bound is tight (+20%) and no load can break it; a
// loaded machine (race detector, busy cores) can only slow the sender, so the lower
// bound is generous (half the rate): it still fails a sender paced far too slowly.
func TestNSRate(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.3.4")
		const rate = 8_000_000 // bit/s
		var bytes atomic.Int64
		var first, last atomic.Int64
		s, err := newSender(ep, Options{Rate: rate}, func(role string, pc packetConn) packetConn {
			l := newLossy(pc, 1, 0, false)
			l.onWrite = func(b []byte, _ bool) {
				now := time.Now().UnixNano()
				first.CompareAndSwap(0, now)
				last.Store(now)
				bytes.Add(int64(len(b) + ipHeader + udpHeader))
			}
			return l
		})
		require.NoError(t, err)
		defer s.Close()
		bytes.Store(0)
		first.Store(0)
		// 1.5 s worth of data at the rate, in 16 KiB messages.
		payload := make([]byte, 16<<10)
		total := 0
		for total < rate/8*3/2 {
			require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{payload}}))
			total += len(payload)
		}
		elapsed := time.Duration(last.Load() - first.Load())
		got := float64(bytes.Load()) * 8 / elapsed.Seconds()
		t.Logf("sent %d wire bytes in %v: %.2f Mbit/s (Rate %.2f Mbit/s)", bytes.Load(), elapsed, got/1e6, float64(rate)/1e6)
		require.LessOrEqual(t, got, rate*1.2, "faster than Rate")
		require.GreaterOrEqual(t, got, rate*0.5, "far slower than Rate")
	})
}

// TestNSRawPGM opens pgm:// (raw IP protocol 113) sockets; as root in the
// namespace they work, and a message goes through.
func TestNSRawPGM(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep, err := ParseEndpoint("pgm", "lo;239.192.3.5:7500")
		require.NoError(t, err)
		opts := Options{Loopback: true}
		r, err := NewReceiver(ep, opts)
		if err != nil {
			require.ErrorContains(t, err, "CAP_NET_RAW")
			t.Skip(err)
		}
		defer r.Close()
		s, err := NewSender(ep, opts)
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{[]byte("raw hello")}}))
		m, err := r.Recv(testCtx(t, 5*time.Second))
		require.NoError(t, err)
		require.Equal(t, "raw hello", string(m.Frames[0]))
	})
}

// TestNSCloseUnblocks: Close returns promptly while a Send is paced and a
// Recv waits; both return ErrClosed.
func TestNSCloseUnblocks(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.3.6")
		s, err := NewSender(ep, Options{Rate: 100_000})
		require.NoError(t, err)
		r, err := NewReceiver(ep, Options{})
		require.NoError(t, err)
		sendErr := make(chan error, 1)
		go func() { sendErr <- s.Send(wire.Msg{Frames: [][]byte{make([]byte, 64<<10)}}) }()
		recvErr := make(chan error, 1)
		go func() { _, err := r.Recv(context.Background()); recvErr <- err }()
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		require.NoError(t, s.Close())
		require.NoError(t, r.Close())
		require.Less(t, time.Since(start), time.Second)
		require.ErrorIs(t, <-sendErr, net.ErrClosed)
		require.ErrorIs(t, <-recvErr, net.ErrClosed)
		require.ErrorIs(t, s.Send(wire.Msg{Frames: [][]byte{{1}}}), net.ErrClosed)
		_, err = r.Recv(context.Background())
		require.True(t, errors.Is(err, net.ErrClosed))
	})
}
