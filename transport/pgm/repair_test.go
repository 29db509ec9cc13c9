package pgm

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// After a burst of loss a receiver NAKs many sqns at once, more than the
// 100 ms a control packet may borrow from the rate. Every one must still be
// repaired (paced within the rate, not dropped): an OpenPGM receiver whose
// NAK goes unanswered waits 200 ms to ask again, and the window's trail may
// pass the sqns meanwhile, turning recoverable loss into data loss.
func TestNSRepairBurstBeyondBudget(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.4.7")
		// 1 Mbit/s: 100 ms of budget is about 12 of these packets.
		s, err := NewSender(ep, Options{Rate: 1_000_000, RecoveryInterval: 5 * time.Second})
		require.NoError(t, err)
		defer s.Close()
		const n = 60
		body := bytes.Repeat([]byte("x"), 1000)
		for i := 0; i < n; i++ {
			require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{body}}))
		}
		a := attacker(t, netip.MustParseAddr("127.0.0.1"), ep.Port)
		tsi := s.TSI()
		up := Header{SPort: ep.Port, DPort: tsi.SPort, GSI: tsi.GSI}
		sqns := make([]uint32, n)
		for i := range sqns {
			sqns[i] = uint32(i)
		}
		start := time.Now()
		paced(t, a, AppendNAK(nil, &up, TypeNAK, sqns, netip.MustParseAddr("127.0.0.1"), ep.Group), 0)
		// The end of the list again while it waits its turn: ignored, as
		// already queued.
		time.Sleep(20 * time.Millisecond)
		paced(t, a, AppendNAK(nil, &up, TypeNAK, sqns[n-10:], netip.MustParseAddr("127.0.0.1"), ep.Group), 0)
		require.Eventually(t, func() bool { return s.Stats().RDATA == n }, 5*time.Second, 10*time.Millisecond,
			"stats: %+v", s.Stats())
		el := time.Since(start)
		// Paced: about n × 1050 B at 125 kB/s less the borrowed budget.
		require.Greater(t, el, 300*time.Millisecond, "repairs not paced")
		st := s.Stats()
		require.Equal(t, uint64(1), st.NCFs, "stats: %+v", st)
		require.Equal(t, uint64(10), st.NAKIgnored, "stats: %+v", st)
		time.Sleep(50 * time.Millisecond)
		require.Equal(t, uint64(n), s.Stats().RDATA)
	})
}
