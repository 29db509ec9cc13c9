package pgm

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// recConn is a packetConn that records what is written and reads nothing.
type recConn struct {
	mu   sync.Mutex
	pkts [][]byte
}

func (c *recConn) ReadFrom(b []byte) (int, netip.Addr, error) { select {} }
func (c *recConn) WriteTo(b []byte, dst netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pkts = append(c.pkts, append([]byte(nil), b...))
	return nil
}
func (c *recConn) SetReadDeadline(time.Time) error { return nil }
func (c *recConn) Close() error                    { return nil }

// data returns the ODATA packets written, parsed.
func (c *recConn) data(t *testing.T) []Packet {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Packet
	for _, b := range c.pkts {
		var p Packet
		require.NoError(t, Parse(b, &p))
		if p.Type == TypeODATA {
			p.Payload = append([]byte(nil), p.Payload...)
			out = append(out, p)
		}
	}
	return out
}

// offlineSender is a Sender with no socket and no goroutines: its packets go
// to a recConn. The rate is high enough never to wait.
func offlineSender(room, window int) (*Sender, *recConn) {
	c := &recConn{}
	s := &Sender{
		conn: c, room: room, framer: NewFramer(room), group: netip.MustParseAddr("239.192.1.1"),
		nla: netip.MustParseAddr("10.0.0.1"), kick: make(chan struct{}, 1), done: make(chan struct{}),
		hdr: Header{SPort: 4000, DPort: 5555, GSI: [6]byte{1, 2, 3}}, wireO: ipHeader + udpHeader,
	}
	s.win.init(window, DefaultMaxTPDU)
	s.bucket.init(1e12, DefaultMaxTPDU)
	return s, c
}

// offlineReceiver is a Receiver fed by handle, with no socket and no
// goroutine; the sender's window is wsize packets.
func offlineReceiver(wsize int, onLoss func(LossEvent)) *Receiver {
	r := &Receiver{
		opts: Options{OnLoss: onLoss, RecvQueue: 100000}.withDefaults(),
		ep:   Endpoint{Scheme: "epgm", Port: 5555}, group: netip.MustParseAddr("239.192.1.1"),
		wsize: wsize, wireO: ipHeader + udpHeader,
		msgs: make(chan wire.Msg, 100000), done: make(chan struct{}),
		sources: map[TSI]*source{}, rnd: rand.New(rand.NewPCG(9, 9)),
	}
	return r
}

// oneMsgAPDU is the APDU of a single one-frame message "m<i>" starting at
// offset 0.
func oneMsgAPDU(i int) []byte {
	f := NewFramer(1000)
	var out []byte
	_ = f.Write(wire.Msg{Frames: [][]byte{msgBody(i)}}, nil)
	_ = f.Flush(func(b []byte) error { out = append([]byte(nil), b...); return nil })
	return out
}

func msgBody(i int) []byte { return []byte{'m', byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)} }

func bodyNum(b []byte) int { return int(b[1])<<24 | int(b[2])<<16 | int(b[3])<<8 | int(b[4]) }

func recvNums(r *Receiver) (nums []int) {
	for {
		select {
		case m := <-r.msgs:
			nums = append(nums, bodyNum(m.Frames[0]))
		default:
			return nums
		}
	}
}

func seq(from, to int) (s []int) {
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// A source heard again after a gap longer than the window, sending with
// OpenPGM's trail (sqn − window once its window is full): the window slides,
// the gap is reported once, what the sender can still repair is NAKed and
// repaired, and delivery resumes.
func TestReceiverResumesAfterGapLongerThanWindow(t *testing.T) {
	const W = 100 // the sender's window
	var events []LossEvent
	r := offlineReceiver(W, func(e LossEvent) { events = append(events, e) })
	h := Header{SPort: 4000, DPort: 5555, GSI: [6]byte{1, 2, 3}}
	now := t0
	feed := func(typ uint8, sqn, trail uint32) {
		r.handle(AppendData(nil, &h, typ, sqn, trail, oneMsgAPDU(int(sqn))), netip.MustParseAddr("10.0.0.1"), now)
	}
	for q := uint32(0); q < 10; q++ {
		feed(TypeODATA, q, 0)
	}
	require.Equal(t, seq(0, 10), recvNums(r))
	// Blackout: 10 .. 499 never arrive. ODATA 500 says trail 400.
	feed(TypeODATA, 500, 400)
	require.Equal(t, []LossEvent{{Source: TSI{GSI: h.GSI, SPort: 4000}, Packets: 390}}, events)
	st := r.Stats()
	require.Equal(t, uint64(390), st.Lost)
	require.Zero(t, st.OutOfWindow)
	// 400 .. 499 are still repairable: they are NAKed (once the NLA is
	// known) and the RDATA completes the stream.
	s := r.sources[TSI{GSI: h.GSI, SPort: 4000}]
	require.Len(t, s.w.miss, 100)
	for q := uint32(400); q < 500; q++ {
		feed(TypeRDATA, q, 400)
	}
	for q := uint32(501); q < 520; q++ {
		feed(TypeODATA, q, q-W)
	}
	require.Equal(t, seq(400, 520), recvNums(r))
	require.Len(t, events, 1, "OnLoss once")
	require.True(t, s.w.idle())
}

// The same gap from a sender whose advertised trail does not cover it (a
// larger window, or trail not yet advanced): the window slides to hold the
// newest packet, reports the overflow once and resumes.
func TestRxWindowSlideWithoutTrail(t *testing.T) {
	rnd := rand.New(rand.NewPCG(6, 6))
	for _, base := range []uint32{0, 0xFFFFFF00} { // wrap-around too
		w := newRxWindow(100)
		for q := base; q != base+10; q++ {
			require.Equal(t, dataInOrder, w.onData(q, base, []byte("a"), t0, rnd))
		}
		require.Equal(t, dataHeld, w.onData(base+500, base, []byte("x"), t0, rnd))
		got, lost := popAll(w)
		require.Empty(t, got)
		require.Equal(t, uint32(391), lost, "10 .. 400 lost in one report")
		require.Equal(t, base+401, w.next)
		require.Len(t, w.miss, 99, "401 .. 499 still NAKable")
		delivered := 0
		for q := base + 401; q != base+500; q++ {
			if w.onData(q, base, []byte("r"), t0, rnd) == dataInOrder {
				delivered++
			}
			got, lost = popAll(w)
			require.Zero(t, lost)
			delivered += len(got)
		}
		require.Equal(t, 100, delivered)
		require.Zero(t, lost)
		require.True(t, w.idle())
	}
}

// Without a blackout: one hole reaching the trail of a full window. The hole
// stays repairable until the sender's trail passes it, then it alone is lost
// and everything after it delivered.
func TestReceiverHoleAtTrail(t *testing.T) {
	const W = 83 // libzmq's default window
	var events []LossEvent
	r := offlineReceiver(W, func(e LossEvent) { events = append(events, e) })
	h := Header{SPort: 4000, DPort: 5555, GSI: [6]byte{1, 2, 3}}
	trail := func(q uint32) int { return max(int(q)-W, 0) }
	feed := func(q uint32) {
		r.handle(AppendData(nil, &h, TypeODATA, q, uint32(trail(q)), oneMsgAPDU(int(q))), netip.MustParseAddr("10.0.0.1"), t0)
	}
	for q := uint32(0); q < 200; q++ {
		if q != 100 {
			feed(q)
		}
		if q == 100+W {
			// trail == 100: still repairable, nothing lost yet.
			require.Empty(t, events)
			require.Zero(t, r.Stats().OutOfWindow)
		}
	}
	require.Equal(t, []LossEvent{{Source: TSI{GSI: h.GSI, SPort: 4000}, Packets: 1}}, events)
	require.Equal(t, append(seq(0, 100), seq(101, 200)...), recvNums(r))
}

// An absurd sequence number far ahead costs bounded work: everything is
// declared lost in one step.
func TestRxWindowAbsurdJump(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	w := newRxWindow(100)
	w.onData(0, 0, []byte("a"), t0, rnd)
	far := uint32(1<<31 - 10)
	start := time.Now()
	require.Equal(t, dataHeld, w.onData(far, far-5, []byte("z"), t0, rnd))
	// A walk over each of the 2^31 numbers in between, doing any work per number,
	// takes well over a second; the one step takes microseconds, so a second is a
	// bound that a loaded machine (race detector, busy cores) does not miss.
	require.Less(t, time.Since(start), time.Second)
	_, lost := popAll(w)
	require.Equal(t, far-5-1, lost)
	require.LessOrEqual(t, len(w.miss)+len(w.pkts), 100)
	// sqn − trail of 2^31−1 or more is refused, as OpenPGM does.
	require.Equal(t, dataOutside, w.onData(far+10, far+11, []byte("y"), t0, rnd))
}
