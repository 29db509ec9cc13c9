package udp

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
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

// ParseAddr parses a DGRAM address, "IP:PORT": an IPv4 literal and a port in
// 1..65535 (libzmq drops messages to anything else).
func ParseAddr(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, ErrBadAddress
	}
	ip, err := netip.ParseAddr(s[:i])
	if err != nil || !ip.Is4() {
		return netip.AddrPort{}, ErrBadAddress
	}
	port, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, ErrBadAddress
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}
