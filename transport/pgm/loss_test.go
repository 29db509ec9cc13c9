package pgm

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// sizedMsg returns message i: 1 to 3 frames of 1 B to 64 KiB (the first
// frame carries i when it has room).
func sizedMsg(rnd *rand.Rand, i int) wire.Msg {
	m := wire.Msg{}
	parts := 1 + rnd.IntN(3)
	for p := 0; p < parts; p++ {
		size := 1 << rnd.IntN(17)
		f := make([]byte, size)
		for j := range f {
			f[j] = byte(i*131 + p*17 + j)
		}
		if p == 0 && size >= 4 {
			f[0], f[1], f[2], f[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		}
		m.Frames = append(m.Frames, f)
	}
	return m
}

type deliveryCase struct {
	srcLoss, rxLoss float64
	receivers       int
	msgs            int
	rate            int64
}

// runDelivery sends c.msgs messages from one Sender (dropping c.srcLoss of
// its packets) to c.receivers Receivers (the first dropping c.rxLoss of
// what it reads) and checks each gets every message once, in order.
func runDelivery(t *testing.T, c deliveryCase) {
	ep := testEP(t, "239.192.2.1")
	opts := Options{Loopback: true, Rate: c.rate}
	var rxs []*Receiver
	for i := 0; i < c.receivers; i++ {
		i := i
		var hook connHook
		if i == 0 && c.rxLoss > 0 {
			hook = func(role string, pc packetConn) packetConn {
				if role == "receiver" {
					return newLossy(pc, 42, c.rxLoss, true)
				}
				return pc
			}
		}
		r, err := newReceiver(ep, opts, hook)
		require.NoError(t, err)
		defer r.Close()
		rxs = append(rxs, r)
	}
	var lossy *lossyConn
	s, err := newSender(ep, opts, func(role string, pc packetConn) packetConn {
		lossy = newLossy(pc, 7, c.srcLoss, false)
		return lossy
	})
	require.NoError(t, err)
	defer s.Close()

	rnd := rand.New(rand.NewPCG(11, 12))
	sent := []wire.Msg{{Frames: [][]byte{{'x'}}}} // a 1-byte message first
	for i := 1; i < c.msgs; i++ {
		sent = append(sent, sizedMsg(rnd, i))
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(rxs))
	for k, r := range rxs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := testCtx(t, 30*time.Second)
			for i := range sent {
				m, err := r.Recv(ctx)
				if err != nil {
					errs[k] = err
					return
				}
				if !sameMsg(sent[i], m) {
					t.Errorf("receiver %d: message %d differs", k, i)
					return
				}
			}
		}()
	}
	for _, m := range sent {
		require.NoError(t, s.Send(m))
	}
	wg.Wait()
	elapsed := time.Since(start)
	for k, err := range errs {
		require.NoError(t, err, "receiver %d", k)
	}
	// Nothing extra arrives (no duplicates).
	time.Sleep(300 * time.Millisecond)
	for k, r := range rxs {
		st := r.Stats()
		require.Equal(t, uint64(len(sent)), st.Messages, "receiver %d", k)
		require.Zero(t, st.Lost, "receiver %d", k)
		t.Logf("receiver %d: %+v", k, st)
	}
	ss := s.Stats()
	t.Logf("sender: %+v; dropped at source %d of %d; %d msgs in %v", ss, lossy.dropped.Load(),
		lossy.dropped.Load()+lossy.passed.Load(), len(sent), elapsed.Round(time.Millisecond))
	if c.srcLoss > 0 || c.rxLoss > 0 {
		require.NotZero(t, ss.RDATA)
	}
}

func sameMsg(a, b wire.Msg) bool {
	if len(a.Frames) != len(b.Frames) {
		return false
	}
	for i := range a.Frames {
		if string(a.Frames[i]) != string(b.Frames[i]) {
			return false
		}
	}
	return true
}

func TestNSDeliveryNoLoss(t *testing.T) {
	inNS(t, func(t *testing.T) {
		runDelivery(t, deliveryCase{receivers: 3, msgs: 120, rate: 40_000_000})
	})
}

func TestNSDeliveryLoss1(t *testing.T) {
	inNS(t, func(t *testing.T) {
		runDelivery(t, deliveryCase{srcLoss: 0.01, rxLoss: 0.01, receivers: 3, msgs: 120, rate: 40_000_000})
	})
}

func TestNSDeliveryLoss5(t *testing.T) {
	inNS(t, func(t *testing.T) {
		runDelivery(t, deliveryCase{srcLoss: 0.05, rxLoss: 0.05, receivers: 3, msgs: 120, rate: 40_000_000})
	})
}
