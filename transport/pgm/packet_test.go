package pgm

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "").Replace(s))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	tHdr  = Header{SPort: 0x1234, DPort: 5555, GSI: [6]byte{1, 2, 3, 4, 5, 6}}
	tUp   = Header{SPort: 5555, DPort: 0x1234, GSI: [6]byte{1, 2, 3, 4, 5, 6}}
	tNLA  = netip.MustParseAddr("10.0.0.1")
	tGrp  = netip.MustParseAddr("239.192.1.1")
	hello = unhex("0000 06 00 68656c6c6f") // spec Appendix A
)

// Vectors laid out by hand from RFC 3208 §8 (header, data, SPM, NAK with
// OPT_LENGTH + OPT_NAK_LIST); checksums computed independently (RFC 1071).
var (
	vecODATA = unhex("1234 15b3 04 00 8131 010203040506 0009 | 00000000 00000000 | 0000 06 00 68656c6c6f")
	vecSPM   = unhex("1234 15b3 00 00 c503 010203040506 0000 | 00000007 00000000 ffffffff | 0001 0000 0a000001")
	vecNAK   = unhex("15b3 1234 08 03 4a10 010203040506 0000 | 00000005 | 0001 0000 0a000001 | 0001 0000 efc00101 |" +
		" 00 04 0010 | 82 0c 00 00 00000006 00000009")
)

func TestVectors(t *testing.T) {
	require.Equal(t, vecODATA, AppendData(nil, &tHdr, TypeODATA, 0, 0, hello))
	require.Equal(t, vecSPM, AppendSPM(nil, &tHdr, 7, 0, 0xFFFFFFFF, tNLA, false))
	require.Equal(t, vecNAK, AppendNAK(nil, &tUp, TypeNAK, []uint32{5, 6, 9}, tNLA, tGrp))

	var p Packet
	require.NoError(t, Parse(vecODATA, &p))
	assert.Equal(t, uint8(TypeODATA), p.Type)
	assert.Equal(t, TSI{GSI: tHdr.GSI, SPort: 0x1234}, p.TSI())
	assert.Equal(t, uint16(5555), p.DPort)
	assert.Equal(t, hello, p.Payload)

	require.NoError(t, Parse(vecSPM, &p))
	assert.Equal(t, uint32(7), p.Sqn)
	assert.Equal(t, uint32(0), p.Trail)
	assert.Equal(t, uint32(0xFFFFFFFF), p.Lead)
	assert.Equal(t, tNLA, p.NLA)
	assert.False(t, p.Fin)

	require.NoError(t, Parse(vecNAK, &p))
	assert.Equal(t, uint8(TypeNAK), p.Type)
	require.Equal(t, 3, p.NakCount())
	assert.Equal(t, []uint32{5, 6, 9}, []uint32{p.NakSqn(0), p.NakSqn(1), p.NakSqn(2)})
	assert.Equal(t, tNLA, p.NLA)
	assert.Equal(t, tGrp, p.Group)
}

func TestSPMFin(t *testing.T) {
	b := AppendSPM(nil, &tHdr, 1, 2, 3, tNLA, true)
	// OPT_LENGTH (total 8) then OPT_FIN with the end bit.
	require.Equal(t, unhex("00 04 0008 8e 04 00 00"), b[len(b)-8:])
	require.Equal(t, byte(FlagOptPresent|FlagOptNetwork), b[5])
	var p Packet
	require.NoError(t, Parse(b, &p))
	require.True(t, p.Fin)
	require.Equal(t, uint32(3), p.Lead)
}

func TestNAKSingleAndNCF(t *testing.T) {
	b := AppendNAK(nil, &tHdr, TypeNCF, []uint32{42}, tNLA, tGrp)
	require.Len(t, b, HeaderLen+20) // no options for one sqn
	var p Packet
	require.NoError(t, Parse(b, &p))
	require.Equal(t, uint8(TypeNCF), p.Type)
	require.Equal(t, 1, p.NakCount())
	require.Equal(t, uint32(42), p.NakSqn(0))

	many := make([]uint32, 100)
	for i := range many {
		many[i] = uint32(i)
	}
	b = AppendNAK(nil, &tUp, TypeNAK, many, tNLA, tGrp)
	require.NoError(t, Parse(b, &p))
	require.Equal(t, MaxNakList, p.NakCount())
	require.Equal(t, uint32(62), p.NakSqn(62))
}

func TestSPMR(t *testing.T) {
	b := AppendSPMR(nil, &tUp)
	require.Len(t, b, HeaderLen)
	var p Packet
	require.NoError(t, Parse(b, &p))
	require.Equal(t, uint8(TypeSPMR), p.Type)
}

func TestChecksum(t *testing.T) {
	// RFC 1071's example words 0001 f203 f4f5 f6f7 sum to ddf2; checksum 220d.
	require.Equal(t, uint16(0x220d), Checksum(unhex("0001f203f4f5f6f7")))
	// Odd length pads with zero.
	require.Equal(t, Checksum(unhex("0102 03 00")), Checksum(unhex("0102 03")))

	// Every single-bit flip is caught.
	for i := 0; i < len(vecODATA)*8; i++ {
		b := append([]byte(nil), vecODATA...)
		b[i/8] ^= 1 << (i % 8)
		var p Packet
		require.Error(t, Parse(b, &p), "bit %d", i)
	}
	// A zero checksum is "none": refused on data, accepted on control.
	b := append([]byte(nil), vecODATA...)
	b[6], b[7] = 0, 0
	var p Packet
	require.ErrorIs(t, Parse(b, &p), ErrNoSum)
	b = append([]byte(nil), vecSPM...)
	b[6], b[7] = 0, 0
	require.NoError(t, Parse(b, &p))
}

// TestChecksumZeroIsFFFF builds a packet whose checksum computes to 0 and
// checks that 0xFFFF goes on the wire and parses.
func TestChecksumZeroIsFFFF(t *testing.T) {
	payload := []byte{0, 0}
	for i := 0; i < 1<<16; i++ {
		payload[0], payload[1] = byte(i>>8), byte(i)
		b := AppendData(nil, &tHdr, TypeODATA, 0, 0, payload)
		if b[6] == 0xFF && b[7] == 0xFF {
			var p Packet
			require.NoError(t, Parse(b, &p))
			return
		}
		require.False(t, b[6] == 0 && b[7] == 0)
	}
	t.Fatal("no payload gave a zero checksum")
}

func TestRewriteRDATA(t *testing.T) {
	b := append([]byte(nil), vecODATA...)
	RewriteRDATA(b, 0)
	var p Packet
	require.NoError(t, Parse(b, &p))
	require.Equal(t, uint8(TypeRDATA), p.Type)
	require.Equal(t, hello, p.Payload)
}

func TestParseRejects(t *testing.T) {
	var p Packet
	reseal := func(b []byte) []byte { seal(b); return b }
	// tsdu_length too long and too short.
	b := append([]byte(nil), vecODATA...)
	b[15] = 10
	require.ErrorIs(t, Parse(reseal(b), &p), ErrLength)
	b[15] = 8
	require.ErrorIs(t, Parse(reseal(b), &p), ErrLength)
	// Control packet with a tsdu length.
	b = append([]byte(nil), vecSPM...)
	b[15] = 1
	require.ErrorIs(t, Parse(reseal(b), &p), ErrLength)
	// Unknown AFI.
	b = append([]byte(nil), vecSPM...)
	b[HeaderLen+13] = 9
	require.ErrorIs(t, Parse(reseal(b), &p), ErrNLA)
	// trail after sqn.
	b = AppendData(nil, &tHdr, TypeODATA, 5, 6, hello)
	require.ErrorIs(t, Parse(b, &p), ErrSqn)
	// Options: OPT_LENGTH not first, zero-length option, total beyond packet.
	b = append([]byte(nil), vecNAK...)
	b[5] = FlagOptPresent
	b[HeaderLen+20] = OptNakList
	require.ErrorIs(t, Parse(reseal(b), &p), ErrOption)
	b = append([]byte(nil), vecNAK...)
	b[HeaderLen+25] = 0
	require.ErrorIs(t, Parse(reseal(b), &p), ErrOption)
	b = append([]byte(nil), vecNAK...)
	b[HeaderLen+23] = 0x40
	require.ErrorIs(t, Parse(reseal(b), &p), ErrShort)
	// Options flagged but absent.
	b = append([]byte(nil), vecSPM...)
	b[5] = FlagOptPresent
	require.ErrorIs(t, Parse(reseal(b), &p), ErrShort)
	// Unknown types report ErrVersion.
	b = append([]byte(nil), vecSPM...)
	b[4] = 0x0D
	require.ErrorIs(t, Parse(reseal(b), &p), ErrVersion)
}

// TestParseSkipsUnknownOptions checks that options other than NAK_LIST and
// FIN are skipped by their length.
func TestParseSkipsUnknownOptions(t *testing.T) {
	b := append([]byte(nil), vecODATA[:HeaderLen+8]...)
	b[5] = FlagOptPresent
	// OPT_LENGTH total 4+16; OPT_FRAGMENT (len 16) with the end bit.
	b = append(b, unhex("00 04 0014 81 10 00 00 00000001 00000000 00000009")...)
	b = append(b, hello...)
	seal(b)
	var p Packet
	require.NoError(t, Parse(b, &p))
	require.Equal(t, hello, p.Payload)
}

func TestTruncationSweep(t *testing.T) {
	fin := AppendSPM(nil, &tHdr, 1, 2, 3, tNLA, true)
	for _, full := range [][]byte{vecODATA, vecSPM, vecNAK, fin, AppendSPMR(nil, &tUp)} {
		var p Packet
		require.NoError(t, Parse(full, &p))
		for n := 0; n < len(full); n++ {
			b := append([]byte(nil), full[:n]...)
			if n >= HeaderLen {
				seal(b) // a sender that lies consistently about its length
			}
			require.Error(t, Parse(b, &p), "len %d of %x", n, full)
		}
	}
}

func TestParseZeroAlloc(t *testing.T) {
	var p Packet
	allocs := testing.AllocsPerRun(100, func() {
		_ = Parse(vecODATA, &p)
		_ = Parse(vecNAK, &p)
		_ = Parse(vecSPM, &p)
	})
	require.Zero(t, allocs)
	buf := make([]byte, 0, 2048)
	allocs = testing.AllocsPerRun(100, func() {
		buf = AppendData(buf[:0], &tHdr, TypeODATA, 1, 0, hello)
	})
	require.Zero(t, allocs)
}

func FuzzParse(f *testing.F) {
	f.Add(vecODATA)
	f.Add(vecSPM)
	f.Add(vecNAK)
	f.Add(AppendSPM(nil, &tHdr, 1, 2, 3, tNLA, true))
	f.Add(AppendSPMR(nil, &tUp))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Packet
		if Parse(b, &p) != nil {
			return
		}
		for i := 0; i < p.NakCount(); i++ {
			_ = p.NakSqn(i)
		}
		if p.Type == TypeODATA || p.Type == TypeRDATA {
			if len(p.Payload) != int(p.TSDULen) {
				t.Fatalf("payload %d != tsdu %d", len(p.Payload), p.TSDULen)
			}
		}
	})
}
