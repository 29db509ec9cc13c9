package wire

import (
	"crypto/ecdh"
	"crypto/subtle"

	//lint:ignore SA1019 HSalsa20 turns the X25519 agreement into the box key, as nacl/box.Precompute does; nacl/box has no call that takes a prepared secret key
	"golang.org/x/crypto/salsa20/salsa"
)

// A CURVE handshake agrees on three box keys on each side (HELLO's, the
// session's and the vouch's), and each agreement is an X25519 scalar
// multiplication, the handshake's main cost. box.Precompute, Seal and Open
// reach X25519 through x/crypto's curve25519, which wraps crypto/ecdh and
// turns the secret scalar into an ecdh.PrivateKey on every call; that derives
// the matching public key, a second multiplication the agreement never uses.
//
// The mechanisms therefore keep each secret key as a curveSecret, whose
// ecdh.PrivateKey is made once: a transient key when it is generated (its
// public key is needed anyway), a permanent key once per configured mechanism
// and shared by its clones. An agreement is then crypto/ecdh's X25519 - the
// implementation x/crypto's curve25519 calls - followed by x/crypto's
// HSalsa20, exactly what box.Precompute computes, with one multiplication
// instead of two.

// curveSecret is a secret X25519 key ready for key agreement.
type curveSecret struct {
	raw [CurveKeySize]byte // the secret scalar as configured or generated
	key *ecdh.PrivateKey
}

// newCurveSecret prepares the secret key raw.
func newCurveSecret(raw *[CurveKeySize]byte) (*curveSecret, error) {
	key, err := ecdh.X25519().NewPrivateKey(raw[:])
	if err != nil {
		return nil, err
	}
	return &curveSecret{raw: *raw, key: key}, nil
}

// generateCurveSecret makes a transient key pair from randReader, as
// box.GenerateKey does, and returns its secret and public key.
func generateCurveSecret() (*curveSecret, [CurveKeySize]byte, error) {
	var raw, pub [CurveKeySize]byte
	if err := random(raw[:]); err != nil {
		return nil, pub, err
	}
	s, err := newCurveSecret(&raw)
	raw = [CurveKeySize]byte{}
	if err != nil {
		return nil, pub, err
	}
	copy(pub[:], s.key.PublicKey().Bytes())
	return s, pub, nil
}

// matches reports whether s was made from the secret key raw, in constant time.
func (s *curveSecret) matches(raw *[CurveKeySize]byte) bool {
	return s != nil && subtle.ConstantTimeCompare(s.raw[:], raw[:]) == 1
}

// precompute sets *shared to the box key of s and the public key peer, the
// value box.Precompute(shared, peer, &s.raw) sets. A peer key of low order,
// whose agreement is all zeros whatever the secret, is refused with a
// *ProtocolError wrapping ErrCrypto, as libsodium refuses it for libzmq.
func (s *curveSecret) precompute(shared, peer *[CurveKeySize]byte) error {
	pk, err := ecdh.X25519().NewPublicKey(peer[:])
	if err != nil {
		return cryptoErr(CodeCryptographic, "CURVE public key is not an X25519 key")
	}
	z, err := s.key.ECDH(pk)
	if err != nil {
		return cryptoErr(CodeCryptographic, "CURVE public key of low order")
	}
	copy(shared[:], z)
	clear(z)
	var zeros [16]byte
	salsa.HSalsa20(shared, &zeros, shared, &salsa.Sigma)
	return nil
}

// wipe clears the secret scalar s holds. The ecdh.PrivateKey keeps its own
// copy, which crypto/ecdh offers no way to clear; dropping s leaves it to the
// collector.
func (s *curveSecret) wipe() {
	if s != nil {
		s.raw = [CurveKeySize]byte{}
	}
}

// prepareSecret returns *cache when it was made from raw, or else a new
// curveSecret for raw, which it keeps in *cache. Clones of a configured
// mechanism start with the configured value's cache, so that a socket prepares
// its permanent key once rather than for every connection; a SecretKey changed
// after Clone is still honoured.
func prepareSecret(cache **curveSecret, raw *[CurveKeySize]byte) (*curveSecret, error) {
	if (*cache).matches(raw) {
		return *cache, nil
	}
	s, err := newCurveSecret(raw)
	if err != nil {
		return nil, err
	}
	*cache = s
	return s, nil
}
