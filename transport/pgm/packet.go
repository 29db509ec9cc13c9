package pgm

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// PGM packet types (RFC 3208 §8; the high nibble is the version, 0).
const (
	TypeSPM   = 0x00
	TypePOLL  = 0x01
	TypePOLR  = 0x02
	TypeODATA = 0x04
	TypeRDATA = 0x05
	TypeNAK   = 0x08
	TypeNNAK  = 0x09
	TypeNCF   = 0x0A
	TypeSPMR  = 0x0C
)

// Header option flags (byte 5).
const (
	FlagOptPresent = 0x01
	FlagOptNetwork = 0x02
	FlagVarPktLen  = 0x40
	FlagParity     = 0x80
)

// Option types (RFC 3208 §9), in the low 7 bits of the option's first byte.
const (
	OptLength   = 0x00
	OptFragment = 0x01
	OptNakList  = 0x02
	OptJoin     = 0x03
	OptSyn      = 0x0D
	OptFin      = 0x0E
	OptRst      = 0x0F
	optEnd      = 0x80
	optTypeMask = 0x7F
)

// Sizes in bytes.
const (
	HeaderLen   = 16
	dataBodyLen = 8 // data_sqn, data_trail
	spmFixedLen = 12
	// MaxNakList is how many sequence numbers one NAK or NCF may carry: one in
	// the body and up to 62 in OPT_NAK_LIST.
	MaxNakList = 63
)

// NLA address family identifiers.
const (
	afiIPv4 = 1
	afiIPv6 = 2
)

// Errors returned by Parse. They are sentinels; callers count them.
var (
	ErrShort    = errors.New("pgm: packet truncated")
	ErrChecksum = errors.New("pgm: bad checksum")
	ErrNoSum    = errors.New("pgm: data packet without checksum")
	ErrLength   = errors.New("pgm: tsdu length does not match the packet")
	ErrOption   = errors.New("pgm: malformed options")
	ErrNLA      = errors.New("pgm: bad network-layer address")
	ErrVersion  = errors.New("pgm: unsupported packet type")
	ErrSqn      = errors.New("pgm: sequence number too far from trail")
)

// TSI is a Transport Session Identifier: the source's GSI and source port.
type TSI struct {
	GSI   [6]byte
	SPort uint16
}

// Header is the 16-byte PGM common header.
type Header struct {
	SPort, DPort uint16
	Type         uint8
	Options      uint8
	Checksum     uint16
	GSI          [6]byte
	TSDULen      uint16
}

// TSI returns the session identifier of a downstream packet (SPM, ODATA,
// RDATA, NCF): GSI and source port.
func (h *Header) TSI() TSI { return TSI{GSI: h.GSI, SPort: h.SPort} }

// Packet is a parsed PGM packet. Slices alias the parsed buffer; Parse
// allocates nothing.
type Packet struct {
	Header
	// Sqn is data_sqn (ODATA/RDATA), spm_sqn (SPM) or nak_sqn (NAK/NCF).
	Sqn uint32
	// Trail is data_trail (ODATA/RDATA) or the SPM trailing edge.
	Trail uint32
	// Lead is the SPM leading edge.
	Lead uint32
	// NLA is the SPM path NLA or the NAK/NCF source NLA.
	NLA netip.Addr
	// Group is the NAK/NCF multicast group NLA.
	Group netip.Addr
	// Payload is the TSDU of ODATA/RDATA.
	Payload []byte
	// Fin is set when OPT_FIN is present.
	Fin bool
	// nakList holds the raw OPT_NAK_LIST sequence numbers (4 bytes each).
	nakList []byte
}

// NakCount returns how many sequence numbers a NAK or NCF names (the body's
// plus OPT_NAK_LIST's).
func (p *Packet) NakCount() int { return 1 + len(p.nakList)/4 }

// NakSqn returns the i-th sequence number named by a NAK or NCF; 0 is the
// body's.
func (p *Packet) NakSqn(i int) uint32 {
	if i == 0 {
		return p.Sqn
	}
	return binary.BigEndian.Uint32(p.nakList[(i-1)*4:])
}

// Checksum returns the 16-bit one's complement of the one's complement sum of
// b (RFC 1071), folded. PGM sums the whole packet with the checksum field
// zeroed and transmits 0xFFFF in place of 0.
func Checksum(b []byte) uint16 {
	var sum uint64
	for len(b) >= 8 {
		sum += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// seal writes the checksum of the packet p (whose checksum field is zero).
func seal(p []byte) {
	p[6], p[7] = 0, 0
	c := Checksum(p)
	if c == 0 {
		c = 0xFFFF
	}
	binary.BigEndian.PutUint16(p[6:], c)
}

func appendHeader(b []byte, h *Header, typ, opts uint8, tsdu int) []byte {
	b = binary.BigEndian.AppendUint16(b, h.SPort)
	b = binary.BigEndian.AppendUint16(b, h.DPort)
	b = append(b, typ, opts, 0, 0)
	b = append(b, h.GSI[:]...)
	return binary.BigEndian.AppendUint16(b, uint16(tsdu))
}

func appendNLA(b []byte, a netip.Addr) []byte {
	if a.Is4() || a.Is4In6() {
		a4 := a.Unmap().As4()
		b = append(b, 0, afiIPv4, 0, 0)
		return append(b, a4[:]...)
	}
	a16 := a.As16()
	b = append(b, 0, afiIPv6, 0, 0)
	return append(b, a16[:]...)
}

// AppendData appends an ODATA (typ TypeODATA) or RDATA (TypeRDATA) packet
// with the header fields of h (ports and GSI), sequence number sqn, trailing
// edge trail and payload, checksummed. The payload must fit in 65535 bytes.
func AppendData(b []byte, h *Header, typ uint8, sqn, trail uint32, payload []byte) []byte {
	start := len(b)
	b = appendHeader(b, h, typ, 0, len(payload))
	b = binary.BigEndian.AppendUint32(b, sqn)
	b = binary.BigEndian.AppendUint32(b, trail)
	b = append(b, payload...)
	seal(b[start:])
	return b
}

// RewriteRDATA turns the ODATA (or RDATA) packet p, as built by AppendData,
// into an RDATA with trailing edge trail, in place, and reseals it.
func RewriteRDATA(p []byte, trail uint32) {
	p[4] = TypeRDATA
	binary.BigEndian.PutUint32(p[HeaderLen+4:], trail)
	seal(p)
}

// AppendSPM appends an SPM with the SPM sequence number sqn, the window
// edges trail and lead and the source's path NLA; fin adds OPT_FIN.
func AppendSPM(b []byte, h *Header, sqn, trail, lead uint32, nla netip.Addr, fin bool) []byte {
	start := len(b)
	var opts uint8
	if fin {
		opts = FlagOptPresent | FlagOptNetwork
	}
	b = appendHeader(b, h, TypeSPM, opts, 0)
	b = binary.BigEndian.AppendUint32(b, sqn)
	b = binary.BigEndian.AppendUint32(b, trail)
	b = binary.BigEndian.AppendUint32(b, lead)
	b = appendNLA(b, nla)
	if fin {
		// OPT_LENGTH (4) then OPT_FIN (header 3 + reserved 1), last.
		b = append(b, OptLength, 4, 0, 8)
		b = append(b, OptFin|optEnd, 4, 0, 0)
	}
	seal(b[start:])
	return b
}

// AppendNAK appends a NAK (typ TypeNAK) or NCF (TypeNCF) naming the
// sequence numbers sqns (1 to MaxNakList; more are ignored), the source NLA
// src and the group NLA grp. Several sqns are carried in OPT_NAK_LIST.
func AppendNAK(b []byte, h *Header, typ uint8, sqns []uint32, src, grp netip.Addr) []byte {
	if len(sqns) == 0 {
		return b
	}
	if len(sqns) > MaxNakList {
		sqns = sqns[:MaxNakList]
	}
	start := len(b)
	var opts uint8
	if len(sqns) > 1 {
		opts = FlagOptPresent | FlagOptNetwork
	}
	b = appendHeader(b, h, typ, opts, 0)
	b = binary.BigEndian.AppendUint32(b, sqns[0])
	b = appendNLA(b, src)
	b = appendNLA(b, grp)
	if len(sqns) > 1 {
		n := len(sqns) - 1
		optLen := 4 + 4*n
		b = append(b, OptLength, 4)
		b = binary.BigEndian.AppendUint16(b, uint16(4+optLen))
		b = append(b, OptNakList|optEnd, byte(optLen), 0, 0)
		for _, s := range sqns[1:] {
			b = binary.BigEndian.AppendUint32(b, s)
		}
	}
	seal(b[start:])
	return b
}

// AppendSPMR appends an SPMR (empty body) for the source identified by h
// (SPort = our data port, DPort = the source's TSI port, GSI = its GSI).
func AppendSPMR(b []byte, h *Header) []byte {
	start := len(b)
	b = appendHeader(b, h, TypeSPMR, 0, 0)
	seal(b[start:])
	return b
}

func parseNLA(b []byte) (netip.Addr, int, error) {
	if len(b) < 4 {
		return netip.Addr{}, 0, ErrShort
	}
	switch binary.BigEndian.Uint16(b) {
	case afiIPv4:
		if len(b) < 8 {
			return netip.Addr{}, 0, ErrShort
		}
		return netip.AddrFrom4([4]byte(b[4:8])), 8, nil
	case afiIPv6:
		if len(b) < 20 {
			return netip.Addr{}, 0, ErrShort
		}
		return netip.AddrFrom16([16]byte(b[4:20])), 20, nil
	}
	return netip.Addr{}, 0, ErrNLA
}

// Parse parses the PGM packet b into p. It verifies a non-zero checksum on
// every packet, requires one on ODATA and RDATA, checks that tsdu_length
// matches the payload, walks the options (OPT_LENGTH first; OPT_NAK_LIST and
// OPT_FIN are decoded, others skipped by their length) and decodes the body
// of SPM, ODATA, RDATA, NAK, NNAK, NCF and SPMR. Other types return
// ErrVersion with the header filled in. Parse does not allocate; p's slices
// alias b.
func Parse(b []byte, p *Packet) error {
	*p = Packet{}
	if len(b) < HeaderLen {
		return ErrShort
	}
	h := &p.Header
	h.SPort = binary.BigEndian.Uint16(b)
	h.DPort = binary.BigEndian.Uint16(b[2:])
	h.Type = b[4]
	h.Options = b[5]
	h.Checksum = binary.BigEndian.Uint16(b[6:])
	copy(h.GSI[:], b[8:14])
	h.TSDULen = binary.BigEndian.Uint16(b[14:])
	if h.Checksum != 0 {
		// Summed with its checksum in place, an intact packet folds to
		// 0xFFFF, whose complement is 0 (the 0xFFFF stand-in for 0 too).
		if Checksum(b) != 0 {
			return ErrChecksum
		}
	}
	body := b[HeaderLen:]
	var fixed int
	switch h.Type {
	case TypeODATA, TypeRDATA:
		if h.Checksum == 0 {
			return ErrNoSum
		}
		if len(body) < dataBodyLen {
			return ErrShort
		}
		p.Sqn = binary.BigEndian.Uint32(body)
		p.Trail = binary.BigEndian.Uint32(body[4:])
		fixed = dataBodyLen
	case TypeSPM:
		if len(body) < spmFixedLen {
			return ErrShort
		}
		p.Sqn = binary.BigEndian.Uint32(body)
		p.Trail = binary.BigEndian.Uint32(body[4:])
		p.Lead = binary.BigEndian.Uint32(body[8:])
		a, n, err := parseNLA(body[spmFixedLen:])
		if err != nil {
			return err
		}
		p.NLA = a
		fixed = spmFixedLen + n
	case TypeNAK, TypeNNAK, TypeNCF:
		if len(body) < 4 {
			return ErrShort
		}
		p.Sqn = binary.BigEndian.Uint32(body)
		a, n, err := parseNLA(body[4:])
		if err != nil {
			return err
		}
		g, m, err := parseNLA(body[4+n:])
		if err != nil {
			return err
		}
		p.NLA, p.Group = a, g
		fixed = 4 + n + m
	case TypeSPMR:
		fixed = 0
	default:
		return ErrVersion
	}
	rest := body[fixed:]
	if h.Options&FlagOptPresent != 0 {
		n, err := p.parseOptions(rest)
		if err != nil {
			return err
		}
		rest = rest[n:]
	}
	switch h.Type {
	case TypeODATA, TypeRDATA:
		if int(h.TSDULen) != len(rest) {
			return ErrLength
		}
		p.Payload = rest
		if p.Sqn-p.Trail >= 1<<31-1 {
			// As OpenPGM: a trail "after" the sqn, or 2^31 behind it.
			return ErrSqn
		}
	default:
		// Control packets carry no TSDU; OpenPGM pads nothing after them.
		if h.TSDULen != 0 {
			return ErrLength
		}
	}
	return nil
}

// parseOptions walks the option list at the start of b and returns its
// total length.
func (p *Packet) parseOptions(b []byte) (int, error) {
	if len(b) < 4 {
		return 0, ErrShort
	}
	if b[0]&optTypeMask != OptLength || b[1] != 4 {
		return 0, ErrOption
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < 4 {
		return 0, ErrOption
	}
	if total > len(b) {
		return 0, ErrShort
	}
	opts := b[4:total]
	for len(opts) > 0 {
		if len(opts) < 3 {
			return 0, ErrOption
		}
		typ, olen := opts[0], int(opts[1])
		if olen < 3 || olen > len(opts) {
			return 0, ErrOption
		}
		o := opts[3:olen]
		switch typ & optTypeMask {
		case OptNakList:
			if len(o) < 1 || (len(o)-1)%4 != 0 || (len(o)-1)/4 > MaxNakList-1 {
				return 0, ErrOption
			}
			p.nakList = o[1:]
		case OptFin:
			p.Fin = true
		}
		opts = opts[olen:]
		if typ&optEnd != 0 {
			if len(opts) != 0 {
				return 0, ErrOption
			}
			break
		}
	}
	return total, nil
}
