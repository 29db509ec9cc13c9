package wire

// NullServer is the NULL mechanism on a side that asks an Authenticator about
// its peer before it says READY, as a libzmq socket with a ZAP domain does. NULL
// has no client and server roles: on the wire NullServer is NULL, and it talks to
// Null and to any NULL peer; either end, or both, may authenticate.
//
// Authenticate sees Credentials with Mechanism "NULL" and nothing else (the
// socket layer knows the peer's address). Accepted, NullServer sends READY and
// reads the peer's; refused with an *AuthError of status 400 or 500, it sends
// ERROR with the status code and fails; with any other error it fails without
// a word, as libzmq does for status 300. A nil Authenticate accepts every peer,
// as Null does. Null itself never authenticates, so programs that use Null{}
// pay nothing for this. Use a new value for every connection (Clone).
type NullServer struct {
	Authenticate Authenticator

	used  bool
	reply AuthReply
}

// Name returns "NULL".
func (*NullServer) Name() string { return "NULL" }

// Clone returns a copy of m's configuration without its state, ready for a new
// connection.
func (m *NullServer) Clone() *NullServer { return &NullServer{Authenticate: m.Authenticate} }

// CloneMechanism returns m.Clone() as a Mechanism.
func (m *NullServer) CloneMechanism() Mechanism { return m.Clone() }

// Auth returns the Credentials given to Authenticate (Mechanism "NULL") and its
// reply of the last successful Handshake.
func (m *NullServer) Auth() (Credentials, AuthReply) {
	return Credentials{Mechanism: "NULL"}, m.reply
}

// Handshake asks Authenticate, then runs Null's exchange: it sends READY with
// local and reads the peer's READY (or ERROR), returning the peer's metadata.
// On a refusal it sends ERROR instead of READY (status 400 or 500) or nothing,
// and reads the peer's command before it returns the refusal.
func (m *NullServer) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if m.used {
		return nil, ErrMechanismReused
	}
	m.used = true
	if err := local.Validate(); err != nil {
		return nil, err
	}
	var reply AuthReply
	if m.Authenticate != nil {
		var err error
		if reply, err = m.Authenticate(Credentials{Mechanism: "NULL"}); err != nil {
			err = refuse(w, err)
			// Like libzmq, take the peer's READY, which NULL sends at once, before
			// giving up: hanging up with it unread would reset the connection, and
			// the peer could lose our ERROR.
			_, _ = readHandshakeCommand(r)
			return nil, err
		}
	}
	md, err := Null{}.Handshake(r, w, local)
	if err != nil {
		return nil, err
	}
	m.reply = reply
	return md, nil
}
