package wire

import (
	"errors"
	"fmt"
)

// HandshakeConfig is the local side of a ZMTP handshake.
type HandshakeConfig struct {
	SocketType SocketType
	// Identity is sent to a ZMTP 3.x peer as the Identity property only if
	// SocketType.SendsIdentity(), and then always, possibly empty (as libzmq
	// does). A ZMTP 1.0 or 2.0 peer gets it, possibly empty, as the identity
	// frame that opens the stream, whatever the socket type. At most 255 bytes.
	Identity []byte
	// Mechanism is the security mechanism; nil means NULL.
	Mechanism Mechanism
	// Metadata holds extra application properties (names starting "X-").
	Metadata Metadata
	// MaxFrame, if positive, is set as r's frame limit (Reader.SetMaxFrame)
	// before anything is read, so that a handshake command whose header
	// announces more is refused from the header, as libzmq applies MAXMSGSIZE
	// from the greeting on. The limit stays set afterwards.
	MaxFrame int64
}

// Peer describes the remote side after a successful handshake.
type Peer struct {
	// Major and Minor are the peer's ZMTP version. A major version above 3 is
	// reported as 3.1, the way libzmq treats it, so Minor can be given to
	// AppendSubscription as is. A ZMTP/2.0 peer is 2.0, and a ZMTP/1.0 peer
	// (unversioned, or revision 0) is 1.0: neither takes commands, so neither
	// gets heartbeats, and subscriptions to them travel as messages.
	Major, Minor uint8
	// SocketType is the peer's socket type: its Socket-Type property, or for
	// ZMTP 2.0 the socket-type byte of its greeting. An unversioned ZMTP/1.0
	// peer announces none, and SocketType is then the zero value, Pair.
	SocketType SocketType
	// Identity is the peer's Identity property, nil if it sent none; from a
	// ZMTP 1.0 or 2.0 peer, the body of its identity frame, never nil.
	Identity []byte
	Metadata Metadata // every property the peer sent; nil below ZMTP 3.0
}

// Reasons sent in the ERROR command when the peer's socket type is refused.
const (
	reasonIncompatible = "incompatible socket type"
	reasonUnknown      = "unknown socket type"
)

// Handshake runs the ZMTP handshake over r and w, which must wrap the two
// directions of one connection, in the steps libzmq 4.3 takes so that older peers
// can be recognised (zmq-spec §1.2): it sends the 10-byte signature, reads the
// peer's, and then goes on in the peer's version.
//
//   - A peer whose first bytes are a ZMTP/1.0 identity frame rather than a
//     signature gets the ZMTP/1.0 exchange (13/ZMTP). Bytes that are neither are
//     ErrNotZMTP, decided from the first two bytes when they suffice.
//   - Otherwise Handshake sends the major version 3 and reads the peer's revision
//     (byte 10). Revision 1 is ZMTP/2.0 (15/ZMTP) and revision 0 its predecessor
//     with ZMTP/1.0 framing: Handshake sends our socket-type byte, checks the
//     peer's against ours (ErrUnknownSocketType, ErrIncompatibleSocketType; no
//     ERROR is sent, these versions have none), and exchanges identity frames.
//     See HandshakeConfig.Identity and Peer.
//   - Revision 3 or more is ZMTP 3.x: Handshake sends the rest of our greeting
//     (version 3.1) - with NULL's READY when the peer's greeting has not arrived
//     yet, since it does not depend on it - reads the peer's, requires the same
//     mechanism (ErrMechanismMismatch, no ERROR sent, as in libzmq; a peer of
//     another mechanism never reads an early READY), runs the mechanism, and
//     then checks the peer's Socket-Type: missing (ErrInvalidMetadata), unknown
//     (ErrUnknownSocketType) or incompatible with ours (ErrIncompatibleSocketType).
//     In the last two cases it first sends an ERROR command and flushes it, as
//     ZMTP says a peer should. Revision 2, which no ZMTP version uses, is
//     ErrVersion after the greeting.
//
// ZMTP 1.0 and 2.0 have no security: with a mechanism other than NULL, an old peer
// is ErrVersion, as libzmq refuses it. After an old handshake r and w carry the old
// framing (ZMTP/2.0 framing is that of 3.x without commands; ZMTP/1.0 framing is
// rewritten underneath them), so ReadMsg and WriteMsg are used as with 3.x peers.
// Command frames written to a ZMTP/1.0 peer are dropped; the caller should send
// none to a peer below 3.0 (no heartbeats, subscriptions as messages).
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
	if cfg.MaxFrame > 0 {
		r.SetMaxFrame(cfg.MaxFrame)
	}

	// The signature's padding is the length of our identity frame in ZMTP/1.0's
	// long form, so that a 1.0 peer reads the signature as its header.
	var gb [GreetingSize]byte
	if err := writeFlush(w, appendSignature(gb[:0], len(cfg.Identity))); err != nil {
		return Peer{}, err
	}
	v1, err := r.readSignature()
	if err != nil {
		return Peer{}, err
	}
	if v1.ok {
		return handshakeV1(r, w, cfg, mech, v1)
	}
	// The rest of the greeting goes out in parts, each once the peer's bytes before
	// it are in; a part is flushed only when the next step has to wait for the peer,
	// so that the parts whose answer is in already share one write.
	if err := w.WriteRaw([]byte{3}); err != nil {
		return Peer{}, err
	}
	if err := fillFlushed(r, w, signatureSize+1); err != nil {
		return Peer{}, unexpected(err)
	}
	if rev := r.buf[r.r+signatureSize]; rev < 2 {
		if err := w.Flush(); err != nil {
			return Peer{}, err
		}
		return handshakeV2(r, w, cfg, mech, rev)
	}
	g := Greeting{Major: 3, Minor: 1, Mechanism: mech.Name()}
	if err := w.WriteRaw(g.Append(gb[:0])[signatureSize+1:]); err != nil {
		return Peer{}, err
	}
	readySent := false
	if r.Buffered() < GreetingSize {
		// NULL's READY does not depend on the peer's greeting: it goes out with the
		// rest of ours, so that the peer, once it has sent its own, need not wait
		// for it. A peer of another mechanism learns the mismatch from our greeting
		// and never reads it.
		if isNull(mech) {
			if err := w.WriteRaw(AppendReady(nil, localMetadata(cfg))); err != nil {
				return Peer{}, err
			}
			readySent = true
		}
		if err := w.Flush(); err != nil {
			return Peer{}, err
		}
	}
	pg, err := r.ReadGreeting()
	if err != nil {
		_ = w.Flush() // the peer still learns our version
		return Peer{}, err
	}
	peer := Peer{Major: pg.Major, Minor: pg.Minor}
	if peer.Major > 3 {
		peer.Major, peer.Minor = 3, 1
	}
	if pg.Mechanism != mech.Name() {
		// Our greeting still tells the peer which mechanism we use.
		_ = w.Flush()
		return peer, protoErrf(CodeMechanismMismatch, ErrMechanismMismatch, "we use %q, peer uses %q", mech.Name(), pg.Mechanism)
	}
	// NULL writes its READY at once, with whatever of the greeting is unflushed;
	// the server side of another mechanism reads first.
	if !isNull(mech) {
		if err := w.Flush(); err != nil {
			return peer, err
		}
	}
	if readySent {
		md, err := readNullReady(r)
		if err != nil {
			return peer, err
		}
		return checkPeerMetadata(w, cfg, peer, md)
	}
	return handshakeCommands(r, w, cfg, mech, peer)
}

// isNull reports whether mech is the NULL mechanism without authentication,
// whose READY can go out before the peer's greeting is read.
func isNull(mech Mechanism) bool {
	switch mech.(type) {
	case Null, *Null:
		return true
	}
	return false
}

// HandshakeCommands runs the part of a ZMTP 3.x handshake that follows the greeting:
// the mechanism's commands (READY for NULL) and the check of the peer's Socket-Type,
// as [Handshake] does after the greeting. Transports that carry no greeting use it:
// ZWS 2.0 (ZeroMQ over WebSocket) agrees on the mechanism in its HTTP upgrade. The
// Peer it returns is ZMTP 3.0, whose subscriptions travel as messages, as libzmq
// sends them over WebSocket. cfg is checked as Handshake checks it.
func HandshakeCommands(r *Reader, w *Writer, cfg HandshakeConfig) (Peer, error) {
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
	return handshakeCommands(r, w, cfg, mech, Peer{Major: 3, Minor: 0})
}

// localMetadata returns the properties our READY (or INITIATE) carries: the
// socket type, the identity of the types that send one, and cfg.Metadata.
func localMetadata(cfg HandshakeConfig) Metadata {
	local := make(Metadata, 0, 2+len(cfg.Metadata))
	local = append(local, Property{Name: PropSocketType, Value: []byte(cfg.SocketType.String())})
	if cfg.SocketType.SendsIdentity() {
		id := cfg.Identity
		if id == nil {
			id = []byte{}
		}
		local = append(local, Property{Name: PropIdentity, Value: id})
	}
	return append(local, cfg.Metadata...)
}

// handshakeCommands runs mech and checks the peer's Socket-Type, filling in peer.
func handshakeCommands(r *Reader, w *Writer, cfg HandshakeConfig, mech Mechanism, peer Peer) (Peer, error) {
	md, err := mech.Handshake(r, w, localMetadata(cfg))
	if err != nil {
		return peer, err
	}
	return checkPeerMetadata(w, cfg, peer, md)
}

// checkPeerMetadata fills in peer from the metadata md the peer sent and checks
// its Socket-Type, sending ERROR when it is unknown or incompatible.
func checkPeerMetadata(w *Writer, cfg HandshakeConfig, peer Peer, md Metadata) (Peer, error) {
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

// fillFlushed makes r buffer n bytes, flushing w first when it has to wait for them:
// what w holds may be what the peer waits for before it sends them.
func fillFlushed(r *Reader, w *Writer, n int) error {
	if r.Buffered() < n {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return r.fill(n)
}

// writeFlush writes b and flushes it.
func writeFlush(w *Writer, b []byte) error {
	if err := w.WriteRaw(b); err != nil {
		return err
	}
	return w.Flush()
}

// sendError sends an ERROR command and flushes it, ignoring write errors: the
// handshake is failing anyway.
func sendError(w *Writer, reason string) {
	if w.WriteRaw(AppendError(nil, reason)) == nil {
		_ = w.Flush()
	}
}
