package socket

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strings"
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

	// Linger bounds how long Close keeps delivering queued messages: until each is
	// written to its connection and, over ipc on Linux, read by the peer process too
	// (a libzmq peer that has paused reading for a full queue drops what it has not
	// read when an ipc connection hangs up). Zero means DefaultLinger, except for SUB
	// and XSUB where it means no linger (as libzmq); a negative value discards queued
	// messages at once.
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
	// checks frames, so do we), the commands of the security handshake included, as
	// libzmq does. Zero means no limit; memory is still only committed as bytes
	// actually arrive, so a header that claims terabytes costs nothing.
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

	// Conflate keeps only the newest message (libzmq's ZMQ_CONFLATE): each peer's queue
	// holds one message, and a new one replaces it, so a receiver always gets the
	// latest state and a sender never waits. The high-water marks and WhenFull do not
	// apply. It is for PUSH, PULL, PUB, SUB, DEALER and PAIR, whose queue of data
	// messages it shortens in each direction the type uses (subscriptions are never
	// conflated). As in libzmq it is for single-part messages: Send refuses a
	// multipart message with ErrMultipartConflate.
	Conflate bool

	// ProbeRouter makes a ROUTER, DEALER or REQ send an empty message to each new peer
	// on every connection (ZMQ_PROBE_ROUTER), so that a ROUTER at the other end learns
	// this socket's routing id at once.
	ProbeRouter bool

	// RouterHandover lets a ROUTER peer that connects with a routing id already in use
	// take it over (ZMQ_ROUTER_HANDOVER): the old connection is closed and messages
	// for the id go to the new one. Without it the newcomer is refused.
	RouterHandover bool

	// XPubManual hands every subscribe and unsubscribe message to an XPUB's reader and
	// leaves the XPUB's own filter to the application (ZMQ_XPUB_MANUAL): it calls
	// Subscribe or Unsubscribe on the XPUB, which applies to the subscriber whose
	// subscription message Recv returned last.
	XPubManual bool

	// XPubWelcomeMsg, if not nil, is sent by an XPUB to every new subscriber
	// connection, reconnections included (ZMQ_XPUB_WELCOME_MSG). A SUB receives it
	// only if it subscribes to a prefix of it.
	XPubWelcomeMsg []byte

	// InvertMatching reverses subscription matching (ZMQ_INVERT_MATCHING): a PUB or
	// XPUB sends each message to the subscribers whose subscriptions do not match it
	// (so a peer that has not subscribed yet gets everything), and a SUB delivers only
	// messages that match none of its subscriptions. Both ends should set it. XSUB
	// accepts it, as libzmq does, though it filters nothing.
	InvertMatching bool

	// TOS is the IP type-of-service byte of tcp connections (ZMQ_TOS): IP_TOS, or
	// IPV6_TCLASS over IPv6. Zero leaves the system's default.
	TOS int

	// BindToDevice binds tcp connections and listeners to the named network interface
	// (ZMQ_BINDTODEVICE, SO_BINDTODEVICE on Linux): they then send and receive only
	// through it. Empty means any interface. It usually needs CAP_NET_RAW.
	BindToDevice string

	// Metadata holds application properties sent to every peer in the handshake
	// (ZMQ_METADATA). Each name must start with "X-" and be a legal ZMTP property
	// name (letters, digits, '-', '_', '.', '+'; at most 255 bytes). Peers read them
	// from received messages with Msg.Properties. Properties are sent in name order.
	Metadata map[string]string

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
	// (off by default, as libzmq's pgm; libzmq turns it on by default for udp://, so a
	// RADIO sending udp multicast to DISHes on its own host sets it). On the loopback
	// interface itself the kernel delivers either way.
	MulticastLoop bool

	// InprocRegistry is the namespace of the socket's inproc endpoints: sockets see each
	// other's inproc names only through the same registry. Nil means inproc.Default.
	// Separate registries play the part of separate libzmq contexts, in one process:
	// isolated tests, or two subsystems that both bind "inproc://events".
	InprocRegistry *inproc.Registry

	// Mechanism is the ZMTP security mechanism of the socket's tcp, ipc and ws
	// connections (over ws it also picks the subprotocol, ZWS2.0/PLAIN or
	// ZWS2.0/CURVE); nil means NULL (no security). Both ends of a connection must use
	// the same mechanism, one as client and one as server, whichever end binds:
	//
	//   - &wire.PlainClient{Username, Password}: PLAIN's client, which sends its
	//     name and password in clear (use it on trusted networks only).
	//   - &wire.PlainServer{Authenticate}: PLAIN's server. Authenticate decides
	//     on each client's name and password; with a nil Authenticate the ZAP
	//     handler decides, and without one every client is refused, as a libzmq
	//     PLAIN server without a ZAP handler does.
	//   - &wire.CurveClient{PublicKey, SecretKey, ServerKey}: CURVE's client, with
	//     its own permanent key pair and the server's public key (see package cert
	//     for making and storing keys, and z85 for their text form).
	//   - &wire.CurveServer{PublicKey, SecretKey, Authenticate}: CURVE's server.
	//     Authenticate sees each client's proven public key; with a nil
	//     Authenticate the ZAP handler decides, and without one every client that
	//     knows the server's public key is accepted, as libzmq does.
	//   - &wire.NullServer{Authenticate}: NULL, deciding on each peer with
	//     Authenticate before READY (Credentials.Mechanism "NULL"; the peer's
	//     address is Peer-Address). wire.Null with a ZAPDomain does the same
	//     with the ZAP handler.
	//
	// The socket never uses the value itself: every connection handshakes with a
	// fresh copy (wire.MechanismCloner), so one value serves any number of
	// connections, and the value must not be changed after New. With CURVE every
	// frame after the handshake, commands (subscriptions, heartbeats) included, is
	// encrypted; MaxMsgSize applies to the decrypted frames. A user id that an
	// Authenticate gives a client (wire.AuthReply.UserID) is the "User-Id" property
	// of that client's messages, and its metadata joins the client's properties
	// (ahead of, and so instead of, any property of the same name the client sent).
	//
	// Servers ask the ZAP handler (RFC 27) bound at ZAPEndpoint in the socket's inproc
	// registry, as libzmq 4.3 does, unless the mechanism has an Authenticate of its
	// own, which takes precedence: a PLAIN server always asks, and fails the
	// handshake (ErrNoZAPHandler) when no handler is bound; a CURVE server asks when
	// a handler is bound (see ZAPEnforceDomain); NULL asks only with a ZAPDomain.
	// The handler's reply must come within HandshakeInterval. Status 200 accepts,
	// with the reply's user id as "User-Id" and its metadata among the peer's
	// properties; 300 closes the connection without a word; 400 and 500 send ERROR
	// with the status code. See ZAPDomain.
	//
	// A client refused by the server gets EventHandshakeAuth, with the status code
	// in Event.Code, and does not reconnect; the server reports the refusal as
	// EventHandshakeAuth too. A box that does not open (a forged or corrupted CURVE
	// message, a client with the wrong server key as seen by the server) is
	// EventHandshakeProtocol with Code wire.CodeCryptographic and an error matching
	// wire.ErrCrypto; the client with the wrong key sees the server hang up right
	// after its HELLO and reports EventHandshakeFailed with an error matching
	// wire.ErrServerHungUp, then retries (a server that is restarting looks the
	// same). Inproc connections, multicast and STREAM sockets do not use the
	// mechanism, nor ZAP.
	Mechanism wire.Mechanism

	// ZAPDomain is the security domain of the socket's ZAP requests (libzmq's
	// ZMQ_ZAP_DOMAIN), at most 255 bytes: a ZAP handler can serve several
	// domains with different rules. With NULL, a domain is what turns ZAP on:
	// every tcp and ipc connection is then put to the handler, with
	// mechanism "NULL" and the peer's address, before READY. Without a domain
	// a NULL socket never asks (and does no ZAP work at all).
	ZAPDomain string
	// ZAPEnforceDomain is libzmq's ZMQ_ZAP_ENFORCE_DOMAIN: with a ZAPDomain,
	// NULL and CURVE handshakes fail (ErrNoZAPHandler) when no ZAP handler is
	// bound, instead of going on without authentication. As in libzmq 4.3.4,
	// with an empty ZAPDomain it makes a CURVE server skip ZAP altogether.
	ZAPEnforceDomain bool

	// TLSConfig is the TLS configuration of the socket's wss:// endpoints: a
	// listener needs Certificates (or GetCertificate); a dialer verifies the server
	// against RootCAs (nil means the system's roots), under the endpoint's host name
	// unless ServerName is set. The socket clones it for each dial and does not
	// change it; it must not be changed after New. Other transports ignore it.
	TLSConfig *tls.Config

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
	// The socket keeps a copy of a PLAIN or CURVE mechanism: the clones it makes
	// for each connection share what the copy prepared once (CURVE's secret key,
	// ready for key agreement).
	o.Mechanism = connMechanism(o.Mechanism)
	// The socket keeps its own copies: the caller may reuse its map and slices.
	o.Metadata = maps.Clone(o.Metadata)
	o.XPubWelcomeMsg = bytes.Clone(o.XPubWelcomeMsg)
	o.RoutingID = bytes.Clone(o.RoutingID)
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
	case Push, Dealer, Req, Pair, Stream, Server, Client, Scatter, Peer, Channel, Dgram:
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
		TOS:               o.TOS,
		BindToDevice:      o.BindToDevice,
	}
}

// validate reports options that socket type t cannot use.
func (o *Options) validate(t Type) error {
	if len(o.RoutingID) > 255 {
		return fmt.Errorf("%w: routing id longer than 255 bytes", ErrBadOption)
	}
	if o.Conflate {
		switch t {
		case Push, Pull, Pub, Sub, Dealer, Pair:
		default:
			return fmt.Errorf("%w: Conflate does not apply to %s", ErrBadOption, t)
		}
	}
	if o.TOS < 0 || o.TOS > 255 {
		return fmt.Errorf("%w: TOS %d out of range 0..255", ErrBadOption, o.TOS)
	}
	if len(o.BindToDevice) > 15 {
		return fmt.Errorf("%w: interface name %q too long", ErrBadOption, o.BindToDevice)
	}
	if len(o.ZAPDomain) > 255 {
		return fmt.Errorf("%w: ZAP domain longer than 255 bytes", ErrBadOption)
	}
	if err := validMechanism(o.Mechanism); err != nil {
		return err
	}
	for name, v := range o.Metadata {
		if len(name) < 3 || !strings.EqualFold(name[:2], "X-") || !wire.ValidPropertyName(name) {
			return fmt.Errorf("%w: metadata name %q must start with \"X-\" and hold only letters, digits, '-', '_', '.' or '+' (at most 255 bytes)", ErrBadOption, name)
		}
		if int64(len(v)) > 1<<31-1 {
			return fmt.Errorf("%w: metadata %q value too long", ErrBadOption, name)
		}
	}
	return nil
}

// metadata returns the application properties to send in the handshake, in name
// order, or nil.
func (o *Options) metadata() wire.Metadata {
	if len(o.Metadata) == 0 {
		return nil
	}
	names := make([]string, 0, len(o.Metadata))
	for name := range o.Metadata {
		names = append(names, name)
	}
	slices.Sort(names)
	md := make(wire.Metadata, len(names))
	for i, name := range names {
		md[i] = wire.Property{Name: name, Value: []byte(o.Metadata[name])}
	}
	return md
}

// validMechanism reports a security configuration that could never complete a
// handshake: PLAIN credentials too long to send, or CURVE keys left zero.
func validMechanism(m wire.Mechanism) error {
	var zero [wire.CurveKeySize]byte
	switch m := m.(type) {
	case *wire.PlainClient:
		if len(m.Username) > 255 || len(m.Password) > 255 {
			return fmt.Errorf("%w: PLAIN username or password longer than 255 bytes", ErrBadOption)
		}
	case *wire.CurveClient:
		if m.PublicKey == zero || m.SecretKey == zero || m.ServerKey == zero {
			return fmt.Errorf("%w: CURVE client needs PublicKey, SecretKey and ServerKey", ErrBadOption)
		}
	case *wire.CurveServer:
		if m.PublicKey == zero || m.SecretKey == zero {
			return fmt.Errorf("%w: CURVE server needs PublicKey and SecretKey", ErrBadOption)
		}
	}
	return nil
}
