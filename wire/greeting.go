package wire

import "io"

// GreetingSize is the length of a ZMTP 3.x greeting.
const GreetingSize = 64

// signatureSize is the length of the signature that opens every versioned
// greeting: FF, eight bytes of padding, 7F.
const signatureSize = 10

// mechanismSize is the width of the greeting's NUL-padded mechanism field.
const mechanismSize = 20

// Greeting is the 64-byte ZMTP 3.x greeting (zmq-spec §1.1).
//
// Layout: signature FF, 8 padding bytes, 7F; version major and minor; the
// mechanism name NUL-padded to 20 bytes; the as-server byte; 31 filler bytes.
type Greeting struct {
	Major, Minor uint8
	// Mechanism is the security mechanism name: "NULL", "PLAIN", "CURVE".
	// ParseGreeting strips only trailing NULs, so comparing two Mechanism
	// strings is comparing the two 20-byte fields.
	Mechanism string
	// AsServer is the as-server flag. libzmq always sends false and never
	// reads it; roles come from local configuration (gotcha 1).
	AsServer bool
}

// Append appends the 64-byte encoding of g to b. Padding and filler are zero.
// A Mechanism longer than 20 bytes is truncated. (Handshake sends its greeting
// in steps, with libzmq's padding: see Handshake.)
func (g Greeting) Append(b []byte) []byte {
	b = append(b, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, g.Major, g.Minor)
	var mech [mechanismSize]byte
	copy(mech[:], g.Mechanism)
	b = append(b, mech[:]...)
	as := byte(0)
	if g.AsServer {
		as = 1
	}
	b = append(b, as)
	var filler [31]byte
	return append(b, filler[:]...)
}

// CheckSignature checks the first 10 bytes of a greeting: byte 0 must be FF and
// bit 0 of byte 9 must be set, otherwise the peer does not speak a versioned
// ZMTP and the result is a *ProtocolError wrapping ErrNotZMTP. The padding is
// never examined (libzmq fills it with the routing-id length, gotcha 2).
// With fewer than 10 bytes it returns ErrNotZMTP if what is there already
// disqualifies the peer, and io.ErrUnexpectedEOF otherwise.
func CheckSignature(b []byte) error {
	if len(b) > 0 && b[0] != 0xFF {
		return protoErrf(CodeZMTPUnspecified, ErrNotZMTP, "signature starts with %#02x", b[0])
	}
	if len(b) < signatureSize {
		return io.ErrUnexpectedEOF
	}
	if b[9]&1 == 0 {
		return protoErrf(CodeZMTPUnspecified, ErrNotZMTP, "signature ends with %#02x", b[9])
	}
	return nil
}

// ParseGreeting parses the greeting at the start of b, which must hold at least
// GreetingSize bytes (io.ErrUnexpectedEOF otherwise). It checks the signature
// (ErrNotZMTP) and that the major version is at least 3 (ErrVersion); any
// major above 3 is accepted, as ZMTP requires. Padding, as-server and filler
// are never validated.
func ParseGreeting(b []byte) (Greeting, error) {
	if err := CheckSignature(b); err != nil {
		return Greeting{}, err
	}
	if len(b) < GreetingSize {
		return Greeting{}, io.ErrUnexpectedEOF
	}
	g := Greeting{Major: b[10], Minor: b[11], AsServer: b[32] == 1}
	if g.Major < 3 {
		return g, protoErrf(CodeZMTPUnspecified, ErrVersion, "peer speaks ZMTP %d.%d", g.Major, g.Minor)
	}
	mech := b[12 : 12+mechanismSize]
	n := len(mech)
	for n > 0 && mech[n-1] == 0 {
		n--
	}
	g.Mechanism = internMechanism(mech[:n])
	return g, nil
}

// internMechanism returns mech as a string, without allocating for the
// standard mechanism names.
func internMechanism(mech []byte) string {
	switch string(mech) {
	case "NULL":
		return "NULL"
	case "PLAIN":
		return "PLAIN"
	case "CURVE":
		return "CURVE"
	case "GSSAPI":
		return "GSSAPI"
	}
	return string(mech)
}
