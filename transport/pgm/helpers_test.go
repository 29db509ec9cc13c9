package pgm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/wire"
)

// inNS runs body in a private network namespace (lo only, multicast routed
// through it). Nothing multicast ever runs outside one.
func inNS(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	netns.Run(t, 90*time.Second, body)
}

var portSeq atomic.Uint32

// testEP returns an epgm endpoint on lo with a fresh port.
func testEP(t *testing.T, group string) Endpoint {
	t.Helper()
	port := 30000 + portSeq.Add(1)
	ep, err := ParseEndpoint("epgm", fmt.Sprintf("lo;%s:%d", group, port))
	require.NoError(t, err)
	return ep
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// lossyConn drops packets with a deterministic RNG.
type lossyConn struct {
	packetConn
	mu      sync.Mutex
	rnd     *rand.Rand
	pDrop   float64
	dropped atomic.Uint64
	passed  atomic.Uint64
	// onWrite, if set, sees every written packet (after the drop decision).
	onWrite func(b []byte, dropped bool)
	inbound bool
}

func newLossy(c packetConn, seed uint64, p float64, inbound bool) *lossyConn {
	return &lossyConn{packetConn: c, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), pDrop: p, inbound: inbound}
}

func (l *lossyConn) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rnd.Float64() < l.pDrop
}

func (l *lossyConn) WriteTo(b []byte, dst netip.Addr) error {
	if !l.inbound && l.drop() {
		l.dropped.Add(1)
		if l.onWrite != nil {
			l.onWrite(b, true)
		}
		return nil
	}
	l.passed.Add(1)
	if l.onWrite != nil {
		l.onWrite(b, false)
	}
	return l.packetConn.WriteTo(b, dst)
}

func (l *lossyConn) ReadFrom(b []byte) (int, netip.Addr, error) {
	for {
		n, a, err := l.packetConn.ReadFrom(b)
		if err != nil || !l.inbound || !l.drop() {
			return n, a, err
		}
		l.dropped.Add(1)
	}
}

// testMsg builds a deterministic multipart message numbered i.
func testMsg(rnd *rand.Rand, i int, maxSize int) wire.Msg {
	parts := 1 + rnd.IntN(3)
	m := wire.Msg{}
	for p := 0; p < parts; p++ {
		size := 1 + rnd.IntN(maxSize)
		if p == 0 {
			size = max(size, 8)
		}
		f := make([]byte, size)
		for j := range f {
			f[j] = byte(i*31 + p*7 + j)
		}
		if p == 0 {
			f[0], f[1], f[2], f[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		}
		m.Frames = append(m.Frames, f)
	}
	return m
}

func msgNum(m wire.Msg) int {
	f := m.Frames[0]
	return int(f[0])<<24 | int(f[1])<<16 | int(f[2])<<8 | int(f[3])
}

func requireSameMsg(t *testing.T, want, got wire.Msg) {
	t.Helper()
	require.Equal(t, len(want.Frames), len(got.Frames), "frame count of message %d", msgNum(want))
	for i := range want.Frames {
		require.Equal(t, want.Frames[i], got.Frames[i], "frame %d of message %d", i, msgNum(want))
	}
}
