package pgm

import "time"

// Options configures a Sender or Receiver. The zero value means the
// defaults below.
type Options struct {
	// Rate is the sender's maximum output in bits per second, counting every
	// packet with its IP and UDP headers (ODATA, RDATA, SPM, NCF). It also
	// sizes both windows (see RecoveryInterval). Default 10 Mbit/s.
	//
	// libzmq's ZMQ_RATE defaults to 100 kbit/s, a figure from the era of
	// shared 10 Mbit/s segments; at that rate a 64 KiB message takes over
	// 5 s to send. 10 Mbit/s keeps one publisher to 1% of a gigabit link
	// while moving about 800 full packets per second, and sizes the window
	// at about 8300 packets (12.5 MB held by the sender at most). Note that
	// libzmq ZMQ_RATE is in kbit/s while this field is in bit/s, and that
	// libzmq peers size their own receive windows from their own RATE: keep
	// both sides' Rate and RecoveryInterval consistent when interoperating.
	Rate int64
	// RecoveryInterval is how long sent data stays repairable. The windows
	// hold RecoveryInterval × Rate / 8 / MaxTPDU packets (at least 1, at
	// most 1<<20 at the sender, at most 1<<16 at a receiver). Default 10 s.
	RecoveryInterval time.Duration
	// Hops is the multicast TTL. Default 1 (the local network).
	Hops int
	// MaxTPDU is the largest IP packet sent or accepted. Default 1500.
	MaxTPDU int
	// Loopback turns IP_MULTICAST_LOOP on, so that receivers on the same
	// host hear this sender. Default off, as libzmq.
	Loopback bool
	// MaxMsgSize bounds a received message's total size; larger ones are
	// dropped and the source resynchronised. <= 0 means no bound (memory
	// still grows only with bytes actually received).
	MaxMsgSize int64
	// RecvQueue is how many whole messages a Receiver queues for Recv;
	// messages arriving while it is full are dropped and counted in
	// Stats.Dropped, as a SUB socket at its high-water mark. Default 1000.
	RecvQueue int
	// OnLoss, if set, is called by a Receiver's goroutine each time data
	// from a source is declared unrecoverable (the message in progress is
	// dropped and the source resynchronised at its next message). It must
	// not block.
	OnLoss func(LossEvent)
}

// LossEvent describes an unrecoverable loss at a Receiver.
type LossEvent struct {
	// Source identifies the sender session.
	Source TSI
	// Packets is how many packets were given up on.
	Packets uint32
}

// Defaults.
const (
	DefaultRate             = 10_000_000
	DefaultRecoveryInterval = 10 * time.Second
	DefaultHops             = 1
	DefaultMaxTPDU          = 1500
	DefaultRecvQueue        = 1000
)

// Protocol timers and limits (libzmq's settings for OpenPGM).
const (
	nakBackoffIvl  = 50 * time.Millisecond
	nakRepeatIvl   = 200 * time.Millisecond
	nakRdataIvl    = 200 * time.Millisecond
	nakNcfRetries  = 50
	nakDataRetries = 50
	spmrExpiry     = 25 * time.Millisecond
	peerExpiry     = 300 * time.Second
	ambientSPM     = 30 * time.Second
	// busySPM: while data flows (which keeps postponing heartbeat SPMs) a
	// source still sends an SPM at least this often, so that receivers that
	// missed the others learn its NLA (to NAK) and its window edges.
	busySPM    = time.Second
	maxSources = 64
	// spmrMinGap bounds the SPMs a source sends in answer to SPMRs.
	spmrMinGap = 25 * time.Millisecond
	// repairMinGap: a sqn is retransmitted at most once per this interval.
	repairMinGap = 20 * time.Millisecond
	// ipUDPOverhead is what the IPv4 and UDP headers add to a PGM packet.
	ipHeader  = 20
	udpHeader = 8
	// pgmDataOverhead is what libzmq subtracts for the PGM headers when
	// sizing APDUs (header 16 + data 8 + room for OPT_LENGTH and
	// OPT_FRAGMENT 20).
	pgmDataOverhead = 44
)

// heartbeat is libzmq's SPM schedule after data (restarted by each burst),
// before ambient SPMs every 30 s.
var heartbeat = []time.Duration{
	100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond,
	1300 * time.Millisecond, 7 * time.Second, 16 * time.Second, 25 * time.Second, 30 * time.Second,
}

func (o Options) withDefaults() Options {
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if o.RecoveryInterval <= 0 {
		o.RecoveryInterval = DefaultRecoveryInterval
	}
	if o.Hops <= 0 {
		o.Hops = DefaultHops
	}
	if o.MaxTPDU <= 0 {
		o.MaxTPDU = DefaultMaxTPDU
	}
	if o.RecvQueue <= 0 {
		o.RecvQueue = DefaultRecvQueue
	}
	return o
}

// windowPackets is RecoveryInterval × Rate / 8 / MaxTPDU, clamped.
func (o Options) windowPackets(max int) int {
	w := int64(o.RecoveryInterval.Seconds() * float64(o.Rate) / 8 / float64(o.MaxTPDU))
	if w < 1 {
		w = 1
	}
	if w > int64(max) {
		w = int64(max)
	}
	return int(w)
}

// APDURoom returns the largest APDU (offset included) libzmq sends for the
// scheme and a TPDU of maxTPDU bytes: 1428 for epgm and 1436 for pgm at 1500.
func APDURoom(scheme string, maxTPDU int) int {
	r := maxTPDU - ipHeader - pgmDataOverhead
	if scheme == "epgm" {
		r -= udpHeader
	}
	return r
}
