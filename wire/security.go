package wire

import (
	"errors"
	"fmt"
)

// Security errors. Failures are reported as a *ProtocolError wrapping one of
// these (or one of the general sentinels), except a refusal by the local
// Authenticator, which is an *AuthError. No error message ever holds a secret
// key, a password or a cookie.
var (
	// ErrCrypto: a box or cookie from the peer does not open, or a key the
	// peer proves does not match (CURVE). A client that uses the wrong server
	// public key gets this on WELCOME.
	ErrCrypto = errors.New("wire: CURVE cryptographic check failed")
	// ErrNonce: the peer reused a short nonce or sent one not above the last
	// (a replay or reordering).
	ErrNonce = errors.New("wire: CURVE nonce not increasing")
	// ErrAuthRefused: the server's Authenticator refused the client.
	ErrAuthRefused = errors.New("wire: authentication refused")
	// ErrMechanismReused: a PLAIN or CURVE mechanism value was used for a
	// second handshake. Each connection needs its own value.
	ErrMechanismReused = errors.New("wire: security mechanism used for more than one handshake")
	// ErrNonceExhausted: the 64-bit send counter ran out; the connection must
	// be closed.
	ErrNonceExhausted = errors.New("wire: CURVE nonce counter exhausted")
	// ErrServerHungUp: the server closed the connection right after our CURVE
	// HELLO, without WELCOME or ERROR. A CURVE server does that when HELLO does
	// not open with its secret key, so the client's ServerKey is most likely
	// not the server's public key (a server that is shutting down looks the
	// same, which is why a socket keeps reconnecting).
	ErrServerHungUp = errors.New("wire: CURVE server closed the connection after HELLO: most likely a wrong server key (ServerKey is not the server's public key)")
)

// Credentials are what a client presents to a server during a handshake,
// given to the server's Authenticator. The slices are valid only during the
// call.
type Credentials struct {
	// Mechanism is "NULL" (NullServer: no credentials), "PLAIN" or "CURVE".
	Mechanism string
	// Username and Password are the PLAIN credentials.
	Username, Password []byte
	// PublicKey is the client's 32-byte permanent CURVE public key, proven by
	// its vouch.
	PublicKey []byte
}

// AuthReply is an Authenticator's acceptance: what ZAP calls the user id and
// the metadata to attach to the client's messages.
type AuthReply struct {
	UserID   string
	Metadata Metadata
}

// An Authenticator decides whether a server accepts a client, in the way a
// ZAP handler does (package socket plugs its ZAP client in here when a server
// mechanism has no Authenticate of its own). It returns nil to
// accept, an *AuthError to refuse, or any other error to abort the handshake
// without telling the peer.
type Authenticator func(Credentials) (AuthReply, error)

// An AuthError is an Authenticator's refusal, with ZAP's status code. For
// "400" and "500" the server sends ERROR with the status code as reason, as
// libzmq does; for "300" (and any other code) it closes without a word. It
// wraps ErrAuthRefused.
type AuthError struct {
	Status string // "300", "400" or "500"
	Text   string // status text, reported locally only
}

// Error reports the refusal and its status; the text is local only.
func (e *AuthError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%v (status %s)", ErrAuthRefused, e.Status)
	}
	return fmt.Sprintf("%v (status %s: %s)", ErrAuthRefused, e.Status, e.Text)
}

// Unwrap returns ErrAuthRefused.
func (e *AuthError) Unwrap() error { return ErrAuthRefused }

// refuse handles an Authenticator error on the server: for an *AuthError with
// status 400 or 500 it sends ERROR(status). It returns the error to report.
func refuse(w *Writer, err error) error {
	var ae *AuthError
	if errors.As(err, &ae) && (ae.Status == "400" || ae.Status == "500") {
		sendError(w, ae.Status)
	}
	return err
}

// A FrameCodec protects the frames of a connection after a handshake, as
// CURVE does with its MESSAGE command. A Mechanism whose traffic is protected
// implements CodecMechanism; with NULL and PLAIN, frames travel in clear.
//
// Seal and Open keep separate state, so one goroutine may Seal while another
// Opens; neither may be called concurrently with itself. Neither allocates in
// steady state.
type FrameCodec interface {
	// Seal appends to dst one complete ZMTP frame (header included) carrying
	// the application frame body, with flags (FlagMore and FlagCommand; other
	// bits are ignored) protected inside it. For a command, body is the
	// command body (name-len, name, data), as ParseCommand takes it.
	Seal(dst []byte, flags byte, body []byte) ([]byte, error)
	// Open takes the body of one received frame, as Reader.ReadFrame returns
	// it, checks and decrypts it, and appends the application frame body to
	// dst. flags holds FlagMore and FlagCommand as the sender gave them to
	// Seal. On error dst is returned unchanged and the connection must be
	// closed.
	Open(dst []byte, frame []byte) (flags byte, out []byte, err error)
	// SealedSize returns the number of bytes Seal appends for a body of n bytes.
	SealedSize(n int) int
}

// CodecMechanism is implemented by a Mechanism whose traffic after the
// handshake is protected (CURVE). After a successful Handshake, Codec returns
// the connection's FrameCodec; every frame must then go through it, in both
// directions. Before that, or after a failed Handshake, it returns nil.
type CodecMechanism interface {
	Mechanism
	Codec() FrameCodec
}

// ServerMechanism is implemented by the server side of PLAIN and CURVE. After
// a successful Handshake, Auth returns what the Authenticator accepted and
// the credentials the client proved (the credential slices are copies).
type ServerMechanism interface {
	Mechanism
	Auth() (Credentials, AuthReply)
}

// redacted describes a mechanism for fmt without its secrets: the String and
// GoString methods of PlainClient, CurveClient and CurveServer use it, so that
// printing a configuration cannot leak a password or a secret key.
func redacted(kind string, public []byte) string {
	if public == nil {
		return "wire." + kind + "{secrets redacted}"
	}
	return fmt.Sprintf("wire.%s{PublicKey: %x, secrets redacted}", kind, public)
}

// String describes m without its password.
func (m PlainClient) String() string { return redacted("PlainClient", nil) }

// GoString describes m without its password.
func (m PlainClient) GoString() string { return m.String() }

// String describes m by its public key, without its secret key.
func (m CurveClient) String() string { return redacted("CurveClient", m.PublicKey[:]) }

// GoString describes m by its public key, without its secret key.
func (m CurveClient) GoString() string { return m.String() }

// String describes m by its public key, without its secret key.
func (m CurveServer) String() string { return redacted("CurveServer", m.PublicKey[:]) }

// GoString describes m by its public key, without its secret key.
func (m CurveServer) GoString() string { return m.String() }

// A MechanismCloner is a Mechanism that keeps per-connection state and can
// give a fresh copy of its configuration for each new connection. PlainClient,
// PlainServer, CurveClient and CurveServer implement it; a socket handshakes
// every connection with a clone of its configured mechanism, and uses a
// mechanism that is not a MechanismCloner (such as Null) as it is.
type MechanismCloner interface {
	Mechanism
	CloneMechanism() Mechanism
}

// CloneMechanism returns m.Clone() as a Mechanism.
func (m *PlainClient) CloneMechanism() Mechanism { return m.Clone() }

// CloneMechanism returns m.Clone() as a Mechanism.
func (m *PlainServer) CloneMechanism() Mechanism { return m.Clone() }

// CloneMechanism returns m.Clone() as a Mechanism.
func (m *CurveClient) CloneMechanism() Mechanism { return m.Clone() }

// CloneMechanism returns m.Clone() as a Mechanism.
func (m *CurveServer) CloneMechanism() Mechanism { return m.Clone() }
