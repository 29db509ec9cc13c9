// Package z85 implements Z85, the ZeroMQ base-85 encoding of binary data as
// printable text (ZeroMQ RFC 32/Z85). CURVE keys are exchanged and stored as
// 40-character Z85 strings.
//
// Binary input must be a multiple of 4 bytes long and text input a multiple
// of 5 characters. Each group of 4 bytes, read as a big-endian uint32, is
// written as 5 base-85 digits, most significant first.
package z85

import (
	"errors"
	"fmt"
)

// alphabet maps a digit value (0..84) to its character.
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// Errors returned by the functions of this package. Errors about a specific
// input wrap one of these, so callers test with errors.Is.
var (
	// ErrLength: binary input not a multiple of 4 bytes, or text input not a
	// multiple of 5 characters.
	ErrLength = errors.New("z85: invalid length")
	// ErrCharacter: the text holds a character outside the Z85 alphabet.
	ErrCharacter = errors.New("z85: invalid character")
	// ErrRange: a 5-character group encodes a value above 2^32-1.
	ErrRange = errors.New("z85: group out of range")
)

// invalid marks a byte outside the alphabet in decodeTable.
const invalid = 0xFF

// decodeTable maps a character to its digit value, or invalid.
var decodeTable = func() (t [256]byte) {
	for i := range t {
		t[i] = invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// EncodedLen returns the length of the Z85 encoding of n bytes of binary
// data. n must be a multiple of 4.
func EncodedLen(n int) int { return n / 4 * 5 }

// DecodedLen returns the length of the binary data encoded by n characters of
// Z85. n must be a multiple of 5.
func DecodedLen(n int) int { return n / 5 * 4 }

// AppendEncode appends the Z85 encoding of src to dst. src must be a multiple
// of 4 bytes long (ErrLength otherwise).
func AppendEncode(dst, src []byte) ([]byte, error) {
	if len(src)%4 != 0 {
		return dst, fmt.Errorf("%w: %d bytes of binary data is not a multiple of 4", ErrLength, len(src))
	}
	for i := 0; i < len(src); i += 4 {
		v := uint32(src[i])<<24 | uint32(src[i+1])<<16 | uint32(src[i+2])<<8 | uint32(src[i+3])
		var g [5]byte
		for j := 4; j >= 0; j-- {
			g[j] = alphabet[v%85]
			v /= 85
		}
		dst = append(dst, g[:]...)
	}
	return dst, nil
}

// Encode returns the Z85 encoding of src, which must be a multiple of 4 bytes
// long (ErrLength otherwise).
func Encode(src []byte) (string, error) {
	b, err := AppendEncode(make([]byte, 0, EncodedLen(len(src))), src)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// AppendDecode appends the binary data encoded by the Z85 text src to dst.
// src must be a multiple of 5 characters long (ErrLength), use only the Z85
// alphabet (ErrCharacter) and encode groups no larger than 2^32-1 (ErrRange).
// On error dst is returned unchanged.
func AppendDecode(dst []byte, src string) ([]byte, error) {
	if len(src)%5 != 0 {
		return dst, fmt.Errorf("%w: %d characters of text is not a multiple of 5", ErrLength, len(src))
	}
	n := len(dst)
	for i := 0; i < len(src); i += 5 {
		var v uint64
		for j := range 5 {
			d := decodeTable[src[i+j]]
			if d == invalid {
				return dst[:n], fmt.Errorf("%w %q at offset %d", ErrCharacter, src[i+j], i+j)
			}
			v = v*85 + uint64(d)
		}
		if v > 1<<32-1 {
			return dst[:n], fmt.Errorf("%w: characters %d to %d", ErrRange, i, i+4)
		}
		dst = append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return dst, nil
}

// Decode returns the binary data encoded by the Z85 text src; see AppendDecode
// for the errors.
func Decode(src string) ([]byte, error) {
	return AppendDecode(make([]byte, 0, DecodedLen(len(src))), src)
}
