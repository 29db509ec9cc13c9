package pgm

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/wire"
)

// ErrClosed is returned by the methods of a closed Sender or Receiver. It
// matches net.ErrClosed.
var ErrClosed = fmt.Errorf("pgm: %w", net.ErrClosed)

// SenderStats counts a Sender's activity.
type SenderStats struct {
	ODATA      uint64 // data packets sent
	RDATA      uint64 // repairs sent
	SPMs       uint64 // SPMs sent
	NCFs       uint64 // NCFs sent
	NAKs       uint64 // valid NAKs received
	NAKIgnored uint64 // NAKs for sequence numbers outside the window, or suppressed
	SPMRs      uint64 // SPMRs received
	Invalid    uint64 // packets dropped as malformed or not ours
	Throttled  uint64 // SPMs and NCFs not sent for lack of rate budget
	WireBytes  uint64 // bytes sent, IP and UDP headers included
}

type senderStats struct {
	odata, rdata, spms, ncfs, naks, nakIgnored, spmrs, invalid, throttled, wireBytes atomic.Uint64
}

// Sender is one PGM source (one TSI) sending messages to a group.
//
// Send may be called from several goroutines; messages are sent whole and
// one at a time, in the order the calls take the send lock.
type Sender struct {
	ep    Endpoint
	opts  Options
	conn  packetConn
	hdr   Header
	nla   netip.Addr
	group netip.Addr
	room  int
	wireO int // IP (+UDP) header bytes per packet

	sendMu sync.Mutex // serialises Send; guards framer
	framer *Framer

	mu       sync.Mutex // guards the fields below and conn writes
	win      txWindow
	bucket   bucket
	spmSqn   uint32
	hbIdx    int
	nextSPM  time.Time // next heartbeat or ambient SPM
	lastSPM  time.Time
	spmrSPM  time.Time // an SPM owed to an SPMR that came too soon after the last one
	dataSPM  bool      // data sent since the last SPM
	scratch  []byte
	finished bool
	repairQ  []uint32            // sqns NAKed (and NCFed), awaiting RDATA, oldest first
	queued   map[uint32]struct{} // the sqns in repairQ

	kick       chan struct{}
	repairKick chan struct{}
	done       chan struct{}
	closeOnce  sync.Once
	wg         sync.WaitGroup
	stats      senderStats
}

// NewSender opens a PGM source on ep: it binds the endpoint port on the
// interface's address (to hear NAKs and SPMRs), sends an SPM and starts three
// goroutines (NAK/SPMR reader, SPM timer, repairs) that Close waits for.
func NewSender(ep Endpoint, opts Options) (*Sender, error) {
	return newSender(ep, opts, nil)
}

func newSender(ep Endpoint, opts Options, hook connHook) (*Sender, error) {
	opts = opts.withDefaults()
	ifc, local, err := resolveInterface(ep.Interface)
	if err != nil {
		return nil, err
	}
	room := APDURoom(ep.Scheme, opts.MaxTPDU)
	if room < 3 {
		return nil, fmt.Errorf("pgm: MaxTPDU %d too small", opts.MaxTPDU)
	}
	conn, err := openConn(ep, local, ep.Port, sockSetup{ifc: ifc, local: local, group: ep.Group, hops: opts.Hops, loopback: opts.Loopback})
	if err != nil {
		return nil, err
	}
	if hook != nil {
		conn = hook("sender", conn)
	}
	s := &Sender{
		ep: ep, opts: opts, conn: conn, nla: local, group: ep.Group, room: room,
		framer:     NewFramer(room),
		kick:       make(chan struct{}, 1),
		repairKick: make(chan struct{}, 1),
		queued:     make(map[uint32]struct{}),
		done:       make(chan struct{}),
		scratch:    make([]byte, 0, opts.MaxTPDU),
	}
	s.wireO = ipHeader
	if ep.Scheme == "epgm" {
		s.wireO += udpHeader
	}
	var rnd [8]byte
	_, _ = crand.Read(rnd[:])
	copy(s.hdr.GSI[:], rnd[:6])
	s.hdr.SPort = binary.BigEndian.Uint16(rnd[6:])
	for s.hdr.SPort == ep.Port || s.hdr.SPort == 0 {
		s.hdr.SPort++
	}
	s.hdr.DPort = ep.Port
	s.win.init(opts.windowPackets(1<<20), opts.MaxTPDU)
	s.bucket.init(float64(opts.Rate)/8, opts.MaxTPDU)

	now := time.Now()
	s.mu.Lock()
	s.sendSPMLocked(now, false, true)
	s.nextSPM = now.Add(heartbeat[0])
	s.mu.Unlock()

	s.wg.Add(3)
	go s.readLoop()
	go s.spmLoop()
	go s.repairLoop()
	return s, nil
}

// TSI returns the sender's transport session identifier.
func (s *Sender) TSI() TSI { return s.hdr.TSI() }

// Endpoint returns the endpoint the sender was opened on.
func (s *Sender) Endpoint() Endpoint { return s.ep }

// Stats returns a snapshot of the sender's counters.
func (s *Sender) Stats() SenderStats {
	st := &s.stats
	return SenderStats{
		ODATA: st.odata.Load(), RDATA: st.rdata.Load(), SPMs: st.spms.Load(), NCFs: st.ncfs.Load(),
		NAKs: st.naks.Load(), NAKIgnored: st.nakIgnored.Load(), SPMRs: st.spmrs.Load(),
		Invalid: st.invalid.Load(), Throttled: st.throttled.Load(), WireBytes: st.wireBytes.Load(),
	}
}

// Send sends m as the next message of the stream: SendBatch of one.
func (s *Sender) Send(m wire.Msg) error {
	return s.SendBatch([]wire.Msg{m})
}

// SendBatch sends msgs as the next messages of the stream, packed into as
// few APDUs as they fit in, as libzmq's pgm_sender packs what is queued:
// consecutive messages share packets, each APDU's offset points at the
// first message starting in it (0xFFFF if none), and the last, partly
// filled APDU is sent before SendBatch returns (no data waits for more).
// It blocks while the rate limit requires (about the bytes × 8 / Rate),
// returns ErrClosed once Close has begun, and is safe for concurrent use;
// batches are not interleaved. A message without frames fails the whole
// batch with ErrEmptyMsg before anything is sent. On another error, the
// messages before the failing one may have been sent and the failing one
// may be cut short (receivers drop it). The frames may be reused once
// SendBatch returns.
func (s *Sender) SendBatch(msgs []wire.Msg) error {
	for _, m := range msgs {
		if len(m.Frames) == 0 {
			return ErrEmptyMsg
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	for _, m := range msgs {
		if err := s.framer.Write(m, s.sendODATA); err != nil {
			s.framer = NewFramer(s.room) // drop the partial stream of a failed send
			return err
		}
	}
	if err := s.framer.Flush(s.sendODATA); err != nil {
		return err
	}
	s.mu.Lock()
	s.restartHeartbeatLocked(time.Now())
	s.mu.Unlock()
	return nil
}

// restartHeartbeatLocked restarts the heartbeat SPM schedule after data or
// repairs, as OpenPGM does. Continuous data keeps postponing heartbeats, so
// spmLoop also sends an SPM once busySPM has passed since the last one.
func (s *Sender) restartHeartbeatLocked(now time.Time) {
	s.hbIdx = 0
	s.nextSPM = now.Add(heartbeat[0])
	s.dataSPM = true
	s.kickLocked()
}

func (s *Sender) kickLocked() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// spmDueLocked is when spmLoop must next send an SPM.
func (s *Sender) spmDueLocked() time.Time {
	due := s.nextSPM
	if s.dataSPM {
		if b := s.lastSPM.Add(busySPM); b.Before(due) {
			due = b
		}
	}
	if !s.spmrSPM.IsZero() && s.spmrSPM.Before(due) {
		due = s.spmrSPM
	}
	return due
}

// sendODATA paces and sends one APDU as ODATA; called with sendMu held.
func (s *Sender) sendODATA(apdu []byte) error {
	size := HeaderLen + dataBodyLen + len(apdu) + s.wireO
	s.mu.Lock()
	wait := s.bucket.reserve(float64(size), time.Now())
	s.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return ErrClosed
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return ErrClosed
	}
	sqn := s.win.lead + 1
	// OpenPGM's trail: read before the packet enters the window, so a full
	// window sends trail = sqn − size.
	trail := s.win.trail
	pkt := s.win.push(sqn)
	pkt = AppendData(pkt[:0], &s.hdr, TypeODATA, sqn, trail, apdu)
	s.win.set(sqn, pkt)
	if err := s.conn.WriteTo(pkt, s.group); err != nil {
		return fmt.Errorf("pgm: send to %s: %w", s.group, err)
	}
	s.stats.odata.Add(1)
	s.stats.wireBytes.Add(uint64(size))
	return nil
}

// writeCtl sends a control or repair packet if the rate budget allows.
func (s *Sender) writeCtl(pkt []byte, dst netip.Addr, force bool) bool {
	size := float64(len(pkt) + s.wireO)
	if !s.bucket.tryTake(size, time.Now(), force) {
		s.stats.throttled.Add(1)
		return false
	}
	if s.conn.WriteTo(pkt, dst) != nil {
		return false
	}
	s.stats.wireBytes.Add(uint64(len(pkt) + s.wireO))
	return true
}

func (s *Sender) sendSPMLocked(now time.Time, fin, force bool) {
	pkt := AppendSPM(s.scratch[:0], &s.hdr, s.spmSqn, s.win.trail, s.win.lead, s.nla, fin)
	if s.writeCtl(pkt, s.group, force) {
		s.spmSqn++
		s.lastSPM = now
		s.dataSPM = false
		s.spmrSPM = time.Time{}
		s.stats.spms.Add(1)
	}
}

func (s *Sender) spmLoop() {
	defer s.wg.Done()
	t := time.NewTimer(heartbeat[0])
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
		case <-t.C:
		}
		s.mu.Lock()
		now := time.Now()
		if !now.Before(s.spmDueLocked()) && !s.finished {
			s.sendSPMLocked(now, false, false)
			if !now.Before(s.nextSPM) {
				if s.hbIdx < len(heartbeat)-1 {
					s.hbIdx++
					s.nextSPM = now.Add(heartbeat[s.hbIdx])
				} else {
					s.nextSPM = now.Add(ambientSPM)
				}
			}
		}
		d := s.spmDueLocked().Sub(now)
		s.mu.Unlock()
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(max(d, time.Millisecond))
	}
}

func (s *Sender) readLoop() {
	defer s.wg.Done()
	buf := make([]byte, 65536)
	var p Packet
	var sqns []uint32
	for {
		n, _, err := s.conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Transient (ICMP errors and the like): don't spin.
			t := time.NewTimer(10 * time.Millisecond)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return
			}
			continue
		}
		if n > s.opts.MaxTPDU-s.wireO || Parse(buf[:n], &p) != nil ||
			p.DPort != s.hdr.SPort || p.SPort != s.ep.Port || p.GSI != s.hdr.GSI {
			s.stats.invalid.Add(1)
			continue
		}
		switch p.Type {
		case TypeNAK:
			if p.NLA != s.nla || p.Group != s.group {
				s.stats.invalid.Add(1)
				continue
			}
			sqns = sqns[:0]
			for i := 0; i < p.NakCount(); i++ {
				sqns = append(sqns, p.NakSqn(i))
			}
			s.onNAK(sqns)
		case TypeSPMR:
			s.stats.spmrs.Add(1)
			s.mu.Lock()
			if now := time.Now(); !s.finished {
				if now.Sub(s.lastSPM) >= spmrMinGap {
					s.sendSPMLocked(now, false, false)
				} else if s.spmrSPM.IsZero() {
					// Too soon after the last SPM, which the asker may
					// not have heard (it may have joined since): owe it
					// one at the end of the gap rather than drop it.
					s.spmrSPM = s.lastSPM.Add(spmrMinGap)
					s.kickLocked()
				}
			}
			s.mu.Unlock()
		default:
			s.stats.invalid.Add(1)
		}
	}
}

// onNAK answers a valid NAK with an NCF at once and queues RDATA for
// repairLoop, which paces it within the rate like ODATA. Repairs are never
// dropped for lack of budget: a receiver whose NAK goes unanswered waits
// 200 ms (OpenPGM's NAK_RPT_IVL) before asking again, and after a burst of
// loss (a blackout) the window's trail would pass the sqns it asks for
// before they are repaired, turning recoverable loss into data loss.
func (s *Sender) onNAK(sqns []uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	now := time.Now()
	// Only sqns in the window, not already queued and not repaired in the
	// last repairMinGap get an NCF and RDATA: a NAK flood costs at most one
	// repair per sqn per interval, all of it within the rate budget.
	valid := sqns[:0]
	for _, q := range sqns {
		_, dup := s.queued[q]
		if !dup && s.win.has(q) && now.Sub(s.win.repaired[s.win.index(q)]) >= repairMinGap {
			valid = append(valid, q)
		} else {
			s.stats.nakIgnored.Add(1)
		}
	}
	if len(valid) == 0 {
		return
	}
	s.stats.naks.Add(1)
	ncf := AppendNAK(s.scratch[:0], &s.hdr, TypeNCF, valid, s.nla, s.group)
	if s.writeCtl(ncf, s.group, false) {
		s.stats.ncfs.Add(1)
	}
	for _, q := range valid {
		s.queued[q] = struct{}{}
		s.repairQ = append(s.repairQ, q)
	}
	select {
	case s.repairKick <- struct{}{}:
	default:
	}
}

// repairLoop sends the queued repairs, oldest request first, each paced by
// the rate limit (sharing it with ODATA); sqns that left the window while
// queued are dropped.
func (s *Sender) repairLoop() {
	defer s.wg.Done()
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.repairKick:
		}
		for {
			s.mu.Lock()
			if s.finished || len(s.repairQ) == 0 {
				s.repairQ = s.repairQ[:0]
				s.mu.Unlock()
				break
			}
			q := s.repairQ[0]
			s.repairQ = s.repairQ[1:]
			if !s.win.has(q) {
				delete(s.queued, q)
				s.mu.Unlock()
				continue
			}
			size := float64(len(s.win.slots[s.win.index(q)]) + s.wireO)
			wait := s.bucket.reserve(size, time.Now())
			s.mu.Unlock()
			if wait > 0 {
				t.Reset(wait)
				select {
				case <-t.C:
				case <-s.done:
					return
				}
			}
			s.mu.Lock()
			delete(s.queued, q)
			if !s.finished && s.win.has(q) {
				now := time.Now()
				i := s.win.index(q)
				pkt := s.win.slots[i]
				RewriteRDATA(pkt, s.win.trail)
				if s.conn.WriteTo(pkt, s.group) == nil {
					s.win.repaired[i] = now
					s.stats.rdata.Add(1)
					s.stats.wireBytes.Add(uint64(len(pkt) + s.wireO))
					s.restartHeartbeatLocked(now)
				}
			}
			s.mu.Unlock()
		}
	}
}

// Close sends SPMs carrying OPT_FIN, closes the socket and waits for the
// sender's goroutines. A Send blocked on the rate limit returns ErrClosed.
func (s *Sender) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.sendMu.Lock() // let an in-flight Send finish its packet
		s.mu.Lock()
		for i := 0; i < 3; i++ {
			s.sendSPMLocked(time.Now(), true, true)
		}
		s.finished = true
		s.mu.Unlock()
		s.sendMu.Unlock()
		s.conn.Close()
		s.wg.Wait()
	})
	return nil
}

// txWindow holds the last size packets sent, for repair.
type txWindow struct {
	slots    [][]byte
	repaired []time.Time
	trail    uint32 // oldest sqn held; lead+1 when empty
	lead     uint32 // last sqn sent
	tpdu     int
}

func (w *txWindow) init(size, tpdu int) {
	w.slots = make([][]byte, size)
	w.repaired = make([]time.Time, size)
	w.trail, w.lead = 0, 0xFFFFFFFF
	w.tpdu = tpdu
}

func (w *txWindow) index(sqn uint32) int { return int(sqn % uint32(len(w.slots))) }

// has reports whether sqn is in [trail, lead].
func (w *txWindow) has(sqn uint32) bool {
	return int32(sqn-w.trail) >= 0 && int32(w.lead-sqn) >= 0
}

// push makes room for sqn (= lead+1) and returns its slot buffer, empty.
func (w *txWindow) push(sqn uint32) []byte {
	if int(sqn-w.trail) >= len(w.slots) {
		w.trail++
	}
	i := w.index(sqn)
	if w.slots[i] == nil {
		w.slots[i] = make([]byte, 0, w.tpdu)
	}
	w.repaired[i] = time.Time{}
	return w.slots[i][:0]
}

func (w *txWindow) set(sqn uint32, pkt []byte) {
	w.slots[w.index(sqn)] = pkt
	w.lead = sqn
}

// bucket is a token bucket in bytes.
type bucket struct {
	rate   float64 // bytes per second
	tokens float64
	burst  float64
	debt   float64 // how far control and repair traffic may borrow
	last   time.Time
}

func (b *bucket) init(rate float64, tpdu int) {
	b.rate = rate
	b.burst = max(float64(tpdu), rate*0.005)
	b.debt = max(float64(4*tpdu), rate*0.1)
	b.tokens = b.burst
}

func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
}

// reserve takes n bytes now and returns how long to wait before sending
// them so that the average stays at rate.
func (b *bucket) reserve(n float64, now time.Time) time.Duration {
	b.refill(now)
	b.tokens -= n
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// tryTake takes n bytes if the balance stays above the debt limit (always
// when force).
func (b *bucket) tryTake(n float64, now time.Time, force bool) bool {
	b.refill(now)
	if !force && b.tokens-n < -b.debt {
		return false
	}
	b.tokens -= n
	return true
}
