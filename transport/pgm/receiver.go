package pgm

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brokerless/zmq/wire"
)

// Stats counts a Receiver's activity.
type Stats struct {
	Sources     int    // sources currently tracked
	Messages    uint64 // whole messages queued for Recv
	Packets     uint64 // data packets accepted (ODATA and RDATA)
	RDATA       uint64 // repairs accepted
	Duplicates  uint64 // data packets already seen or already passed
	OutOfWindow uint64 // data packets the window refused (none since data ahead of it slides it; kept for compatibility)
	Invalid     uint64 // packets dropped: checksum, length, format, wrong port
	NAKs        uint64 // NAK packets sent
	SPMRs       uint64 // SPMR packets sent
	Lost        uint64 // data packets declared unrecoverable
	Resets      uint64 // times a source's stream was resynchronised (loss or bad framing)
	Dropped     uint64 // messages dropped because the Recv queue was full
	Evicted     uint64 // sources evicted to admit new ones
}

type recvStats struct {
	sources                                                                                       atomic.Int64
	messages, packets, rdata, dups, outside, invalid, naks, spmrs, lost, resets, dropped, evicted atomic.Uint64
}

// Receiver joins a group and delivers whole messages from every source on
// it. One goroutine reads the socket and runs all timers; Close waits for it.
type Receiver struct {
	ep    Endpoint
	opts  Options
	rx    packetConn // joined, bound to group:port
	tx    packetConn // NAKs and SPMRs (== rx for pgm)
	group netip.Addr
	wireO int
	wsize int

	msgs      chan wire.Msg
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	stats     recvStats

	// owned by loop
	sources map[TSI]*source
	rnd     *rand.Rand
	wake    time.Time
	expiry  time.Time
	scratch []byte
	naks    []uint32
}

type source struct {
	tsi       TSI
	from      netip.Addr // IP source of its packets
	nla       netip.Addr // path NLA from its SPMs
	haveSPM   bool
	spmSqn    uint32
	spmrAt    time.Time
	lastHeard time.Time
	fin       bool
	w         *rxWindow
	dec       Decoder
}

// NewReceiver binds the endpoint port, joins the group on the endpoint's
// interface and starts the receiving goroutine.
func NewReceiver(ep Endpoint, opts Options) (*Receiver, error) {
	return newReceiver(ep, opts, nil)
}

func newReceiver(ep Endpoint, opts Options, hook connHook) (*Receiver, error) {
	opts = opts.withDefaults()
	ifc, local, err := resolveInterface(ep.Interface)
	if err != nil {
		return nil, err
	}
	r := &Receiver{
		ep: ep, opts: opts, group: ep.Group,
		wsize:   opts.windowPackets(1 << 16),
		msgs:    make(chan wire.Msg, opts.RecvQueue),
		done:    make(chan struct{}),
		sources: map[TSI]*source{},
		scratch: make([]byte, 0, 2048),
	}
	var seed [16]byte
	_, _ = crand.Read(seed[:])
	r.rnd = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:]), binary.LittleEndian.Uint64(seed[8:])))
	r.wireO = ipHeader
	setup := sockSetup{ifc: ifc, local: local, group: ep.Group, join: true, hops: 1, loopback: opts.Loopback}
	if ep.Scheme == "epgm" {
		r.wireO += udpHeader
		// Bound to the group: only this group's datagrams arrive.
		r.rx, err = openConn(ep, ep.Group, ep.Port, setup)
		if err != nil {
			return nil, err
		}
		setup.join = false
		r.tx, err = openConn(ep, local, 0, setup)
		if err != nil {
			r.rx.Close()
			return nil, err
		}
	} else {
		r.rx, err = openConn(ep, netip.IPv4Unspecified(), 0, setup)
		if err != nil {
			return nil, err
		}
		r.tx = r.rx
	}
	if hook != nil {
		r.rx = hook("receiver", r.rx)
		if ep.Scheme == "epgm" {
			r.tx = hook("receiver-tx", r.tx)
		} else {
			r.tx = r.rx
		}
	}
	r.wg.Add(1)
	go r.loop()
	return r, nil
}

// Recv returns the next whole message from any source; messages of one
// source come in order. It returns ctx.Err() when ctx ends first and
// ErrClosed after Close.
func (r *Receiver) Recv(ctx context.Context) (wire.Msg, error) {
	select {
	case m := <-r.msgs:
		return m, nil
	default:
	}
	select {
	case m := <-r.msgs:
		return m, nil
	case <-ctx.Done():
		return wire.Msg{}, ctx.Err()
	case <-r.done:
		return wire.Msg{}, ErrClosed
	}
}

// Stats returns a snapshot of the receiver's counters.
func (r *Receiver) Stats() Stats {
	st := &r.stats
	return Stats{
		Sources: int(st.sources.Load()), Messages: st.messages.Load(), Packets: st.packets.Load(),
		RDATA: st.rdata.Load(), Duplicates: st.dups.Load(), OutOfWindow: st.outside.Load(),
		Invalid: st.invalid.Load(), NAKs: st.naks.Load(), SPMRs: st.spmrs.Load(), Lost: st.lost.Load(),
		Resets: st.resets.Load(), Dropped: st.dropped.Load(), Evicted: st.evicted.Load(),
	}
}

// Close leaves the group, closes the sockets and waits for the goroutine.
func (r *Receiver) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		r.rx.Close()
		if r.tx != r.rx {
			r.tx.Close()
		}
		r.wg.Wait()
	})
	return nil
}

func (r *Receiver) loop() {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	r.expiry = time.Now().Add(time.Second)
	for {
		dl := r.expiry
		if !r.wake.IsZero() && r.wake.Before(dl) {
			dl = r.wake
		}
		_ = r.rx.SetReadDeadline(dl)
		n, from, err := r.rx.ReadFrom(buf)
		now := time.Now()
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				// Not a deadline: don't spin on a persistent error.
				t := time.NewTimer(10 * time.Millisecond)
				select {
				case <-t.C:
				case <-r.done:
					t.Stop()
					return
				}
			}
		} else {
			r.handle(buf[:n], from, now)
		}
		if !r.wake.IsZero() && !now.Before(r.wake) {
			r.runTimers(now)
		}
		if !now.Before(r.expiry) {
			r.expire(now)
			r.expiry = now.Add(time.Second)
		}
	}
}

func (r *Receiver) setWake(t time.Time) {
	if !t.IsZero() && (r.wake.IsZero() || t.Before(r.wake)) {
		r.wake = t
	}
}

// lookup returns the state of tsi, creating it (evicting the least recently
// heard source when full) if create.
func (r *Receiver) lookup(tsi TSI, now time.Time, create bool) *source {
	if s, ok := r.sources[tsi]; ok {
		return s
	}
	if !create {
		return nil
	}
	if len(r.sources) >= maxSources {
		var old *source
		for _, s := range r.sources {
			if old == nil || s.lastHeard.Before(old.lastHeard) {
				old = s
			}
		}
		delete(r.sources, old.tsi)
		r.stats.evicted.Add(1)
	}
	// One more than the sender's window: OpenPGM (and our Sender) send
	// ODATA sqn with trail = sqn − window size once the window is full, so
	// [trail, sqn] spans size+1 and a hole at the trail stays repairable
	// until the sender's trail passes it.
	s := &source{tsi: tsi, w: newRxWindow(r.wsize + 1), lastHeard: now}
	s.dec.MaxMsgSize = r.opts.MaxMsgSize
	r.sources[tsi] = s
	r.stats.sources.Store(int64(len(r.sources)))
	return s
}

func (r *Receiver) handle(b []byte, from netip.Addr, now time.Time) {
	var p Packet
	if len(b) > r.opts.MaxTPDU-r.wireO || Parse(b, &p) != nil {
		r.stats.invalid.Add(1)
		return
	}
	switch p.Type {
	case TypeODATA, TypeRDATA, TypeSPM, TypeNCF:
	default:
		return // upstream traffic of other receivers
	}
	if p.DPort != r.ep.Port {
		r.stats.invalid.Add(1)
		return
	}
	s := r.lookup(p.TSI(), now, p.Type != TypeNCF)
	if s == nil {
		return
	}
	s.lastHeard = now
	s.from = from
	switch p.Type {
	case TypeODATA, TypeRDATA:
		if !s.haveSPM && s.spmrAt.IsZero() {
			s.spmrAt = now.Add(spmrExpiry)
			r.setWake(s.spmrAt)
		}
		res := s.w.onData(p.Sqn, p.Trail, p.Payload, now, r.rnd)
		switch res {
		case dataDuplicate:
			r.stats.dups.Add(1)
			return
		case dataOutside:
			r.stats.outside.Add(1)
			return
		}
		r.stats.packets.Add(1)
		if p.Type == TypeRDATA {
			r.stats.rdata.Add(1)
		}
		if res == dataInOrder {
			r.feed(s, p.Payload)
		}
	case TypeSPM:
		if s.haveSPM && !before(s.spmSqn, p.Sqn) {
			return // old or repeated SPM
		}
		s.haveSPM, s.spmSqn, s.nla = true, p.Sqn, p.NLA
		s.spmrAt = time.Time{}
		s.fin = s.fin || p.Fin
		s.w.onSPM(p.Trail, p.Lead, now, r.rnd)
	case TypeNCF:
		if p.Group != r.group {
			return
		}
		for i := 0; i < p.NakCount(); i++ {
			s.w.onNCF(p.NakSqn(i), now)
		}
	}
	r.drain(s)
	if s.w.dirty {
		s.w.dirty = false
		r.setWake(now) // new gaps: compute their deadlines
	}
}

// drain delivers what the window allows.
func (r *Receiver) drain(s *source) {
	for {
		p, lost, ok := s.w.pop()
		if !ok {
			return
		}
		if lost > 0 {
			r.stats.lost.Add(uint64(lost))
			if s.dec.Joined() {
				r.stats.resets.Add(1)
			}
			s.dec.Reset()
			if r.opts.OnLoss != nil {
				r.opts.OnLoss(LossEvent{Source: s.tsi, Packets: lost})
			}
			continue
		}
		r.feed(s, p)
	}
}

func (r *Receiver) feed(s *source, apdu []byte) {
	if err := s.dec.Feed(apdu, r.deliver); err != nil {
		r.stats.resets.Add(1)
	}
}

func (r *Receiver) deliver(m wire.Msg) {
	select {
	case r.msgs <- m:
		r.stats.messages.Add(1)
	default:
		r.stats.dropped.Add(1)
	}
}

func (r *Receiver) runTimers(now time.Time) {
	r.wake = time.Time{}
	for _, s := range r.sources {
		if !s.spmrAt.IsZero() && !s.haveSPM {
			if !now.Before(s.spmrAt) {
				r.sendSPMR(s)
				s.spmrAt = now.Add(time.Second)
			}
			r.setWake(s.spmrAt)
		}
		if len(s.w.miss) == 0 {
			continue
		}
		var next time.Time
		r.naks, next = s.w.timers(now, s.haveSPM, r.rnd, r.naks[:0])
		r.setWake(next)
		if len(r.naks) > 0 {
			r.sendNAKs(s, r.naks)
		}
		r.drain(s)
	}
}

func (r *Receiver) upstreamHeader(s *source) Header {
	return Header{SPort: r.ep.Port, DPort: s.tsi.SPort, GSI: s.tsi.GSI}
}

func (r *Receiver) sendNAKs(s *source, sqns []uint32) {
	slices.SortFunc(sqns, func(a, b uint32) int { return int(int32(a - b)) })
	h := r.upstreamHeader(s)
	for len(sqns) > 0 {
		n := min(len(sqns), MaxNakList)
		r.scratch = AppendNAK(r.scratch[:0], &h, TypeNAK, sqns[:n], s.nla, r.group)
		if r.tx.WriteTo(r.scratch, s.nla) == nil {
			r.stats.naks.Add(1)
		}
		sqns = sqns[n:]
	}
}

func (r *Receiver) sendSPMR(s *source) {
	h := r.upstreamHeader(s)
	r.scratch = AppendSPMR(r.scratch[:0], &h)
	_ = r.tx.WriteTo(r.scratch, r.group)
	if s.from.IsValid() {
		_ = r.tx.WriteTo(r.scratch, s.from)
	}
	r.stats.spmrs.Add(1)
}

// expire forgets sources silent for PEER_EXPIRY (or, once they sent
// OPT_FIN and have nothing left to repair, for RecoveryInterval).
func (r *Receiver) expire(now time.Time) {
	for tsi, s := range r.sources {
		idle := now.Sub(s.lastHeard)
		if idle > peerExpiry || (s.fin && s.w.idle() && idle > r.opts.RecoveryInterval) {
			delete(r.sources, tsi)
		}
	}
	r.stats.sources.Store(int64(len(r.sources)))
}
