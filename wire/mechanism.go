package wire

// Mechanism is a ZMTP security mechanism (zmq-spec §2): Null, PlainClient,
// PlainServer, CurveClient or CurveServer. A mechanism whose traffic is
// protected after the handshake also implements CodecMechanism, and a server
// that authenticates its clients ServerMechanism.
type Mechanism interface {
	// Name returns the mechanism name as written in the greeting, e.g. "NULL".
	// It must be 1 to 20 bytes without NULs.
	Name() string
	// Handshake runs the mechanism's command exchange after the greetings.
	// It sends the local metadata, returns the peer's metadata, and must flush
	// w itself. If the peer sends ERROR it returns a *PeerError.
	Handshake(r *Reader, w *Writer, local Metadata) (peer Metadata, err error)
}

// Null is the NULL mechanism (zmq-spec §2.1): no security. Each side sends
// READY with its metadata and reads the peer's READY (or ERROR).
//
// Like libzmq, Null sends its READY at once, without waiting for the
// peer's: waiting, as 37/ZMTP's client-first reading suggests, can deadlock
// against libzmq (gotcha 5).
type Null struct{}

// Name returns "NULL".
func (Null) Name() string { return "NULL" }

// Handshake sends READY carrying local, flushes, and reads one command. READY
// gives the peer's metadata (ErrInvalidMetadata if it does not parse); ERROR
// gives a *PeerError; any other command, or a data frame, is
// ErrUnexpectedCommand.
func (Null) Handshake(r *Reader, w *Writer, local Metadata) (Metadata, error) {
	if err := local.Validate(); err != nil {
		return nil, err
	}
	if err := w.WriteRaw(AppendReady(make([]byte, 0, 16+local.Size()), local)); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return readNullReady(r)
}

// readNullReady reads the peer's side of a NULL handshake: one command, READY
// or ERROR, as Null.Handshake describes.
func readNullReady(r *Reader) (Metadata, error) {
	cmd, err := readHandshakeCommand(r)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Is(CmdReady):
		return ParseMetadata(cmd.Data)
	case cmd.Is(CmdError):
		return nil, peerError(cmd)
	}
	return nil, protoErrf(CodeUnexpectedCommand, ErrUnexpectedCommand, "%q during NULL handshake", cmd.Name)
}

// readHandshakeCommand reads the next frame, which must be a command. The
// Command is valid until the next read from r.
func readHandshakeCommand(r *Reader) (Command, error) {
	flags, body, err := r.ReadFrame()
	if err != nil {
		return Command{}, unexpected(err)
	}
	if flags&FlagCommand == 0 {
		return Command{}, protoErr(CodeUnexpectedCommand, ErrUnexpectedCommand, "data frame during handshake")
	}
	return ParseCommand(body)
}

// peerError turns a received ERROR command into a *PeerError, or a protocol
// error if its reason does not parse.
func peerError(cmd Command) error {
	reason, err := ParseErrorReason(cmd.Data)
	if err != nil {
		return err
	}
	return &PeerError{Reason: reason}
}
