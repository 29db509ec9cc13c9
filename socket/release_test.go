package socket

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/brokerless/zmq/internal/raceflag"
	"github.com/stretchr/testify/require"
)

// patterned returns a body of n bytes that encodes i, so a body overwritten by a
// later message is caught.
func patterned(i, n int) []byte {
	b := bytes.Repeat([]byte{byte(i)}, n)
	binary.BigEndian.PutUint32(b, uint32(i))
	return b
}

func requirePatterned(t testing.TB, b []byte, i, n int) {
	t.Helper()
	require.Len(t, b, n, "message %d", i)
	require.Equal(t, uint32(i), binary.BigEndian.Uint32(b), "message %d", i)
	require.Equal(t, patterned(i, n), b, "message %d", i)
}

func TestReleaseLargeMessages(t *testing.T) {
	// Received messages released one by one: every later message still arrives
	// intact, whatever buffer it is read into.
	sizes := []int{64, 1000, 5000, 64 << 10, 200 << 10, 1 << 20, 2 << 20}
	run(t, func(t *testing.T, tr string) {
		pull := newSocket(t, Pull, Options{})
		push := newSocket(t, Push, Options{})
		connect(t, push, bind(t, pull, tr))
		const n = 140
		go func() {
			for i := range n {
				if push.Send(ctxT(t), NewMsg(patterned(i, sizes[i%len(sizes)]), []byte("tail"))) != nil {
					return
				}
			}
		}()
		for i := range n {
			m, err := pull.Recv(ctxT(t))
			require.NoError(t, err)
			require.Len(t, m.Frames, 2)
			requirePatterned(t, m.Frames[0], i, sizes[i%len(sizes)])
			require.Equal(t, "tail", string(m.Frames[1]))
			m.Release()
			require.Nil(t, m.Frames)
		}
	})
}

func TestReleaseOfForwardedMessage(t *testing.T) {
	// A message received over tcp and sent on to two inproc subscribers is shared by
	// both. One subscriber releasing its copy must not free the memory the other
	// still reads, even while the tcp side keeps receiving.
	for _, size := range []int{64, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) { testReleaseOfForwardedMessage(t, size) })
	}
}

func testReleaseOfForwardedMessage(t *testing.T, size int) {
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	pub := newSocket(t, Pub, Options{})
	ep := bind(t, pub, "inproc")
	sub1 := newSocket(t, Sub, Options{})
	sub2 := newSocket(t, Sub, Options{})
	for _, s := range []*Socket{sub1, sub2} {
		connect(t, s, ep)
		require.NoError(t, s.Subscribe(nil))
		publishUntil(t, pub, s, "hello")
	}
	drain(sub1)
	drain(sub2)

	const n = 2000
	go func() {
		for i := range n {
			if push.Send(ctxT(t), NewMsg(patterned(i, size))) != nil {
				return
			}
		}
	}()
	forward := func() {
		m, err := pull.Recv(ctxT(t))
		require.NoError(t, err)
		require.NoError(t, pub.Send(ctxT(t), m))
	}
	forward()
	for i := range n {
		a, err := sub1.Recv(ctxT(t))
		require.NoError(t, err)
		requirePatterned(t, a.Frames[0], i, size)
		a.Release()
		if i+1 < n {
			forward() // read into whatever memory is free now
		}
		b, err := sub2.Recv(ctxT(t))
		require.NoError(t, err)
		requirePatterned(t, b.Frames[0], i, size)
		b.Release()
	}
}

func TestRepReleaseKeepsEnvelope(t *testing.T) {
	// A REP keeps the envelope of a request for its reply. Releasing the request body
	// must not recycle memory the envelope lives in, while the reader keeps receiving.
	rep := newSocket(t, Rep, Options{})
	dealer := newSocket(t, Dealer, Options{})
	connect(t, dealer, bind(t, rep, "tcp"))
	const n = 3000
	go func() {
		for i := range n {
			id := []byte(fmt.Sprintf("id-%05d", i))
			if dealer.Send(ctxT(t), NewMsg(id, []byte{}, patterned(i, 64))) != nil {
				return
			}
		}
	}()
	for i := range n {
		m, err := rep.Recv(ctxT(t))
		require.NoError(t, err)
		requirePatterned(t, m.Frames[0], i, 64)
		m.Release()
		require.NoError(t, rep.Send(ctxT(t), NewMsgString("ok")))
		r, err := dealer.Recv(ctxT(t))
		require.NoError(t, err)
		require.Equal(t, []string{fmt.Sprintf("id-%05d", i), "", "ok"}, []string{string(r.Frames[0]), string(r.Frames[1]), string(r.Frames[2])})
		r.Release()
	}
}

func TestReleaseLeavesNoAllocationsPerMessage(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random; make test runs this without it")
	}
	// In steady state over tcp, sending a reused message and receiving and releasing it
	// allocates nothing: not in Send, not in the engine's goroutines, not in Recv.
	for _, size := range []int{64, 64 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			pull := newSocket(t, Pull, Options{})
			push := newSocket(t, Push, Options{})
			connect(t, push, bind(t, pull, "tcp"))
			m := NewMsg(make([]byte, size))
			ctx := context.Background()
			once := func() {
				if err := push.Send(ctx, m); err != nil {
					t.Fatal(err)
				}
				r, err := pull.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				r.Release()
			}
			for range 2000 { // warm up: connection, slabs, pools, queue rings
				once()
			}
			allocs := testing.AllocsPerRun(2000, once)
			require.LessOrEqual(t, allocs, 0.05, "allocations per message")
		})
	}
}

func TestReleaseFromSeveralGoroutines(t *testing.T) {
	// Several goroutines receive from one PULL and release what they get while the
	// reader keeps recycling slabs and buffers: every message arrives intact once.
	pull := newSocket(t, Pull, Options{})
	push := newSocket(t, Push, Options{})
	connect(t, push, bind(t, pull, "tcp"))
	const n, readers = 4000, 4
	sizes := []int{64, 700, 5000, 64 << 10}
	go func() {
		for i := range n {
			if push.Send(ctxT(t), NewMsg(patterned(i, sizes[i%len(sizes)]))) != nil {
				return
			}
		}
	}()
	seen := make([]atomic.Bool, n)
	var got atomic.Int64
	ctx, allIn := context.WithCancel(ctxT(t)) // ends every Recv once the last message is in
	defer allIn()
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			for {
				m, err := pull.Recv(ctx)
				if err != nil {
					if got.Load() < n {
						errs <- err
					}
					return
				}
				b := m.Frames[0]
				i := int(binary.BigEndian.Uint32(b))
				if i >= n || !bytes.Equal(b, patterned(i, sizes[i%len(sizes)])) {
					errs <- fmt.Errorf("message %d arrived corrupted", i)
					allIn()
					return
				}
				if seen[i].Swap(true) {
					errs <- fmt.Errorf("message %d arrived twice", i)
					allIn()
					return
				}
				m.Release()
				if got.Add(1) == n {
					allIn()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	require.Equal(t, int64(n), got.Load())
}
