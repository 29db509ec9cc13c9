package wire

import (
	"encoding/binary"
	"io"
)

// The ZMTP 1.0 and 2.0 handshakes (13/ZMTP, 15/ZMTP), as libzmq 4.3 runs them with
// old peers (zmq-spec §1.2, §1.3).

// legacyGreetingSize is the length of a ZMTP/2.0 greeting: the signature, the
// revision and the socket type.
const legacyGreetingSize = signatureSize + 2

// maxLegacyIdentity is the longest identity frame body we take from an old peer:
// the longest identity libzmq lets a socket set.
const maxLegacyIdentity = 255

// appendSignature appends the 10-byte signature: FF, the length of an identity frame
// of idLen bytes as a u64 (ZMTP/1.0's long length form, which counts the flags
// byte), 7F. A ZMTP/1.0 peer reads it as the header of our identity frame with flags
// 7F, as it reads libzmq's.
func appendSignature(b []byte, idLen int) []byte {
	return append(binary.BigEndian.AppendUint64(append(b, 0xFF), uint64(idLen)+1), 0x7F)
}

// v1Identity describes the identity frame header an unversioned ZMTP/1.0 peer opens
// with, in place of a signature.
type v1Identity struct {
	ok     bool // the peer is unversioned
	hdrLen int  // header length, 2 or 10
	idLen  int  // identity body length
}

// readSignature reads the peer's first bytes until it can tell a versioned
// signature (returned as a zero v1Identity, with the bytes still buffered) from the
// identity frame header of an unversioned ZMTP/1.0 peer. Anything else is
// ErrNotZMTP, decided as soon as the bytes allow: a first byte 00 (no frame has
// length 0), or a first byte below FF followed by a flags byte other than 00 (an
// identity is one frame without MORE), which rules out text protocols such as HTTP
// at the second byte. An identity longer than 255 bytes is refused too.
func (r *Reader) readSignature() (v1Identity, error) {
	if err := r.fill(1); err != nil {
		return v1Identity{}, err
	}
	b0 := r.buf[r.r]
	if b0 == 0 {
		return v1Identity{}, protoErr(CodeZMTPUnspecified, ErrNotZMTP, "first byte 00 is neither a signature nor a ZMTP/1.0 frame")
	}
	if b0 != 0xFF {
		if err := r.fill(2); err != nil {
			return v1Identity{}, unexpected(err)
		}
		if f := r.buf[r.r+1]; f != 0 {
			return v1Identity{}, protoErrf(CodeZMTPUnspecified, ErrNotZMTP, "first bytes %#02x %#02x are neither a signature nor a ZMTP/1.0 identity frame", b0, f)
		}
		return v1Identity{ok: true, hdrLen: 2, idLen: int(b0) - 1}, nil
	}
	if err := r.fill(signatureSize); err != nil {
		return v1Identity{}, unexpected(err)
	}
	b := r.buf[r.r : r.r+signatureSize]
	if b[9]&1 != 0 {
		return v1Identity{}, nil
	}
	length := binary.BigEndian.Uint64(b[1:9])
	if b[9] != 0 || length == 0 {
		return v1Identity{}, protoErrf(CodeZMTPUnspecified, ErrNotZMTP, "signature ends with %#02x", b[9])
	}
	if length-1 > maxLegacyIdentity {
		return v1Identity{}, protoErrf(CodeZMTPUnspecified, ErrNotZMTP, "ZMTP/1.0 identity of %d bytes", length-1)
	}
	return v1Identity{ok: true, hdrLen: signatureSize, idLen: int(length - 1)}, nil
}

// refuseMechanism reports an old peer to a socket configured with security, or
// that authenticates its NULL peers: like libzmq with ZAP enabled, it would
// otherwise let an old peer skip the authentication.
func refuseMechanism(mech Mechanism, version string) error {
	if ns, ok := mech.(*NullServer); ok && ns.Authenticate != nil {
		return protoErrf(CodeZMTPUnspecified, ErrVersion, "peer speaks ZMTP %s, which cannot be authenticated", version)
	}
	if mech.Name() == "NULL" {
		return nil
	}
	return protoErrf(CodeZMTPUnspecified, ErrVersion, "peer speaks ZMTP %s, which has no %s security", version, mech.Name())
}

// handshakeV1 finishes the handshake with an unversioned ZMTP/1.0 peer: our
// signature was the header of our identity frame, so the body follows; the peer's
// first bytes were the header of its identity frame, whose body follows.
func handshakeV1(r *Reader, w *Writer, cfg HandshakeConfig, mech Mechanism, v1 v1Identity) (Peer, error) {
	peer := Peer{Major: 1}
	if err := refuseMechanism(mech, "1.0"); err != nil {
		return peer, err
	}
	if err := writeFlush(w, cfg.Identity); err != nil {
		return peer, err
	}
	r.r += v1.hdrLen
	if err := r.fill(v1.idLen); err != nil {
		return peer, unexpected(err)
	}
	peer.Identity = append([]byte{}, r.buf[r.r:r.r+v1.idLen]...)
	r.r += v1.idLen
	w.useV1()
	r.useV1(cfg.SocketType == Pub || cfg.SocketType == XPub)
	return peer, nil
}

// handshakeV2 finishes the handshake with a peer of revision rev, 0 or 1, whose
// signature and revision are buffered in r: both sides send the socket-type byte,
// then an identity frame, in ZMTP/1.0 framing for revision 0 and ZMTP/2.0 framing
// for revision 1.
func handshakeV2(r *Reader, w *Writer, cfg HandshakeConfig, mech Mechanism, rev byte) (Peer, error) {
	peer, version := Peer{Major: 2}, "2.0"
	if rev == 0 {
		peer, version = Peer{Major: 1}, "1.0"
	}
	if err := refuseMechanism(mech, version); err != nil {
		return peer, err
	}
	if err := writeFlush(w, []byte{byte(cfg.SocketType)}); err != nil {
		return peer, err
	}
	if err := r.fill(legacyGreetingSize); err != nil {
		return peer, unexpected(err)
	}
	t := SocketType(r.buf[r.r+legacyGreetingSize-1])
	r.r += legacyGreetingSize
	if !t.valid() {
		return peer, protoErrf(CodeInvalidMetadata, ErrUnknownSocketType, "socket-type byte %d", byte(t))
	}
	peer.SocketType = t
	if !cfg.SocketType.Compatible(t) {
		return peer, protoErrf(CodeInvalidMetadata, ErrIncompatibleSocketType, "%v cannot talk to %v", cfg.SocketType, t)
	}
	if rev == 0 {
		w.useV1()
		r.useV1(false)
	}
	if err := w.WriteFrame(0, cfg.Identity); err != nil {
		return peer, err
	}
	if err := w.Flush(); err != nil {
		return peer, err
	}
	id, err := r.readIdentity()
	if err != nil {
		return peer, err
	}
	peer.Identity = id
	return peer, nil
}

// readIdentity reads the identity frame that opens an old peer's stream: one data
// frame of at most 255 bytes, refused from its header alone if it is longer.
func (r *Reader) readIdentity() ([]byte, error) {
	flags, size, err := r.readHeader()
	if err != nil {
		return nil, unexpected(err)
	}
	if flags&(FlagMore|FlagCommand) != 0 {
		return nil, protoErrf(CodeZMTPUnspecified, ErrMalformedFrame, "identity frame with flags %#02x", flags)
	}
	if size > maxLegacyIdentity {
		return nil, protoErrf(CodeZMTPUnspecified, ErrMalformedFrame, "identity frame of %d bytes", size)
	}
	body, err := r.readBody(size)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, body...), nil
}

var _ io.Reader = (*v1Decoder)(nil)
