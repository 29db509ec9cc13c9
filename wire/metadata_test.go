package wire

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMetadataRoundTrip(t *testing.T) {
	md := Metadata{
		{PropSocketType, []byte("ROUTER")},
		{PropIdentity, []byte{}},
		{"X-Big", bytes.Repeat([]byte{0xAB}, 1000)},
		{"X-Dup", []byte("1")},
		{"x-dup", []byte("2")},
	}
	b := md.Append([]byte{0xEE})
	require.Equal(t, 1+md.Size(), len(b))
	got, err := ParseMetadata(b[1:])
	require.NoError(t, err)
	require.Equal(t, md, got)

	// Values are copied.
	b[len(b)-1] = 'Z'
	require.Equal(t, []byte("2"), got[4].Value)

	v, ok := got.Get("socket-type")
	require.True(t, ok, "lookup ignores case")
	require.Equal(t, []byte("ROUTER"), v)
	v, ok = got.Get("X-DUP")
	require.True(t, ok)
	require.Equal(t, []byte("1"), v, "first of duplicates")
	_, ok = got.Get("Resource")
	require.False(t, ok)

	md, err = ParseMetadata(nil)
	require.NoError(t, err)
	require.Empty(t, md)
}

func TestMetadataVector(t *testing.T) {
	// The metadata part of zmq-spec §1.6's DEALER READY.
	b := unhex(t, dealerReady)[2+6:]
	md, err := ParseMetadata(b)
	require.NoError(t, err)
	require.Equal(t, Metadata{{PropSocketType, []byte("DEALER")}, {PropIdentity, []byte{}}}, md)
}

func TestParseMetadataErrors(t *testing.T) {
	tests := [...]string{
		0: "00 00000000",                         // zero name length
		1: "03 6162",                             // name truncated
		2: "01 61 0000",                          // value length truncated
		3: "01 61 00000005 6162",                 // value shorter than its length
		4: "01 61 80000000",                      // value length above 2^31-1
		5: "01 61 FFFFFFFF 00",                   // a lying, huge length
		6: "01 61 00000001 62 00",                // trailing byte
		7: "01 61 00000001 62 01 61 00000000 02", // trailing garbage after two properties
	}
	for i, in := range tests {
		_, err := ParseMetadata(unhex(t, in))
		require.ErrorIs(t, err, &ProtocolError{Code: CodeInvalidMetadata, Err: ErrInvalidMetadata}, "%d", i)
	}
}

func TestParseMetadataTruncated(t *testing.T) {
	b := Metadata{{PropSocketType, []byte("DEALER")}, {PropIdentity, []byte("id")}}.Append(nil)
	boundary := 1 + 11 + 4 + 6
	for i := 1; i < len(b); i++ {
		_, err := ParseMetadata(b[:i])
		if i == boundary {
			require.NoError(t, err, "prefix %d ends at a property boundary", i)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidMetadata, "prefix %d", i)
	}
}

func TestParseMetadataLyingLength(t *testing.T) {
	// A length of 2^31-1 backed by 3 bytes must fail without allocating for it.
	b := unhex(t, "01 61 7FFFFFFF 414243")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		_, err := ParseMetadata(b)
		require.ErrorIs(t, err, ErrInvalidMetadata)
	}
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

func TestMetadataValidate(t *testing.T) {
	require.NoError(t, Metadata{{"X-A", nil}}.Validate())
	require.ErrorIs(t, Metadata{{"", nil}}.Validate(), ErrInvalidMetadata)
	require.ErrorIs(t, Metadata{{string(make([]byte, 256)), nil}}.Validate(), ErrInvalidMetadata)
	require.Panics(t, func() { Metadata{{"", nil}}.Append(nil) })
}

func TestParseMetadataInterning(t *testing.T) {
	b := Metadata{{PropSocketType, []byte("PUB")}}.Append(nil)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseMetadata(b); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, allocs, 2.0, "one Metadata slice, one value slab, no name strings")
}

func FuzzParseMetadata(f *testing.F) {
	f.Add(unhex(f, dealerReady)[2+6:])
	f.Add(Metadata{{"X-A", []byte("v")}, {"X-B", nil}}.Append(nil))
	f.Add(unhex(f, "01 61 FFFFFFFF 00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := ParseMetadata(b)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidMetadata)
			return
		}
		// Round trip: a parsed block re-encodes to exactly the input.
		require.NoError(t, md.Validate())
		require.Equal(t, len(b), md.Size())
		require.Equal(t, b, md.Append(make([]byte, 0, len(b))))
	})
}
