package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendFrameHeader(t *testing.T) {
	tests := [...]struct {
		flags byte
		size  int
		want  string
	}{
		0: {0, 0, "00 00"},
		1: {FlagMore, 0, "01 00"},
		2: {0, 255, "00 FF"},
		3: {0, 256, "02 0000000000000100"},
		4: {FlagMore, 70000, "03 0000000000011170"},
		5: {FlagCommand, 0x29, "04 29"},
		6: {FlagCommand, 300, "06 000000000000012C"},
		7: {FlagLong, 5, "00 05"}, // LONG only when needed
	}
	for i, tt := range tests {
		got := AppendFrameHeader([]byte{0xEE}, tt.flags, tt.size)
		require.Equal(t, append([]byte{0xEE}, unhex(t, tt.want)...), got, "%d", i)
		require.Equal(t, len(got)-1, FrameHeaderSize(tt.size), "%d", i)
	}
}

func TestConsumeFrameHeader(t *testing.T) {
	tests := [...]struct {
		in    string
		flags byte
		size  uint64
		n     int
		err   error
	}{
		0:  {"00 00", 0, 0, 2, nil},
		1:  {"01 05 AA", FlagMore, 5, 2, nil},
		2:  {"02 00000000000000FF", FlagLong, 255, 9, nil}, // LONG accepted for any size
		3:  {"03 0000000000010000", FlagMore | FlagLong, 65536, 9, nil},
		4:  {"04 07", FlagCommand, 7, 2, nil},
		5:  {"06 000000000000012C", FlagCommand | FlagLong, 300, 9, nil},
		6:  {"F9 02", FlagMore, 2, 2, nil}, // reserved bits tolerated and masked off
		7:  {"F8 02", 0, 2, 2, nil},
		8:  {"05 00", 0, 0, 0, ErrMalformedFrame}, // command with MORE
		9:  {"07 0000000000000001", 0, 0, 0, ErrMalformedFrame},
		10: {"02 8000000000000000", 0, 0, 0, ErrFrameTooLarge},
		11: {"02 7FFFFFFFFFFFFFFF", FlagLong, 1<<63 - 1, 9, nil},
	}
	for i, tt := range tests {
		flags, size, n, err := ConsumeFrameHeader(unhex(t, tt.in))
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, "%d", i)
			require.Zero(t, n)
			continue
		}
		require.NoError(t, err, "%d", i)
		require.Equal(t, tt.flags, flags, "%d", i)
		require.Equal(t, tt.size, size, "%d", i)
		require.Equal(t, tt.n, n, "%d", i)
	}
}

func TestConsumeFrameHeaderTruncated(t *testing.T) {
	for _, h := range []string{"00 05", "03 0000000000010000", "06 000000000000012C"} {
		b := unhex(t, h)
		for i := range b {
			_, _, n, err := ConsumeFrameHeader(b[:i])
			require.NoError(t, err, "%s[:%d]", h, i)
			require.Zero(t, n, "%s[:%d]", h, i)
		}
	}
}

func TestFrameHeaderRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 254, 255, 256, 65535, 1 << 20} {
		for _, flags := range []byte{0, FlagMore, FlagCommand} {
			b := AppendFrameHeader(nil, flags, size)
			f, s, n, err := ConsumeFrameHeader(b)
			require.NoError(t, err)
			require.Equal(t, len(b), n)
			require.Equal(t, uint64(size), s)
			require.Equal(t, flags, f&^FlagLong)
		}
	}
}

func TestFrameHeaderAllocs(t *testing.T) {
	buf := make([]byte, 0, 16)
	long := unhex(t, "03 0000000000010000")
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendFrameHeader(buf[:0], FlagMore, 70000)
		if _, _, n, err := ConsumeFrameHeader(long); n != 9 || err != nil {
			t.Fatal("bad header")
		}
	})
	require.Zero(t, allocs)
}

func BenchmarkConsumeFrameHeader(b *testing.B) {
	h := AppendFrameHeader(nil, FlagMore, 64)
	b.ReportAllocs()
	for b.Loop() {
		ConsumeFrameHeader(h)
	}
}
