package wire

import "strconv"

// SocketType is a ZMTP socket type; values are libzmq's ZMQ_* constants,
// which are also the socket-type codes of the ZMTP/2.0 greeting.
type SocketType uint8

// Socket types, with libzmq's numbering.
const (
	Pair   SocketType = 0
	Pub    SocketType = 1
	Sub    SocketType = 2
	Req    SocketType = 3
	Rep    SocketType = 4
	Dealer SocketType = 5
	Router SocketType = 6
	Pull   SocketType = 7
	Push   SocketType = 8
	XPub   SocketType = 9
	XSub   SocketType = 10
	// Stream is libzmq's ZMQ_STREAM: raw byte streams, no ZMTP, so it is compatible
	// with no ZMTP peer.
	Stream SocketType = 11

	// The draft types of libzmq 4.3 (RFCs 41, 48, 49, 51, 52): thread-safe and
	// single-frame. Dgram (18) carries udp datagrams and pairs with nothing over ZMTP.
	Server     SocketType = 12
	Client     SocketType = 13
	Radio      SocketType = 14
	Dish       SocketType = 15
	Gather     SocketType = 16
	Scatter    SocketType = 17
	Dgram      SocketType = 18
	PeerSocket SocketType = 19
	Channel    SocketType = 20
)

// socketTypeNames are the exact ZMTP Socket-Type property values.
var socketTypeNames = [...]string{
	Pair:   "PAIR",
	Pub:    "PUB",
	Sub:    "SUB",
	Req:    "REQ",
	Rep:    "REP",
	Dealer: "DEALER",
	Router: "ROUTER",
	Pull:   "PULL",
	Push:   "PUSH",
	XPub:   "XPUB",
	XSub:   "XSUB",
	Stream: "STREAM",

	Server:     "SERVER",
	Client:     "CLIENT",
	Radio:      "RADIO",
	Dish:       "DISH",
	Gather:     "GATHER",
	Scatter:    "SCATTER",
	Dgram:      "DGRAM",
	PeerSocket: "PEER",
	Channel:    "CHANNEL",
}

// compatible[t] has bit p set when a t socket may talk to a p socket (zmq-spec §1.10;
// the draft types as libzmq 4.3.5's mechanism_t::check_socket_type).
var compatible = [...]uint32{
	Pair:   1 << Pair,
	Pub:    1<<Sub | 1<<XSub,
	Sub:    1<<Pub | 1<<XPub,
	Req:    1<<Rep | 1<<Router,
	Rep:    1<<Req | 1<<Dealer,
	Dealer: 1<<Rep | 1<<Dealer | 1<<Router,
	Router: 1<<Req | 1<<Dealer | 1<<Router,
	Pull:   1 << Push,
	Push:   1 << Pull,
	XPub:   1<<Sub | 1<<XSub,
	XSub:   1<<Pub | 1<<XPub,
	Stream: 0,

	Server:     1 << Client,
	Client:     1 << Server,
	Radio:      1 << Dish,
	Dish:       1 << Radio,
	Gather:     1 << Scatter,
	Scatter:    1 << Gather,
	Dgram:      0,
	PeerSocket: 1 << PeerSocket,
	Channel:    1 << Channel,
}

// Draft reports whether t is one of libzmq's draft socket types (SERVER to
// CHANNEL): thread-safe in libzmq, and single-frame.
func (t SocketType) Draft() bool { return t >= Server && t <= Channel }

// String returns the ZMTP name of t ("PAIR", "PUB", ...), or "SocketType(N)"
// for an unknown value.
func (t SocketType) String() string {
	if t.valid() {
		return socketTypeNames[t]
	}
	return "SocketType(" + strconv.Itoa(int(t)) + ")"
}

func (t SocketType) valid() bool { return int(t) < len(socketTypeNames) && socketTypeNames[t] != "" }

// ParseSocketType returns the socket type named by name, which must be an
// exact, case-sensitive ZMTP name such as "DEALER". It does not allocate.
func ParseSocketType(name []byte) (SocketType, bool) {
	for i, s := range socketTypeNames {
		if s != "" && string(name) == s {
			return SocketType(i), true
		}
	}
	return 0, false
}

// Compatible reports whether a socket of type t may talk to a peer of type
// peer, following the table of zmq-spec §1.10.
func (t SocketType) Compatible(peer SocketType) bool {
	return t.valid() && peer.valid() && compatible[t]&(1<<peer) != 0
}

// SendsIdentity reports whether t sends the Identity property in its READY
// metadata: libzmq does so for REQ, DEALER and ROUTER.
func (t SocketType) SendsIdentity() bool {
	return t == Req || t == Dealer || t == Router
}
