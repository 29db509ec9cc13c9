package wire

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// nullGreeting31 is zmq-spec Appendix A: a NULL greeting, ZMTP 3.1, zero padding.
const nullGreeting31 = "FF 0000000000000000 7F 03 01 4E554C4C" +
	" 00000000000000000000000000000000" + // rest of the mechanism
	" 00" + // as-server
	" 00000000000000000000000000000000000000000000000000000000000000" // filler

func TestGreetingAppend(t *testing.T) {
	want := unhex(t, nullGreeting31)
	require.Len(t, want, GreetingSize)
	got := Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Append(nil)
	require.Equal(t, want, got)

	got = Greeting{Major: 3, Minor: 0, Mechanism: "PLAIN", AsServer: true}.Append([]byte("x"))
	require.Len(t, got, 1+GreetingSize)
	require.Equal(t, byte('x'), got[0])
	require.Equal(t, byte(0), got[1+11])
	require.Equal(t, "PLAIN\x00", string(got[1+12:1+18]))
	require.Equal(t, byte(1), got[1+32])
}

func TestParseGreeting(t *testing.T) {
	base := unhex(t, nullGreeting31)
	mod := func(f func(b []byte)) []byte {
		b := bytes.Clone(base)
		f(b)
		return b
	}
	tests := [...]struct {
		name string
		in   []byte
		want Greeting
		err  error
	}{
		0:  {"null 3.1", base, Greeting{3, 1, "NULL", false}, nil},
		1:  {"libzmq padding", mod(func(b []byte) { b[8] = 6 }), Greeting{3, 1, "NULL", false}, nil},
		2:  {"3.0", mod(func(b []byte) { b[11] = 0 }), Greeting{3, 0, "NULL", false}, nil},
		3:  {"major 4", mod(func(b []byte) { b[10] = 4; b[11] = 7 }), Greeting{4, 7, "NULL", false}, nil},
		4:  {"as-server", mod(func(b []byte) { b[32] = 1 }), Greeting{3, 1, "NULL", true}, nil},
		5:  {"filler ignored", mod(func(b []byte) { b[63] = 0xAA }), Greeting{3, 1, "NULL", false}, nil},
		6:  {"curve", mod(func(b []byte) { copy(b[12:], "CURVE") }), Greeting{3, 1, "CURVE", false}, nil},
		7:  {"mechanism interior NUL kept", mod(func(b []byte) { b[20] = 'X' }), Greeting{3, 1, "NULL\x00\x00\x00\x00X", false}, nil},
		8:  {"major 2", mod(func(b []byte) { b[10] = 2 }), Greeting{}, ErrVersion},
		9:  {"major 1", mod(func(b []byte) { b[10] = 1 }), Greeting{}, ErrVersion},
		10: {"bad first byte", mod(func(b []byte) { b[0] = 0xFE }), Greeting{}, ErrNotZMTP},
		11: {"bit 0 of byte 9 clear", mod(func(b []byte) { b[9] = 0x7E }), Greeting{}, ErrNotZMTP},
		12: {"http", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n                              "), Greeting{}, ErrNotZMTP},
	}
	for i, tt := range tests {
		g, err := ParseGreeting(tt.in)
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, "%d %s", i, tt.name)
			var pe *ProtocolError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, CodeZMTPUnspecified, pe.Code)
			continue
		}
		require.NoError(t, err, "%d %s", i, tt.name)
		require.Equal(t, tt.want, g, "%d %s", i, tt.name)
	}
}

func TestParseGreetingTruncated(t *testing.T) {
	b := unhex(t, nullGreeting31)
	for i := range b {
		_, err := ParseGreeting(b[:i])
		require.Equal(t, io.ErrUnexpectedEOF, err, "prefix %d", i)
	}
}

func TestCheckSignature(t *testing.T) {
	require.NoError(t, CheckSignature(unhex(t, "FF 00 00 00 00 00 00 00 01 7F")))
	require.NoError(t, CheckSignature(unhex(t, "FF 00 00 00 00 00 00 00 06 01"))) // only bit 0 matters
	require.ErrorIs(t, CheckSignature(unhex(t, "FF 00 00 00 00 00 00 00 01 7E")), ErrNotZMTP)
	require.ErrorIs(t, CheckSignature([]byte("G")), ErrNotZMTP, "decided on the first byte")
	require.ErrorIs(t, CheckSignature(unhex(t, "00 00 00")), ErrNotZMTP)
	require.Equal(t, io.ErrUnexpectedEOF, CheckSignature(nil))
	require.Equal(t, io.ErrUnexpectedEOF, CheckSignature(unhex(t, "FF 00")))
}

func TestParseGreetingAllocs(t *testing.T) {
	b := unhex(t, nullGreeting31)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseGreeting(b); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func FuzzParseGreeting(f *testing.F) {
	f.Add(Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Append(nil))
	f.Add(Greeting{Major: 3, Minor: 0, Mechanism: "CURVE", AsServer: true}.Append(nil))
	f.Add(Greeting{Major: 2, Minor: 0, Mechanism: "PLAIN"}.Append(nil))
	f.Add([]byte("GET / HTTP/1.1\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGreeting(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(g.Mechanism), mechanismSize)
		// Round trip: what we parsed encodes to the same meaningful fields.
		enc := g.Append(nil)
		require.Len(t, enc, GreetingSize)
		require.Equal(t, b[10:32], enc[10:32])
		g2, err := ParseGreeting(enc)
		require.NoError(t, err)
		require.Equal(t, g, g2)
	})
}
