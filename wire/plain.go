package wire

import (
	"bytes"
	"errors"
)

// PLAIN command names (zmq-spec §2.2).
const (
	cmdHello    = "HELLO"
	cmdWelcome  = "WELCOME"
	cmdInitiate = "INITIATE"
)

// PlainClient is the client side of the PLAIN mechanism (24/ZMTP-PLAIN): it
// sends a username and password in clear, then metadata. Use a new value for
// every connection; a value that has run a handshake refuses another
// (ErrMechanismReused).
type PlainClient struct {
	Username []byte // at most 255 bytes
	Password []byte // at most 255 bytes

	used bool
}

// Name returns "PLAIN".
func (*PlainClient) Name() string { return "PLAIN" }

// Clone returns a copy of m's configuration without its state, ready for a
// new connection.
func (m *PlainClient) Clone() *PlainClient {
	return &PlainClient{Username: m.Username, Password: m.Password}
}

// Handshake sends HELLO, reads WELCOME, sends INITIATE with local and reads
// READY, whose metadata it returns. An ERROR from the server at either step
// is a *PeerError (libzmq's servers send "400" or "500").
func (m *PlainClient) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if m.used {
		return nil, ErrMechanismReused
	}
	m.used = true
	if len(m.Username) > 255 || len(m.Password) > 255 {
		return nil, errors.New("wire: PLAIN username or password longer than 255 bytes")
	}
	if err := local.Validate(); err != nil {
		return nil, err
	}
	if err := writeFlush(w, AppendPlainHello(nil, m.Username, m.Password)); err != nil {
		return nil, err
	}
	cmd, err := readPlainCommand(r)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Is(CmdError):
		return nil, peerError(cmd)
	case !cmd.Is(cmdWelcome):
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of PLAIN WELCOME", cmd.Name)
	case len(cmd.Data) != 0:
		return nil, protoErr(CodeMalformedCommandWelcome, ErrMalformedCommand, "PLAIN WELCOME with a body")
	}
	b := appendCommandHeader(make([]byte, 0, 16+local.Size()), cmdInitiate, local.Size())
	if err := writeFlush(w, local.Append(b)); err != nil {
		return nil, err
	}
	cmd, err = readPlainCommand(r)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Is(CmdReady):
		return ParseMetadata(cmd.Data)
	case cmd.Is(CmdError):
		return nil, peerError(cmd)
	}
	return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of PLAIN READY", cmd.Name)
}

// PlainServer is the server side of the PLAIN mechanism. Authenticate decides
// on the client's username and password before WELCOME; a nil Authenticate
// refuses every client without sending ERROR, as a libzmq PLAIN server does
// when no ZAP handler is bound (package socket plugs its ZAP client in
// instead). Use a new value for every connection (Clone).
type PlainServer struct {
	Authenticate Authenticator

	used  bool
	creds Credentials
	reply AuthReply
}

// Name returns "PLAIN".
func (*PlainServer) Name() string { return "PLAIN" }

// Clone returns a copy of m's configuration without its state, ready for a
// new connection.
func (m *PlainServer) Clone() *PlainServer { return &PlainServer{Authenticate: m.Authenticate} }

// Auth returns the credentials and the Authenticator's reply of the last
// successful Handshake.
func (m *PlainServer) Auth() (Credentials, AuthReply) { return m.creds, m.reply }

// Handshake reads HELLO, asks Authenticate, sends WELCOME (or ERROR on a
// refusal with status 400 or 500), reads INITIATE and sends READY with local.
// It returns the client's INITIATE metadata.
func (m *PlainServer) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if m.used {
		return nil, ErrMechanismReused
	}
	m.used = true
	if err := local.Validate(); err != nil {
		return nil, err
	}
	cmd, err := readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	if !cmd.Is(cmdHello) {
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of PLAIN HELLO", cmd.Name)
	}
	user, pass, err := ParsePlainHello(cmd.Data)
	if err != nil {
		return nil, err
	}
	creds := Credentials{Mechanism: "PLAIN", Username: bytes.Clone(user), Password: bytes.Clone(pass)}
	if m.Authenticate == nil {
		return nil, &AuthError{Status: "300", Text: "no authenticator for PLAIN"}
	}
	reply, err := m.Authenticate(creds)
	if err != nil {
		return nil, refuse(w, err)
	}
	if err := writeFlush(w, AppendCommand(nil, cmdWelcome)); err != nil {
		return nil, err
	}
	cmd, err = readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	if !cmd.Is(cmdInitiate) {
		return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q instead of PLAIN INITIATE", cmd.Name)
	}
	md, err := ParseMetadata(cmd.Data)
	if err != nil {
		return nil, err
	}
	if err := writeFlush(w, AppendReady(make([]byte, 0, 16+local.Size()), local)); err != nil {
		return nil, err
	}
	m.creds, m.reply = creds, reply
	return md, nil
}

// AppendPlainHello appends a PLAIN HELLO command frame to b. username and
// password must be at most 255 bytes each; AppendPlainHello panics otherwise.
func AppendPlainHello(b []byte, username, password []byte) []byte {
	if len(username) > 255 || len(password) > 255 {
		panic("wire: PLAIN username or password longer than 255 bytes")
	}
	b = appendCommandHeader(b, cmdHello, 2+len(username)+len(password))
	b = append(b, byte(len(username)))
	b = append(b, username...)
	b = append(b, byte(len(password)))
	return append(b, password...)
}

// ParsePlainHello parses the data of a PLAIN HELLO command: ulen[1] username
// plen[1] password, where the password must end the data exactly, as libzmq
// requires. The results point into data.
func ParsePlainHello(data []byte) (username, password []byte, err error) {
	if len(data) < 1 || len(data) < 1+int(data[0])+1 {
		return nil, nil, protoErr(CodeMalformedCommandHello, ErrMalformedCommand, "PLAIN HELLO truncated")
	}
	ul := int(data[0])
	username = data[1 : 1+ul]
	rest := data[1+ul:]
	if int(rest[0]) != len(rest)-1 {
		return nil, nil, protoErrf(CodeMalformedCommandHello, ErrMalformedCommand, "PLAIN HELLO password length %d with %d bytes left", rest[0], len(rest)-1)
	}
	return username, rest[1:], nil
}

// libzmqPlainError is how libzmq 4.3's PLAIN server spells the start of an
// ERROR command: its C literal "\x05ERROR" is read as the hex escape \x5E
// followed by "RROR", so the name length is 0x5E and only four name bytes
// follow, then the reason. Measured against Debian's libzmq 4.3.4.
const libzmqPlainError = "\x5eRROR"

// errorName is the name given to a repaired libzmq PLAIN ERROR.
var errorName = []byte(CmdError)

// readPlainCommand is readHandshakeCommand for the PLAIN client: it also
// accepts libzmq's misspelt ERROR (libzmqPlainError), which cannot be a valid
// command since its name would run past the body.
func readPlainCommand(r *Reader) (Command, error) {
	flags, body, err := r.ReadFrame()
	if err != nil {
		return Command{}, unexpected(err)
	}
	if flags&FlagCommand == 0 {
		return Command{}, protoErr(CodeUnexpectedCommand, ErrUnexpectedCommand, "data frame during handshake")
	}
	if len(body) < 1+int(libzmqPlainError[0]) && string(body[:min(len(body), len(libzmqPlainError))]) == libzmqPlainError {
		return Command{Name: errorName, Data: body[len(libzmqPlainError):]}, nil
	}
	return ParseCommand(body)
}
