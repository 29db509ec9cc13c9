package wire

import "strings"

// Names of the properties a Properties value knows besides those the peer sent. libzmq
// adds the same two to every message it receives (zmq_msg_gets).
const (
	PropPeerAddress = "Peer-Address"
	PropUserID      = "User-Id"
)

// Properties describes the connection a message arrived on: the metadata the peer sent
// in its handshake (Socket-Type, Identity and any application "X-" properties) and
// what the local side knows of the connection (Peer-Address, and User-Id once a
// security mechanism authenticates peers). It is what libzmq's zmq_msg_gets reads.
//
// A Properties value is made once per connection and never changes, so every message
// received on that connection shares it: asking for it costs nothing to programs that
// do not.
type Properties struct {
	md          Metadata
	peerAddress string
	userID      string
}

// NewProperties returns the properties of a connection whose peer sent md, reached at
// peerAddress (for tcp the peer's IP address without the port, as libzmq reports it).
// userID is the identity a security mechanism established for the peer, or "".
// md must not be modified afterwards.
func NewProperties(md Metadata, peerAddress, userID string) *Properties {
	return &Properties{md: md, peerAddress: peerAddress, userID: userID}
}

// Get returns the value of the named property, as libzmq's zmq_msg_gets: a property
// the peer sent (Socket-Type, Identity, X-...), Peer-Address, or User-Id. Names match
// without regard to case, as ZMTP says. A nil *Properties has no properties.
func (p *Properties) Get(name string) (string, bool) {
	if p == nil {
		return "", false
	}
	if strings.EqualFold(name, PropPeerAddress) {
		return p.peerAddress, true
	}
	if strings.EqualFold(name, PropUserID) {
		if p.userID == "" {
			return "", false
		}
		return p.userID, true
	}
	v, ok := p.md.Get(name)
	return string(v), ok
}

// Metadata returns the properties the peer sent in its handshake, in order. The caller
// must not modify them.
func (p *Properties) Metadata() Metadata {
	if p == nil {
		return nil
	}
	return p.md
}

// Properties returns the properties of the connection m arrived on, or nil for a
// message that did not come from a stream connection (one the application made, or
// one from an inproc or multicast peer, as with libzmq). Messages keep them until
// Release; a message that is sent on loses them.
func (m Msg) Properties() *Properties {
	if m.claim == nil {
		return nil
	}
	return m.claim.props
}

// ValidPropertyName reports whether name is a legal ZMTP property name: 1 to 255
// characters, each a letter, digit, '-', '_', '.' or '+'.
func ValidPropertyName(name string) bool {
	if len(name) < 1 || len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == '+':
		default:
			return false
		}
	}
	return true
}
