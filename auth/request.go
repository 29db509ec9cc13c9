package auth

import (
	"bytes"
	"fmt"
	"log/slog"

	"github.com/brokerless/zmq/wire"
	"github.com/brokerless/zmq/z85"
)

// Mechanism names as they appear in ZAP requests.
const (
	MechanismNull  = "NULL"
	MechanismPlain = "PLAIN"
	MechanismCurve = "CURVE"
)

// ZAP status codes (RFC 27). A libzmq 4.3 server, and ours, completes the
// handshake on StatusOK, closes the connection silently on StatusTemporary, and
// sends an ERROR command carrying the code before closing on StatusRefused and
// StatusInternal.
const (
	StatusOK        = 200 // the client is accepted
	StatusTemporary = 300 // temporary failure: the client may try again later
	StatusRefused   = 400 // authentication failed: bad credentials or address
	StatusInternal  = 500 // the handler failed, or the request was malformed
)

// maxField bounds the text fields of a request and a reply: RFC 27 says they are
// at most 255 bytes.
const maxField = 255

// Request is one well-formed ZAP request, as the built-in policy and a Hook see
// it.
//
// The PLAIN password is kept out of the exported fields and out of every
// printed form of a Request (String, GoString and its slog value): read it with
// Password.
type Request struct {
	// ID is the request id, echoed in the reply (libzmq always sends "1").
	ID []byte
	// Domain is the server socket's ZAP domain; libzmq sends an empty domain
	// when none is set.
	Domain string
	// Address is the client's IP address as the server socket reported it.
	Address string
	// Identity is the Identity frame of the request. libzmq 4.3 sends the
	// server socket's own routing id there, not the client's.
	Identity []byte
	// Mechanism is "NULL", "PLAIN", "CURVE", or another mechanism's name.
	Mechanism string
	// Username is the PLAIN user name; empty for other mechanisms.
	Username string
	// ClientKey is the CURVE client's permanent public key; zero for other
	// mechanisms.
	ClientKey [32]byte
	// Credentials holds the raw credential frames of a mechanism this package
	// does not know (for NULL, PLAIN and CURVE it is nil: use the fields above).
	Credentials [][]byte

	password string
}

// Password returns the PLAIN password of the request, empty for other
// mechanisms. Never log it.
func (r *Request) Password() string { return r.password }

// ClientKeyZ85 returns the CURVE client key as 40 characters of Z85 text, or
// "" if the request is not a CURVE request.
func (r *Request) ClientKeyZ85() string {
	if r.Mechanism != MechanismCurve {
		return ""
	}
	s, _ := z85.Encode(r.ClientKey[:]) // 32 bytes always encode
	return s
}

// String describes the request without its password.
func (r Request) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "ZAP request %s domain=%q address=%q", r.Mechanism, r.Domain, r.Address)
	switch r.Mechanism {
	case MechanismPlain:
		fmt.Fprintf(&b, " user=%q", r.Username)
	case MechanismCurve:
		fmt.Fprintf(&b, " key=%s", r.ClientKeyZ85())
	}
	return b.String()
}

// GoString is String, so that %#v does not print the password either.
func (r Request) GoString() string { return r.String() }

// LogValue implements slog.LogValuer: the request's fields without its
// password.
func (r Request) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("domain", r.Domain),
		slog.String("address", r.Address),
		slog.String("mechanism", r.Mechanism),
	}
	switch r.Mechanism {
	case MechanismPlain:
		attrs = append(attrs, slog.String("user", r.Username))
	case MechanismCurve:
		attrs = append(attrs, slog.String("key", r.ClientKeyZ85()))
	}
	return slog.GroupValue(attrs...)
}

// Decision is the answer to a ZAP request.
type Decision struct {
	// Status is one of StatusOK, StatusTemporary, StatusRefused or
	// StatusInternal; any other value is replied as StatusInternal.
	Status int
	// Text is the status text of the reply, for logs (libzmq does not pass it
	// to the client). At most 255 bytes.
	Text string
	// UserID becomes the User-Id property of the client's messages when Status
	// is StatusOK; it is not sent with other statuses. At most 255 bytes.
	UserID string
	// Metadata is sent with StatusOK only: the server adds these properties to
	// those of the client's messages (msg.Properties), ahead of any the client
	// sent under the same name. Names are 1 to 255 of the characters RFC 27
	// allows (letters, digits, '-', '_', '.', '+'); the whole encodes to at most
	// 64 KiB. The built-in policy sends none.
	Metadata wire.Metadata
}

// Accepted reports whether d accepts the client.
func (d Decision) Accepted() bool { return d.Status == StatusOK }

// Hook makes custom decisions. It is called for every well-formed request,
// after the built-in policy, with the policy's decision, and returns the
// decision to reply: returning d unchanged keeps the policy's answer, and any
// other return overrides it, in either direction (a hook can accept a client
// the policy refused, for example by checking a PLAIN password against another
// store, or refuse one it accepted). A Hook runs on the authenticator's
// goroutine, one request at a time, so a slow hook delays every handshake of
// the registry's sockets. A Hook that panics has its request answered with
// StatusInternal; the authenticator keeps serving.
type Hook func(req *Request, d Decision) Decision

// errMalformed describes why a request cannot be answered as RFC 27 says.
type errMalformed string

func (e errMalformed) Error() string { return string(e) }

// parseRequest parses the body of a ZAP request: the frames after the address
// envelope (version, request id, domain, address, identity, mechanism,
// credentials).
func parseRequest(body [][]byte) (*Request, error) {
	if len(body) < 6 {
		return nil, errMalformed(fmt.Sprintf("%d frames, want at least 6", len(body)))
	}
	if string(body[0]) != "1.0" {
		return nil, errMalformed("version is not 1.0")
	}
	for i, name := range [...]string{"domain", "address", "identity", "mechanism"} {
		if len(body[2+i]) > maxField {
			return nil, errMalformed(name + " longer than 255 bytes")
		}
	}
	r := &Request{
		ID:        body[1],
		Domain:    string(body[2]),
		Address:   string(body[3]),
		Identity:  body[4],
		Mechanism: string(body[5]),
	}
	creds := body[6:]
	switch r.Mechanism {
	case "":
		return nil, errMalformed("empty mechanism")
	case MechanismNull:
		if len(creds) != 0 {
			return nil, errMalformed(fmt.Sprintf("NULL with %d credential frames, want 0", len(creds)))
		}
	case MechanismPlain:
		if len(creds) != 2 {
			return nil, errMalformed(fmt.Sprintf("PLAIN with %d credential frames, want 2", len(creds)))
		}
		if len(creds[0]) > maxField || len(creds[1]) > maxField {
			return nil, errMalformed("PLAIN credential longer than 255 bytes")
		}
		r.Username = string(creds[0])
		r.password = string(creds[1])
	case MechanismCurve:
		if len(creds) != 1 {
			return nil, errMalformed(fmt.Sprintf("CURVE with %d credential frames, want 1", len(creds)))
		}
		if len(creds[0]) != 32 {
			return nil, errMalformed(fmt.Sprintf("CURVE key of %d bytes, want 32", len(creds[0])))
		}
		copy(r.ClientKey[:], creds[0])
	default:
		r.Credentials = creds
	}
	return r, nil
}

// statusCode returns the reply's status code frame for a decision's status.
func statusCode(status int) []byte {
	switch status {
	case StatusOK:
		return []byte("200")
	case StatusTemporary:
		return []byte("300")
	case StatusRefused:
		return []byte("400")
	default:
		return []byte("500")
	}
}

// maxMetadata bounds the encoded metadata of a reply.
const maxMetadata = 64 << 10

// checkMetadata reports why md cannot be sent in a reply, or nil.
func checkMetadata(md wire.Metadata) error {
	if md.Size() > maxMetadata {
		return fmt.Errorf("metadata of %d bytes, more than %d", md.Size(), maxMetadata)
	}
	for _, p := range md {
		if len(p.Name) < 1 || len(p.Name) > maxField {
			return fmt.Errorf("metadata name of %d bytes", len(p.Name))
		}
		for i := 0; i < len(p.Name); i++ {
			if c := p.Name[i]; !isNameChar(c) {
				return fmt.Errorf("metadata name %q has a character RFC 27 does not allow", p.Name)
			}
		}
	}
	return nil
}

// isNameChar reports whether c may appear in a metadata name (RFC 27: ALPHA,
// DIGIT, '-', '_', '.', '+').
func isNameChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '_' || c == '.' || c == '+'
}
