// Package cert holds CURVE keys and certificates: key-pair generation,
// public-from-secret derivation, Z85 text forms, and certificate files in the
// ZPL format that CZMQ (zcert) and pyzmq (zmq.auth) read and write.
//
// A certificate is a pair of files: NAME.key holds the public key and may be
// handed out; NAME.key_secret holds both keys and is written readable by its
// owner only. Both carry an optional metadata section:
//
//	#   ZeroMQ CURVE Public Certificate
//	...
//
//	metadata
//	    name = "value"
//	curve
//	    public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
package cert

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/brokerless/zmq/z85"
	"golang.org/x/crypto/curve25519"
)

// KeySize is the size of a CURVE key in bytes; its Z85 text is 40 characters.
const KeySize = 32

// keyTextSize is the length of a key's Z85 text.
const keyTextSize = 40

// ErrKey is wrapped by every error about a key's text or value.
var ErrKey = errors.New("cert: invalid key")

// PublicKey is a CURVE (X25519) public key. Its String is the Z85 text.
type PublicKey [KeySize]byte

// SecretKey is a CURVE (X25519) secret key. Its String and GoString do not
// reveal it, so it cannot leak into a log by accident; Z85 gives the text.
type SecretKey [KeySize]byte

// GenerateKeyPair returns a new random key pair, from crypto/rand.
func GenerateKeyPair() (PublicKey, SecretKey, error) {
	var sec SecretKey
	if _, err := rand.Read(sec[:]); err != nil {
		return PublicKey{}, SecretKey{}, fmt.Errorf("cert: generating a key: %w", err)
	}
	return sec.Public(), sec, nil
}

// Public derives the public key of s.
func (s SecretKey) Public() PublicKey {
	var p PublicKey
	curve25519.ScalarBaseMult((*[32]byte)(&p), (*[32]byte)(&s))
	return p
}

// Z85 returns the 40-character Z85 text of the secret key.
func (s SecretKey) Z85() string { return encodeKey(s[:]) }

// String returns a placeholder, never the key.
func (s SecretKey) String() string { return "cert.SecretKey(redacted)" }

// GoString returns a placeholder, never the key.
func (s SecretKey) GoString() string { return s.String() }

// String returns the 40-character Z85 text of the public key.
func (p PublicKey) String() string { return encodeKey(p[:]) }

// ParsePublicKey parses a public key from its 40-character Z85 text (a 41st
// character that is NUL is allowed, as libzmq allows it).
func ParsePublicKey(s string) (PublicKey, error) {
	var p PublicKey
	return p, parseKey(p[:], s, "public")
}

// ParseSecretKey parses a secret key from its 40-character Z85 text. The
// error never quotes the text.
func ParseSecretKey(s string) (SecretKey, error) {
	var k SecretKey
	return k, parseKey(k[:], s, "secret")
}

func encodeKey(k []byte) string {
	s, err := z85.Encode(k)
	if err != nil {
		panic(err) // 32 is a multiple of 4
	}
	return s
}

// parseKey decodes the Z85 key text s into dst. Errors say what is wrong
// without quoting s, which may be secret.
func parseKey(dst []byte, s, kind string) error {
	s = strings.TrimSuffix(s, "\x00")
	if len(s) != keyTextSize {
		return fmt.Errorf("%w: %s key text of %d characters, want %d", ErrKey, kind, len(s), keyTextSize)
	}
	b, err := z85.Decode(s)
	if err != nil {
		return fmt.Errorf("%w: %s key is not Z85 text", ErrKey, kind)
	}
	copy(dst, b)
	return nil
}
