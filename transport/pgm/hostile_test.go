package pgm

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// attacker returns a UDP socket in the namespace sending to addr:port.
func attacker(t *testing.T, dst netip.Addr, port uint16) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, port)))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// paced writes without overrunning the receiver's socket buffer.
func paced(t *testing.T, c *net.UDPConn, b []byte, i int) {
	_, err := c.Write(b)
	require.NoError(t, err)
	if i%64 == 63 {
		time.Sleep(time.Millisecond)
	}
}

func TestNSHostileToReceiver(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.4.1")
		opts := Options{Loopback: true, MaxMsgSize: 1 << 20}
		r, err := NewReceiver(ep, opts)
		require.NoError(t, err)
		defer r.Close()
		a := attacker(t, ep.Group, ep.Port)
		h := Header{SPort: 999, DPort: ep.Port, GSI: [6]byte{6, 6, 6}}
		good := AppendData(nil, &h, TypeODATA, 0, 0, hello)
		n := 0
		// Bad checksums, truncations, lying lengths, garbage.
		for i := 0; i < len(good); i++ {
			b := append([]byte(nil), good...)
			b[i] ^= 0x5A
			paced(t, a, b, n)
			n++
			paced(t, a, good[:i], n)
			n++
		}
		b := append([]byte(nil), good...)
		b[15]++
		seal(b)
		paced(t, a, b, n)
		paced(t, a, make([]byte, 1400), n)
		paced(t, a, make([]byte, 9000), n) // larger than MaxTPDU
		invalid := uint64(2*len(good) + 1)
		require.Eventually(t, func() bool { return r.Stats().Invalid >= invalid }, 5*time.Second, 10*time.Millisecond)
		require.Zero(t, r.Stats().Sources, "no bad packet creates state")

		// Forged TSIs: many sources, bounded.
		for i := 0; i < 500; i++ {
			fh := Header{SPort: uint16(i + 1), DPort: ep.Port, GSI: [6]byte{byte(i), byte(i >> 8), 1}}
			paced(t, a, AppendData(nil, &fh, TypeODATA, uint32(i*7919), uint32(i*7919), hello), i)
		}
		require.Eventually(t, func() bool { return r.Stats().Evicted >= 500-maxSources }, 5*time.Second, 10*time.Millisecond)
		require.LessOrEqual(t, r.Stats().Sources, maxSources)

		// Absurd sequence numbers for one source: 2^31 or more after the
		// trail is invalid; far ahead of the window slides it (the skipped
		// sqns are lost) without unbounded work; behind it is a duplicate.
		ah := Header{SPort: 4242, DPort: ep.Port, GSI: [6]byte{4, 2}}
		paced(t, a, AppendData(nil, &ah, TypeODATA, 100, 100, hello), 0)
		for i, q := range []uint32{100 + 1<<20, 0x80000000, 0xFFFFFF00, 99, 50} {
			paced(t, a, AppendData(nil, &ah, TypeODATA, q, 0, hello), i)
		}
		size := uint64(Options{}.withDefaults().windowPackets(1 << 16))
		require.Eventually(t, func() bool {
			st := r.Stats()
			return st.Invalid >= invalid+2 && st.Duplicates >= 2 && st.Lost >= 1<<20-size-1 // 101 .. the window ending at 100+2^20
		}, 5*time.Second, 10*time.Millisecond)
		require.Zero(t, r.Stats().OutOfWindow)
		paced(t, a, AppendSPM(nil, &ah, 1, 0x7FFFFFFF, 0x7FFFFFFF+5, netip.MustParseAddr("127.0.0.1"), false), 0)
		require.Eventually(t, func() bool { return r.Stats().Lost >= 0x7FFFFFFF-101 }, 5*time.Second, 10*time.Millisecond)

		// A frame length beyond MaxMsgSize resynchronises, no allocation.
		bh := Header{SPort: 4343, DPort: ep.Port, GSI: [6]byte{4, 3}}
		paced(t, a, AppendData(nil, &bh, TypeODATA, 0, 0, unhex("0000 ff 7fffffffffffffff 00 41")), 0)
		require.Eventually(t, func() bool { return r.Stats().Resets >= 1 }, 5*time.Second, 10*time.Millisecond)

		// Through all of it, a real sender still gets through.
		s, err := NewSender(ep, opts)
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{[]byte("still here")}}))
		ctx := testCtx(t, 5*time.Second)
		for {
			m, err := r.Recv(ctx)
			require.NoError(t, err)
			if string(m.Frames[0]) == "still here" {
				break
			}
			// The forged sources' "hello" APDUs decode to messages: fine.
			require.Equal(t, "hello", string(m.Frames[0]))
		}
		t.Logf("receiver: %+v", r.Stats())
	})
}

func TestNSHostileToSender(t *testing.T) {
	inNS(t, func(t *testing.T) {
		ep := testEP(t, "239.192.4.2")
		s, err := NewSender(ep, Options{})
		require.NoError(t, err)
		defer s.Close()
		for i := 0; i < 5; i++ {
			require.NoError(t, s.Send(wire.Msg{Frames: [][]byte{[]byte(fmt.Sprint(i))}}))
		}
		a := attacker(t, netip.MustParseAddr("127.0.0.1"), ep.Port)
		tsi := s.TSI()
		up := Header{SPort: ep.Port, DPort: tsi.SPort, GSI: tsi.GSI}
		nla := netip.MustParseAddr("127.0.0.1")

		// NAKs for data never sent (or with the wrong NLAs, or another
		// TSI): no RDATA.
		for i := 0; i < 200; i++ {
			paced(t, a, AppendNAK(nil, &up, TypeNAK, []uint32{uint32(5 + i), 0x80000000}, nla, ep.Group), i)
		}
		paced(t, a, AppendNAK(nil, &up, TypeNAK, []uint32{1}, netip.MustParseAddr("127.0.0.9"), ep.Group), 0)
		paced(t, a, AppendNAK(nil, &up, TypeNAK, []uint32{1}, nla, netip.MustParseAddr("239.1.1.1")), 0)
		other := up
		other.GSI[0]++
		paced(t, a, AppendNAK(nil, &other, TypeNAK, []uint32{1}, nla, ep.Group), 0)
		require.Eventually(t, func() bool { st := s.Stats(); return st.NAKIgnored >= 400 && st.Invalid >= 3 },
			5*time.Second, 10*time.Millisecond)
		require.Zero(t, s.Stats().RDATA)

		// A flood of NAKs for one valid sqn: RDATA bounded by repairMinGap.
		start := time.Now()
		for i := 0; i < 2000; i++ {
			paced(t, a, AppendNAK(nil, &up, TypeNAK, []uint32{2}, nla, ep.Group), i)
		}
		time.Sleep(50 * time.Millisecond)
		el := time.Since(start)
		require.LessOrEqual(t, s.Stats().RDATA, uint64(el/repairMinGap)+2)
		require.LessOrEqual(t, s.Stats().NCFs, uint64(el/repairMinGap)+2)

		// An SPMR flood: SPMs bounded by spmrMinGap.
		spms := s.Stats().SPMs
		start = time.Now()
		for i := 0; i < 2000; i++ {
			paced(t, a, AppendSPMR(nil, &up), i)
		}
		time.Sleep(50 * time.Millisecond)
		el = time.Since(start)
		require.Eventually(t, func() bool { return s.Stats().SPMRs >= 1000 }, 5*time.Second, 10*time.Millisecond)
		// + heartbeat SPMs (at most one per 100 ms).
		require.LessOrEqual(t, s.Stats().SPMs-spms, uint64(el/spmrMinGap)+uint64(el/(100*time.Millisecond))+3)
		t.Logf("sender: %+v over %v", s.Stats(), el)
	})
}
