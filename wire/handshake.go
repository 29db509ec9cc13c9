package wire

import (
	"errors"
	"fmt"
)

// HandshakeConfig is the local side of a ZMTP handshake.
type HandshakeConfig struct {
	SocketType SocketType
	// Identity is sent as the Identity property only if
	// SocketType.SendsIdentity(), and then always, possibly empty (as libzmq
	// does). At most 255 bytes.
	Identity []byte
	// Mechanism is the security mechanism; nil means NULL.
	Mechanism Mechanism
	// Metadata holds extra application properties (names starting "X-").
	Metadata Metadata
}

// Peer describes the remote side after a successful handshake.
type Peer struct {
	// Major and Minor are the peer's ZMTP version. A major version above 3 is
	// reported as 3.1, the way libzmq treats it, so Minor can be given to
	// AppendSubscription as is.
	Major, Minor uint8
	SocketType   SocketType
	Identity     []byte   // the peer's Identity property, nil if it sent none
	Metadata     Metadata // every property the peer sent
}

// Reasons sent in the ERROR command when the peer's socket type is refused.
const (
	reasonIncompatible = "incompatible socket type"
	reasonUnknown      = "unknown socket type"
)

// Handshake runs the ZMTP 3.x handshake over r and w, which must wrap the two
// directions of one connection. It sends our full 64-byte greeting (version
// 3.1), reads the peer's and requires a major version of at least 3
// (ErrNotZMTP, ErrVersion), requires the same mechanism
// (ErrMechanismMismatch, no ERROR sent, as in libzmq), runs the mechanism,
// and then checks the peer's Socket-Type: missing (ErrInvalidMetadata),
// unknown (ErrUnknownSocketType) or incompatible with ours
// (ErrIncompatibleSocketType). In the last two cases it first sends an ERROR
// command and flushes it, as ZMTP says a peer should.
//
// Handshake writes before it reads. Over a transport whose writes block until
// the other side reads (net.Pipe), the two sides must read concurrently with
// their writes or they deadlock. Deadlines are the caller's business:
// set them on the connection.
func Handshake(r *Reader, w *Writer, cfg HandshakeConfig) (Peer, error) {
	mech := cfg.Mechanism
	if mech == nil {
		mech = Null{}
	}
	if !cfg.SocketType.valid() {
		return Peer{}, fmt.Errorf("wire: invalid local socket type %v", cfg.SocketType)
	}
	if len(cfg.Identity) > 255 {
		return Peer{}, errors.New("wire: identity longer than 255 bytes")
	}
	if err := cfg.Metadata.Validate(); err != nil {
		return Peer{}, err
	}

	var gb [GreetingSize]byte
	g := Greeting{Major: 3, Minor: 1, Mechanism: mech.Name()}
	if err := w.WriteRaw(g.Append(gb[:0])); err != nil {
		return Peer{}, err
	}
	if err := w.Flush(); err != nil {
		return Peer{}, err
	}
	pg, err := r.ReadGreeting()
	if err != nil {
		return Peer{}, err
	}
	peer := Peer{Major: pg.Major, Minor: pg.Minor}
	if peer.Major > 3 {
		peer.Major, peer.Minor = 3, 1
	}
	if pg.Mechanism != mech.Name() {
		return peer, protoErrf(CodeMechanismMismatch, ErrMechanismMismatch, "we use %q, peer uses %q", mech.Name(), pg.Mechanism)
	}

	local := make(Metadata, 0, 2+len(cfg.Metadata))
	local = append(local, Property{Name: PropSocketType, Value: []byte(cfg.SocketType.String())})
	if cfg.SocketType.SendsIdentity() {
		id := cfg.Identity
		if id == nil {
			id = []byte{}
		}
		local = append(local, Property{Name: PropIdentity, Value: id})
	}
	local = append(local, cfg.Metadata...)

	md, err := mech.Handshake(r, w, local)
	if err != nil {
		return peer, err
	}
	peer.Metadata = md
	peer.Identity, _ = md.Get(PropIdentity)

	name, ok := md.Get(PropSocketType)
	if !ok {
		return peer, protoErr(CodeInvalidMetadata, ErrInvalidMetadata, "no Socket-Type property")
	}
	t, ok := ParseSocketType(name)
	if !ok {
		sendError(w, reasonUnknown)
		return peer, protoErrf(CodeInvalidMetadata, ErrUnknownSocketType, "Socket-Type %q", name)
	}
	peer.SocketType = t
	if !cfg.SocketType.Compatible(t) {
		sendError(w, reasonIncompatible)
		return peer, protoErrf(CodeInvalidMetadata, ErrIncompatibleSocketType, "%v cannot talk to %v", cfg.SocketType, t)
	}
	return peer, nil
}

// sendError sends an ERROR command and flushes it, ignoring write errors: the
// handshake is failing anyway.
func sendError(w *Writer, reason string) {
	if w.WriteRaw(AppendError(nil, reason)) == nil {
		_ = w.Flush()
	}
}
