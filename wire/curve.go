package wire

import (
	"crypto/rand"
	"encoding/binary"
	"io"
)

// CurveKeySize is the size of a CURVE (X25519) public or secret key.
const CurveKeySize = 32

// Sizes of the CURVE commands (zmq-spec §2.3), as command bodies: name-len,
// name and data.
const (
	curveHelloSize    = 200
	curveWelcomeSize  = 168
	curveInitiateMin  = 257
	curveReadyMin     = 30
	curveMessageMin   = 33
	curveCookieSize   = 96
	curveVouchSize    = 96
	curveHelloPadding = 72
)

// CURVE nonce prefixes (26/CurveZMQ).
const (
	nonceHello    = "CurveZMQHELLO---"
	nonceWelcome  = "WELCOME-"
	nonceCookie   = "COOKIE--"
	nonceVouch    = "VOUCH---"
	nonceInitiate = "CurveZMQINITIATE"
	nonceReady    = "CurveZMQREADY---"
	nonceMsgC     = "CurveZMQMESSAGEC"
	nonceMsgS     = "CurveZMQMESSAGES"
	cmdMessage    = "MESSAGE"
)

// randReader is the source of keys, nonces and cookie keys. Tests do not
// replace it; it is a variable only to keep the one import site obvious.
var randReader io.Reader = rand.Reader

// shortNonce returns prefix (16 bytes) followed by n as a big-endian uint64.
func shortNonce(prefix string, n uint64) (nonce [24]byte) {
	copy(nonce[:16], prefix)
	binary.BigEndian.PutUint64(nonce[16:], n)
	return nonce
}

// longNonce returns prefix (8 bytes) followed by 16 bytes of r.
func longNonce(prefix string, r []byte) (nonce [24]byte) {
	copy(nonce[:8], prefix)
	copy(nonce[8:], r[:16])
	return nonce
}

// random fills b from randReader.
func random(b []byte) error {
	_, err := io.ReadFull(randReader, b)
	return err
}

func cryptoErr(code uint32, detail string) error {
	return protoErr(code, ErrCrypto, detail)
}
