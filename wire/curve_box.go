package wire

import (
	"crypto/subtle"
	"encoding/binary"

	//lint:ignore SA1019 curveStream builds XSalsa20-Poly1305 (nacl/box) from its parts to derive the subkey once per connection
	"golang.org/x/crypto/poly1305"
	//lint:ignore SA1019 HSalsa20 and the Salsa20 core are needed for the same reason; nacl/box exposes neither
	"golang.org/x/crypto/salsa20/salsa"
)

// curveStream seals or opens the MESSAGE boxes of one direction of a CURVE
// connection, byte for byte as nacl/box's SealAfterPrecomputation and
// OpenAfterPrecomputation (XSalsa20-Poly1305) do, from x/crypto's salsa20 and
// poly1305, but with the first step done once per connection.
//
// XSalsa20 derives a subkey from the key and the nonce's first 16 bytes with
// HSalsa20, then runs Salsa20 with the subkey and the nonce's last 8 bytes.
// Every MESSAGE nonce of a direction starts with the same 16 bytes
// ("CurveZMQMESSAGEC" or "CurveZMQMESSAGES") and ends with the short nonce, so
// the subkey is the same for all of them: deriving it once saves a third of the
// work on a small frame. The rest is secretbox's construction unchanged: the
// first 32 bytes of keystream block 0 key Poly1305, the plaintext is XORed with
// the keystream from byte 32 on, and the tag covers the ciphertext.
//
// x/crypto marks its poly1305 package deprecated for general use (a key must
// never authenticate two messages); here, as inside secretbox, every box gets
// a one-time key from its own keystream. Verify compares tags in constant time.
type curveStream struct {
	subKey [32]byte // HSalsa20(shared key, nonce prefix)
}

// boxOverhead is the size of a box's authenticator (nacl/box.Overhead).
const boxOverhead = poly1305.TagSize

// maxShortPlain is the largest plaintext (flags byte and body) whose keystream
// fits keystream blocks 0 and 1 with the Poly1305 key: such a box takes one
// call for both blocks, whole, instead of one for block 0 and one for a
// partial block 1.
const maxShortPlain = 128 - 32

// init derives the subkey of nonces starting with prefix (16 bytes) under key.
func (s *curveStream) init(key *[32]byte, prefix string) {
	var in [16]byte
	copy(in[:], prefix)
	salsa.HSalsa20(&s.subKey, &in, key, &salsa.Sigma)
}

// keyBlock returns the counter of short nonce n (block 0) and keystream
// block 0: the Poly1305 key, then the keystream of plaintext bytes 0 to 31.
func (s *curveStream) keyBlock(n uint64) (counter [16]byte, block [64]byte) {
	binary.BigEndian.PutUint64(counter[:8], n)
	salsa.XORKeyStream(block[:], block[:], &counter, &s.subKey)
	return counter, block
}

// seal writes into out, which must hold exactly boxOverhead+1+len(body) bytes
// and must not overlap body, the box of the plaintext inner, body under short
// nonce n: the tag, then the ciphertext.
func (s *curveStream) seal(out []byte, n uint64, inner byte, body []byte) {
	if 1+len(body) <= maxShortPlain {
		s.sealShort(out, n, inner, body)
		return
	}
	counter, block := s.keyBlock(n)
	ct := out[boxOverhead:]
	ct[0] = inner ^ block[32]
	first := min(len(body), 31)
	subtle.XORBytes(ct[1:1+first], body[:first], block[33:33+first])
	if len(body) > first {
		counter[8] = 1 // keystream block 1 onwards: plaintext bytes 32 and up
		salsa.XORKeyStream(ct[32:], body[first:], &counter, &s.subKey)
	}
	var polyKey [32]byte
	copy(polyKey[:], block[:32])
	var tag [boxOverhead]byte
	poly1305.Sum(&tag, ct, &polyKey)
	copy(out, tag[:])
	clear(block[:])
	clear(polyKey[:])
}

// keyBlocks returns keystream blocks 0 and 1 of short nonce n.
func (s *curveStream) keyBlocks(n uint64) (ks [128]byte) {
	var counter [16]byte
	binary.BigEndian.PutUint64(counter[:8], n)
	salsa.XORKeyStream(ks[:], ks[:], &counter, &s.subKey)
	return ks
}

// sealShort is seal for a plaintext of at most maxShortPlain bytes.
func (s *curveStream) sealShort(out []byte, n uint64, inner byte, body []byte) {
	ks := s.keyBlocks(n)
	ct := out[boxOverhead:]
	ct[0] = inner ^ ks[32]
	subtle.XORBytes(ct[1:], body, ks[33:])
	var polyKey [32]byte
	copy(polyKey[:], ks[:32])
	var tag [boxOverhead]byte
	poly1305.Sum(&tag, ct, &polyKey)
	copy(out, tag[:])
	clear(ks[:])
	clear(polyKey[:])
}

// openShort is open for a box whose plaintext is at most maxShortPlain bytes.
func (s *curveStream) openShort(dst []byte, n uint64, box []byte) (inner byte, out []byte, ok bool) {
	ks := s.keyBlocks(n)
	defer clear(ks[:])
	var polyKey [32]byte
	copy(polyKey[:], ks[:32])
	var tag [boxOverhead]byte
	copy(tag[:], box)
	ct := box[boxOverhead:]
	ok = poly1305.Verify(&tag, ct, &polyKey)
	clear(polyKey[:])
	if !ok {
		return 0, dst, false
	}
	start := len(dst)
	out = grow(dst, len(ct)-1)
	subtle.XORBytes(out[start:], ct[1:], ks[33:])
	return ct[0] ^ ks[32], out, true
}

// open checks box (the tag, then at least one byte of ciphertext) under short
// nonce n in constant time and, if it is authentic, appends the plaintext
// after its first byte to dst and returns that first byte. When it is not, ok
// is false and dst is returned unchanged, with nothing decrypted.
func (s *curveStream) open(dst []byte, n uint64, box []byte) (inner byte, out []byte, ok bool) {
	if len(box)-boxOverhead <= maxShortPlain {
		return s.openShort(dst, n, box)
	}
	counter, block := s.keyBlock(n)
	defer clear(block[:])
	var polyKey [32]byte
	copy(polyKey[:], block[:32])
	var tag [boxOverhead]byte
	copy(tag[:], box)
	ct := box[boxOverhead:]
	ok = poly1305.Verify(&tag, ct, &polyKey)
	clear(polyKey[:])
	if !ok {
		return 0, dst, false
	}
	inner = ct[0] ^ block[32]
	ct = ct[1:]
	start := len(dst)
	out = grow(dst, len(ct))
	body := out[start:]
	first := min(len(ct), 31)
	subtle.XORBytes(body[:first], ct[:first], block[33:33+first])
	if len(ct) > first {
		counter[8] = 1
		salsa.XORKeyStream(body[first:], ct[first:], &counter, &s.subKey)
	}
	return inner, out, true
}

// grow returns dst extended by n bytes, reallocating only when its capacity is
// short.
func grow(dst []byte, n int) []byte {
	if total := len(dst) + n; total <= cap(dst) {
		return dst[:total]
	}
	out := make([]byte, len(dst)+n)
	copy(out, dst)
	return out
}
