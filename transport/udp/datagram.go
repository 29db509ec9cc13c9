package udp

import (
	"errors"
	"net/netip"
	"strconv"
)

// MaxDatagram is the largest datagram the transport sends or accepts, in bytes:
// libzmq's MAX_UDP_MSG. A RADIO/DISH message takes one byte more than its group and
// body together.
const MaxDatagram = 8192

// MaxGroup is the longest group, in bytes (libzmq's ZMQ_GROUP_MAX_LENGTH).
const MaxGroup = 255

// Errors of the datagram format.
var (
	// ErrTruncated reports a RADIO/DISH datagram shorter than the group length its
	// first byte claims, or an empty one.
	ErrTruncated = errors.New("udp: datagram shorter than its group length")
	// ErrTooLarge reports a message that does not fit in one datagram.
	ErrTooLarge = errors.New("udp: message larger than a datagram")
	// ErrGroupTooLong reports a group over MaxGroup bytes.
	ErrGroupTooLong = errors.New("udp: group longer than 255 bytes")
	// ErrBadAddress reports a DGRAM address that is not "IPv4:PORT".
	ErrBadAddress = errors.New(`udp: address must be "IPv4:PORT" with a non-zero port`)
)

// AppendGroupDatagram appends the RADIO/DISH datagram carrying body to group to dst:
// the group's length, the group and the body.
func AppendGroupDatagram(dst, group, body []byte) ([]byte, error) {
	if len(group) > MaxGroup {
		return dst, ErrGroupTooLong
	}
	if 1+len(group)+len(body) > MaxDatagram {
		return dst, ErrTooLarge
	}
	dst = append(dst, byte(len(group)))
	dst = append(dst, group...)
	return append(dst, body...), nil
}

// ParseGroupDatagram splits a RADIO/DISH datagram into its group and body, which
// alias b.
func ParseGroupDatagram(b []byte) (group, body []byte, err error) {
	if len(b) == 0 || len(b)-1 < int(b[0]) {
		return nil, nil, ErrTruncated
	}
	n := 1 + int(b[0])
	return b[1:n], b[n:], nil
}

// AppendAddr appends a's DGRAM address text, "IP:PORT" with the IPv4 address in
// dotted decimal (as libzmq writes it), to dst.
func AppendAddr(dst []byte, a netip.AddrPort) []byte {
	dst = a.Addr().Unmap().AppendTo(dst)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(a.Port()), 10)
}

// ParseAddr parses a DGRAM address, "IP:PORT": an IPv4 address in dotted decimal and
// a port in 1..65535 (libzmq drops messages to anything else). It takes the text as a
// string or as the bytes of a frame, and allocates nothing.
func ParseAddr[T string | []byte](s T) (netip.AddrPort, error) {
	var ip [4]byte
	part, digits, v := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && v == 0 { // no leading zeros, which some read as octal
				return netip.AddrPort{}, ErrBadAddress
			}
			v = v*10 + int(c-'0')
			digits++
			if (part < 4 && v > 255) || v > 65535 {
				return netip.AddrPort{}, ErrBadAddress
			}
		case digits > 0 && ((c == '.' && part < 3) || (c == ':' && part == 3)):
			ip[part] = byte(v)
			part, digits, v = part+1, 0, 0
		default:
			return netip.AddrPort{}, ErrBadAddress
		}
	}
	if part != 4 || digits == 0 || v == 0 {
		return netip.AddrPort{}, ErrBadAddress
	}
	return netip.AddrPortFrom(netip.AddrFrom4(ip), uint16(v)), nil
}
