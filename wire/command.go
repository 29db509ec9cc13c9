package wire

import "encoding/binary"

// Command names (zmq-spec §1.5). libzmq compares them exactly and case-sensitively.
const (
	CmdReady     = "READY"
	CmdError     = "ERROR"
	CmdSubscribe = "SUBSCRIBE"
	CmdCancel    = "CANCEL"
	CmdPing      = "PING"
	CmdPong      = "PONG"
	// JOIN and LEAVE carry a DISH's group (un)subscriptions to a RADIO (RFC 48):
	// the command data is the group, without a length.
	CmdJoin  = "JOIN"
	CmdLeave = "LEAVE"
)

// Limits on command fields.
const (
	maxErrorReason = 255 // ERROR reason-len is one byte
	maxPingContext = 16  // PING/PONG context is 0..16 bytes
)

// Command is a parsed command frame body: name-len[1], name, data.
// Name and Data point into the frame body they were parsed from.
type Command struct {
	Name []byte
	Data []byte
}

// ParseCommand parses a command frame body. A body that is empty, has a zero
// name length, or is shorter than its name length is a *ProtocolError
// wrapping ErrMalformedCommand. It does not allocate on success.
func ParseCommand(body []byte) (Command, error) {
	if len(body) < 1 {
		return Command{}, protoErr(CodeMalformedCommandUnspecified, ErrMalformedCommand, "empty command")
	}
	n := int(body[0])
	if n == 0 {
		return Command{}, protoErr(CodeMalformedCommandUnspecified, ErrMalformedCommand, "empty command name")
	}
	if len(body) < 1+n {
		return Command{}, protoErr(CodeMalformedCommandUnspecified, ErrMalformedCommand, "command name truncated")
	}
	return Command{Name: body[1 : 1+n : 1+n], Data: body[1+n:]}, nil
}

// Is reports whether c's name is exactly name. It does not allocate.
func (c Command) Is(name string) bool { return string(c.Name) == name }

// AppendCommand appends a complete command frame (header included) named name,
// whose data is the concatenation of data, to b. The name must be 1 to 255
// bytes long; AppendCommand panics otherwise.
func AppendCommand(b []byte, name string, data ...[]byte) []byte {
	checkCommandName(name)
	size := 1 + len(name)
	for _, d := range data {
		size += len(d)
	}
	b = AppendFrameHeader(b, FlagCommand, size)
	b = append(b, byte(len(name)))
	b = append(b, name...)
	for _, d := range data {
		b = append(b, d...)
	}
	return b
}

func checkCommandName(name string) {
	if len(name) < 1 || len(name) > 255 {
		panic("wire: command name must be 1 to 255 bytes")
	}
}

// appendCommandHeader appends the frame header and name of a command whose
// data will be dataSize bytes.
func appendCommandHeader(b []byte, name string, dataSize int) []byte {
	b = AppendFrameHeader(b, FlagCommand, 1+len(name)+dataSize)
	b = append(b, byte(len(name)))
	return append(b, name...)
}

// AppendReady appends a READY command frame carrying md to b.
func AppendReady(b []byte, md Metadata) []byte {
	b = appendCommandHeader(b, CmdReady, md.Size())
	return md.Append(b)
}

// AppendError appends an ERROR command frame to b. A reason longer than 255
// bytes is truncated.
func AppendError(b []byte, reason string) []byte {
	if len(reason) > maxErrorReason {
		reason = reason[:maxErrorReason]
	}
	b = appendCommandHeader(b, CmdError, 1+len(reason))
	b = append(b, byte(len(reason)))
	return append(b, reason...)
}

// ParseErrorReason parses the data of an ERROR command: reason-len[1] reason.
// The reason may not run past the data (ErrMalformedCommand); trailing bytes
// are ignored, as libzmq ignores them.
func ParseErrorReason(data []byte) (string, error) {
	if len(data) < 1 || int(data[0]) > len(data)-1 {
		return "", protoErr(CodeMalformedCommandError, ErrMalformedCommand, "ERROR reason truncated")
	}
	return string(data[1 : 1+int(data[0])]), nil
}

// AppendPing appends a PING command frame to b: ttl in deciseconds (0: none)
// and a context of at most 16 bytes (a longer one is truncated).
func AppendPing(b []byte, ttl uint16, context []byte) []byte {
	if len(context) > maxPingContext {
		context = context[:maxPingContext]
	}
	b = appendCommandHeader(b, CmdPing, 2+len(context))
	b = binary.BigEndian.AppendUint16(b, ttl)
	return append(b, context...)
}

// AppendPong appends a PONG command frame echoing context to b. A context
// longer than 16 bytes is truncated, as libzmq does.
func AppendPong(b []byte, context []byte) []byte {
	if len(context) > maxPingContext {
		context = context[:maxPingContext]
	}
	b = appendCommandHeader(b, CmdPong, len(context))
	return append(b, context...)
}

// ParsePing parses the data of a PING command: ttl[2] context. Data shorter
// than 2 bytes is ErrMalformedCommand. A context longer than 16 bytes is
// truncated to 16, not rejected, as libzmq does. context points into data.
func ParsePing(data []byte) (ttl uint16, context []byte, err error) {
	if len(data) < 2 {
		return 0, nil, protoErr(CodeMalformedCommandUnspecified, ErrMalformedCommand, "PING without TTL")
	}
	context = data[2:]
	if len(context) > maxPingContext {
		context = context[:maxPingContext]
	}
	return binary.BigEndian.Uint16(data), context, nil
}

// AppendSubscription appends a subscription (subscribe true) or cancellation
// of topic to b, for a peer speaking ZMTP 3.<minor> (zmq-spec §1.8). For minor
// >= 1 it is a SUBSCRIBE or CANCEL command frame; for minor 0 it is a
// one-frame data message whose body is 0x01 (subscribe) or 0x00 (cancel)
// followed by topic.
func AppendSubscription(b []byte, minor uint8, subscribe bool, topic []byte) []byte {
	if minor >= 1 {
		name := CmdCancel
		if subscribe {
			name = CmdSubscribe
		}
		b = appendCommandHeader(b, name, len(topic))
		return append(b, topic...)
	}
	b = AppendFrameHeader(b, 0, 1+len(topic))
	op := byte(0)
	if subscribe {
		op = 1
	}
	return append(append(b, op), topic...)
}

// ParseSubscriptionMsg recognises a ZMTP 3.0 message-form (un)subscription
// from the first frame of a message: 0x01 + topic subscribes, 0x00 + topic
// cancels. topic points into first. ok is false for any other frame.
func ParseSubscriptionMsg(first []byte) (subscribe bool, topic []byte, ok bool) {
	if len(first) < 1 || first[0] > 1 {
		return false, nil, false
	}
	return first[0] == 1, first[1:], true
}
