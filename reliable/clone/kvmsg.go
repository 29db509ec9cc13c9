package clone

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/brokerless/zmq/socket"
)

// The commands of the snapshot exchange and the heartbeat key (RFC 12).
const (
	cmdSnapshot = "ICANHAZ?" // client to server: [ICANHAZ?, subtree]
	cmdSnapEnd  = "KTHXBAI"  // server to client, last message of a snapshot
	keyHugz     = "HUGZ"     // server heartbeat on the publisher, carrying the sequence
)

// ErrMalformed is the error for a key-value message that does not have the five
// frames of the protocol (key, sequence, uuid, properties, body) in their formats.
var ErrMalformed = errors.New("clone: malformed key-value message")

// KV is one key-value message of the Clone protocol, the guide's kvmsg: five frames,
// key, sequence (8 bytes, big-endian), uuid (16 bytes or empty), properties
// ("name=value" lines, each ending in a newline) and body. An empty body deletes the
// key.
type KV struct {
	Key   string
	Seq   int64
	UUID  []byte
	Props map[string]string
	Value []byte
}

// Msg encodes kv as the five frames of a message.
func (kv KV) Msg() socket.Msg {
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(kv.Seq))
	return socket.NewMsg([]byte(kv.Key), seq[:], kv.UUID, encodeProps(kv.Props), kv.Value)
}

// ParseKV decodes the five frames of a key-value message. The result shares no
// memory with m.
func ParseKV(m socket.Msg) (KV, error) {
	f := m.Frames
	if len(f) != 5 {
		return KV{}, fmt.Errorf("%w: %d frames, want 5", ErrMalformed, len(f))
	}
	if len(f[1]) != 8 {
		return KV{}, fmt.Errorf("%w: sequence of %d bytes, want 8", ErrMalformed, len(f[1]))
	}
	if len(f[2]) != 0 && len(f[2]) != 16 {
		return KV{}, fmt.Errorf("%w: uuid of %d bytes, want 16 or none", ErrMalformed, len(f[2]))
	}
	props, err := decodeProps(f[3])
	if err != nil {
		return KV{}, err
	}
	kv := KV{
		Key:   string(f[0]),
		Seq:   int64(binary.BigEndian.Uint64(f[1])),
		Props: props,
		Value: bytes.Clone(f[4]),
	}
	if len(f[2]) > 0 {
		kv.UUID = bytes.Clone(f[2])
	}
	return kv, nil
}

func encodeProps(p map[string]string) []byte {
	if len(p) == 0 {
		return nil
	}
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(p)) {
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, p[k]...)
		b = append(b, '\n')
	}
	return b
}

func decodeProps(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	p := make(map[string]string)
	for line := range strings.SplitSeq(string(b), "\n") {
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%w: property %q is not name=value", ErrMalformed, line)
		}
		p[name] = value
	}
	return p, nil
}
