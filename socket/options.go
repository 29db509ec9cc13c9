package socket

import (
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// Default values used where an Options field is left at its zero value. They follow
// libzmq 4.3 unless a comment says why not.
const (
	DefaultHWM               = 1000
	DefaultReconnectInterval = 100 * time.Millisecond
	DefaultHandshakeInterval = 30 * time.Second
	// DefaultLinger bounds how long Close waits for queued messages to reach their
	// peers. libzmq waits forever by default; a bounded wait means Close never hangs.
	DefaultLinger = 30 * time.Second
)

// Unlimited, given as SendHWM or RecvHWM, lifts the queue limit (libzmq's HWM 0).
const Unlimited = -1

// FullPolicy says what Send does when the chosen peer's queue is at its high-water mark.
type FullPolicy int

const (
	// PolicyDefault applies the socket type's own rule from the ZeroMQ RFCs: PUSH, DEALER,
	// REQ and PAIR block; PUB, XPUB, XSUB, ROUTER and REP drop the message for a full peer.
	PolicyDefault FullPolicy = iota
	// PolicyBlock waits until a peer has room or the context ends.
	PolicyBlock
	// PolicyFail returns ErrQueueFull at once.
	PolicyFail
	// PolicyDropNewest discards the message being sent and counts the drop.
	PolicyDropNewest
	// PolicyDropOldest discards the oldest queued message of the full peer to make room, and
	// counts the drop.
	PolicyDropOldest
)

// String names the policy.
func (p FullPolicy) String() string {
	switch p {
	case PolicyDefault:
		return "default"
	case PolicyBlock:
		return "block"
	case PolicyFail:
		return "fail"
	case PolicyDropNewest:
		return "drop-newest"
	case PolicyDropOldest:
		return "drop-oldest"
	}
	return "FullPolicy(?)"
}

// Options configures a socket. The zero value means libzmq's defaults; each field says
// what its zero value stands for.
type Options struct {
	// SendHWM and RecvHWM bound each peer's outgoing and incoming queue, in whole
	// messages. Zero means DefaultHWM (1000); Unlimited lifts the limit.
	SendHWM, RecvHWM int

	// WhenFull chooses what Send does when a peer's queue is full (see FullPolicy).
	WhenFull FullPolicy

	// Linger bounds how long Close keeps delivering queued messages. Zero means
	// DefaultLinger, except for SUB and XSUB where it means no linger (as libzmq);
	// a negative value discards queued messages at once.
	Linger time.Duration

	// RoutingID is sent as the Identity property by REQ, DEALER and ROUTER sockets, so a
	// ROUTER peer addresses this socket by it. 0 to 255 bytes.
	RoutingID []byte

	// ReconnectInterval is the wait before redialling a lost or refused connection.
	// Zero means DefaultReconnectInterval (100 ms); negative disables reconnection.
	// Without ReconnectIntervalMax each wait is the interval plus a random jitter of up
	// to one interval, as libzmq.
	ReconnectInterval time.Duration
	// ReconnectIntervalMax, when above ReconnectInterval, doubles the wait after each
	// failed attempt up to this bound, with jitter.
	ReconnectIntervalMax time.Duration

	// HandshakeInterval bounds the ZMTP greeting and security handshake of each new
	// connection. Zero means DefaultHandshakeInterval (30 s); negative means no bound.
	HandshakeInterval time.Duration

	// HeartbeatInterval, when positive, sends a PING on each connection at this interval.
	// PINGs from peers are always answered.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout drops a connection that sent nothing for this long after a PING.
	// Zero means HeartbeatInterval.
	HeartbeatTimeout time.Duration
	// HeartbeatTTL is advertised in our PINGs: the peer may drop us after that long
	// without hearing from us. Rounded down to tenths of a second; zero sends none.
	HeartbeatTTL time.Duration

	// MaxMsgSize drops a peer that sends a frame larger than this many bytes (libzmq
	// checks frames, so do we). Zero means no limit; memory is still only committed as
	// bytes actually arrive, so a header that claims terabytes costs nothing.
	MaxMsgSize int64

	// Immediate queues messages only to connections that finished their handshake.
	// Without it a connecting PUSH, DEALER, REQ or PAIR queues messages for a peer that
	// is not up yet, as libzmq does by default.
	Immediate bool

	// TCPKeepAlive and the three durations below configure TCP keepalive probes.
	TCPKeepAlive         transport.KeepAlive
	TCPKeepAliveIdle     time.Duration
	TCPKeepAliveInterval time.Duration
	TCPKeepAliveCount    int

	// RouterMandatory makes a ROUTER report ErrHostUnreachable for an unknown routing id
	// and apply WhenFull (blocking by default) to a full peer, instead of dropping.
	RouterMandatory bool

	// XPubVerbose passes every subscribe message to an XPUB's reader, not only the first
	// one for each topic.
	XPubVerbose bool

	// MulticastRate limits a PUB or XPUB's multicast output (epgm://, pgm://), in
	// kilobits per second like libzmq's ZMQ_RATE. Zero means 10 Mbit/s (libzmq's default
	// of 100 kbit/s would take seconds per large message). It also sizes the repair
	// windows together with RecoveryInterval.
	MulticastRate int64
	// RecoveryInterval is how long multicast data stays repairable. Zero means 10 s.
	RecoveryInterval time.Duration
	// MulticastHops is the multicast TTL. Zero means 1 (the local network).
	MulticastHops int
	// MulticastMaxTPDU is the largest multicast packet, IP header included. Zero means
	// 1500.
	MulticastMaxTPDU int
	// MulticastLoop lets receivers on the same host hear this socket's multicast
	// (off by default, as libzmq).
	MulticastLoop bool

	// InprocRegistry is the namespace of the socket's inproc endpoints: sockets see each
	// other's inproc names only through the same registry. Nil means inproc.Default.
	// Separate registries play the part of separate libzmq contexts, in one process:
	// isolated tests, or two subsystems that both bind "inproc://events".
	InprocRegistry *inproc.Registry

	// Mechanism is the ZMTP security mechanism; nil means NULL.
	Mechanism wire.Mechanism

	// Monitor, if set, receives the socket's connection events. Like signal.Notify the
	// socket never blocks on it: an event that does not fit is dropped and counted in
	// Stats.EventsDropped. The socket does not close the channel.
	Monitor chan<- Event
}

// normalize resolves zero values into concrete settings for socket type t.
func (o Options) normalize(t Type) Options {
	o.SendHWM = hwm(o.SendHWM)
	o.RecvHWM = hwm(o.RecvHWM)
	if o.Linger == 0 {
		if t == Sub || t == XSub {
			o.Linger = -1
		} else {
			o.Linger = DefaultLinger
		}
	}
	if o.ReconnectInterval == 0 {
		o.ReconnectInterval = DefaultReconnectInterval
	}
	if o.HandshakeInterval == 0 {
		o.HandshakeInterval = DefaultHandshakeInterval
	}
	if o.HeartbeatTimeout == 0 {
		o.HeartbeatTimeout = o.HeartbeatInterval
	}
	if o.Mechanism == nil {
		o.Mechanism = wire.Null{}
	}
	if o.WhenFull == PolicyDefault {
		o.WhenFull = defaultPolicy(t)
		if t == Router && o.RouterMandatory {
			o.WhenFull = PolicyBlock
		}
	}
	return o
}

// hwm turns the public HWM convention into the queue's (0 = unlimited).
func hwm(v int) int {
	switch {
	case v == 0:
		return DefaultHWM
	case v < 0:
		return 0
	}
	return v
}

func defaultPolicy(t Type) FullPolicy {
	switch t {
	case Push, Dealer, Req, Pair, Stream:
		return PolicyBlock
	}
	return PolicyDropNewest
}

func (o *Options) transportOptions() transport.Options {
	return transport.Options{
		KeepAlive:         o.TCPKeepAlive,
		KeepAliveIdle:     o.TCPKeepAliveIdle,
		KeepAliveInterval: o.TCPKeepAliveInterval,
		KeepAliveCount:    o.TCPKeepAliveCount,
	}
}
