package wire

import (
	"encoding/binary"
	"strings"
)

// Metadata property names defined by ZMTP (zmq-spec §1.6). libzmq matches them
// case-sensitively, so they are always sent with exactly this spelling.
const (
	PropSocketType = "Socket-Type"
	PropIdentity   = "Identity"
	PropResource   = "Resource"
)

// maxMetadataValue is the largest value length ZMTP allows (2^31-1).
const maxMetadataValue = 1<<31 - 1

// Property is one metadata property.
type Property struct {
	Name  string // 1 to 255 bytes
	Value []byte // at most 2^31-1 bytes
}

// Metadata is a list of properties, as carried by READY and INITIATE
// (zmq-spec §1.6): name-len[1] name value-len[4, big-endian] value, repeated.
// Order is kept and duplicate names are allowed.
type Metadata []Property

// Get returns the value of the first property whose name equals name,
// ignoring case as ZMTP says.
func (md Metadata) Get(name string) ([]byte, bool) {
	for _, p := range md {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// Size returns the encoded length of md.
func (md Metadata) Size() int {
	n := 0
	for _, p := range md {
		n += 1 + len(p.Name) + 4 + len(p.Value)
	}
	return n
}

// Validate reports whether md can be encoded: every name 1 to 255 bytes and
// every value at most 2^31-1 bytes. The error wraps ErrInvalidMetadata.
func (md Metadata) Validate() error {
	for _, p := range md {
		if len(p.Name) < 1 || len(p.Name) > 255 {
			return protoErrf(CodeInvalidMetadata, ErrInvalidMetadata, "property name of %d bytes", len(p.Name))
		}
		if len(p.Value) > maxMetadataValue {
			return protoErrf(CodeInvalidMetadata, ErrInvalidMetadata, "property %q value of %d bytes", p.Name, len(p.Value))
		}
	}
	return nil
}

// Append appends the encoding of md to b. It panics if a property cannot be
// encoded (see Validate); check metadata from configuration with Validate.
func (md Metadata) Append(b []byte) []byte {
	for _, p := range md {
		if len(p.Name) < 1 || len(p.Name) > 255 || len(p.Value) > maxMetadataValue {
			panic("wire: metadata property cannot be encoded: " + p.Name)
		}
		b = append(b, byte(len(p.Name)))
		b = append(b, p.Name...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(p.Value)))
		b = append(b, p.Value...)
	}
	return b
}

// ParseMetadata parses a metadata block that must fill b exactly. Values are
// copied (into one shared allocation), so the result does not alias b. A zero
// name length, a truncated property, a value length above 2^31-1 or beyond the
// bytes present, or trailing bytes are a *ProtocolError wrapping
// ErrInvalidMetadata. An empty b gives an empty (nil) Metadata.
func ParseMetadata(b []byte) (Metadata, error) {
	// First pass: validate and count, so nothing is allocated from a length
	// that the bytes present do not back.
	count, values := 0, 0
	for rest := b; len(rest) > 0; {
		nl := int(rest[0])
		if nl == 0 {
			return nil, protoErr(CodeInvalidMetadata, ErrInvalidMetadata, "empty property name")
		}
		if len(rest) < 1+nl+4 {
			return nil, protoErr(CodeInvalidMetadata, ErrInvalidMetadata, "property truncated")
		}
		vl := uint64(binary.BigEndian.Uint32(rest[1+nl:]))
		if vl > maxMetadataValue {
			return nil, protoErrf(CodeInvalidMetadata, ErrInvalidMetadata, "property value length %d", vl)
		}
		rest = rest[1+nl+4:]
		if vl > uint64(len(rest)) {
			return nil, protoErrf(CodeInvalidMetadata, ErrInvalidMetadata, "property value length %d exceeds %d bytes left", vl, len(rest))
		}
		rest = rest[vl:]
		count++
		values += int(vl)
	}
	if count == 0 {
		return nil, nil
	}
	md := make(Metadata, count)
	slab := make([]byte, values)
	off := 0
	for i, rest := 0, b; i < count; i++ {
		nl := int(rest[0])
		name := rest[1 : 1+nl]
		vl := int(binary.BigEndian.Uint32(rest[1+nl:]))
		rest = rest[1+nl+4:]
		v := slab[off : off+vl : off+vl]
		copy(v, rest[:vl])
		off += vl
		rest = rest[vl:]
		md[i] = Property{Name: internPropName(name), Value: v}
	}
	return md, nil
}

// internPropName returns name as a string, without allocating for the names
// ZMTP defines.
func internPropName(name []byte) string {
	switch string(name) {
	case PropSocketType:
		return PropSocketType
	case PropIdentity:
		return PropIdentity
	case PropResource:
		return PropResource
	}
	return string(name)
}
