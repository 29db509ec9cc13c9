package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// ZMTP/1.0 frame headers (13/ZMTP): the length counts the flags byte; one byte up to
// FE, else FF and a u64. libzmq's encoder takes the short form for bodies up to 253.
func TestV1FrameHeaderVectors(t *testing.T) {
	tests := []struct {
		flags byte
		size  uint64
		hex   string
	}{
		{0, 0, "01 00"},
		{FlagMore, 0, "01 01"},
		{0, 5, "06 00"},
		{0, 253, "FE 00"},
		{FlagMore, 253, "FE 01"},
		{0, 254, "FF 00000000000000FF 00"},
		{0, 255, "FF 0000000000000100 00"},
		{FlagMore, 70000, "FF 0000000000011171 01"},
		{FlagMore | FlagLong | FlagCommand, 1, "02 01"}, // only MORE is a 1.0 flag
	}
	for _, tt := range tests {
		want := unhex(t, tt.hex)
		got := AppendV1FrameHeader(nil, tt.flags, tt.size)
		require.Equal(t, want, got, "size %d", tt.size)
		require.Equal(t, len(want), V1FrameHeaderSize(int(tt.size)))

		flags, size, n, err := ConsumeV1FrameHeader(append(want, "body"...))
		require.NoError(t, err)
		require.Equal(t, len(want), n)
		require.Equal(t, tt.size, size)
		require.Equal(t, tt.flags&FlagMore, flags)
		for i := range len(want) {
			_, _, n, err := ConsumeV1FrameHeader(want[:i])
			require.NoError(t, err, "prefix %d", i)
			require.Zero(t, n, "prefix %d is not a whole header", i)
		}
	}
	// Received flags keep MORE only, as libzmq's v1 decoder does.
	flags, _, _, err := ConsumeV1FrameHeader(unhex(t, "01 FF"))
	require.NoError(t, err)
	require.Equal(t, FlagMore, flags)
	// Length 0 cannot be: the flags byte alone is 1.
	for _, h := range []string{"00 00", "FF 0000000000000000 00"} {
		_, _, _, err := ConsumeV1FrameHeader(unhex(t, h))
		require.ErrorIs(t, err, ErrMalformedFrame, h)
		var pe *ProtocolError
		require.ErrorAs(t, err, &pe)
	}
}

// v1Stream encodes msgs in ZMTP/1.0 framing, independently of the code under test.
func v1Stream(msgs ...Msg) []byte {
	var b []byte
	for _, m := range msgs {
		for i, f := range m.Frames {
			l := uint64(len(f)) + 1
			if l < 0xFF {
				b = append(b, byte(l))
			} else {
				b = binary.BigEndian.AppendUint64(append(b, 0xFF), l)
			}
			flags := byte(0)
			if i < len(m.Frames)-1 {
				flags = 1
			}
			b = append(append(b, flags), f...)
		}
	}
	return b
}

// v1Msgs covers both header forms on both sides of the boundary, multipart messages,
// empty frames and a body larger than the Reader's buffer.
func v1Msgs() []Msg {
	return []Msg{
		frames("a"),
		frames("", "x", ""),
		{Frames: [][]byte{bytes.Repeat([]byte("s"), 253), bytes.Repeat([]byte("l"), 254)}},
		{Frames: [][]byte{bytes.Repeat([]byte("m"), 255), bytes.Repeat([]byte("n"), 256)}},
		{Frames: [][]byte{[]byte("big"), bytes.Repeat([]byte("b"), 100000)}},
		frames("last"),
	}
}

func v1Reader(src io.Reader, bufSize int) *Reader {
	r := NewReader(src, bufSize)
	r.useV1(false)
	return r
}

func TestV1ReaderDecodes(t *testing.T) {
	msgs := v1Msgs()
	stream := v1Stream(msgs...)
	for name, src := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(stream) },
		"one-byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) },
	} {
		t.Run(name, func(t *testing.T) {
			r := v1Reader(src(), 4096)
			for i, want := range msgs {
				var m Msg
				require.NoError(t, r.ReadMsg(&m, nil), "message %d", i)
				require.Equal(t, want.Frames, m.Frames, "message %d", i)
			}
			var m Msg
			require.ErrorIs(t, r.ReadMsg(&m, nil), io.EOF)
		})
	}
}

// Bytes already buffered when the Reader switches to ZMTP/1.0 are decoded as 1.0.
func TestV1ReaderSwitchKeepsBuffered(t *testing.T) {
	stream := append([]byte("pre"), v1Stream(frames("one"), frames("two", "2"))...)
	r := NewReader(bytes.NewReader(stream), 0)
	require.NoError(t, r.fill(len(stream)))
	r.r += 3
	r.useV1(false)
	require.Equal(t, []string{`msg ["one"]`, `msg ["two" "2"]`, "err EOF"}, decodeAll(r))
}

// Every truncation of a 1.0 stream ends in a clean EOF at a message boundary and in
// io.ErrUnexpectedEOF anywhere else, with the whole messages before it intact.
func TestV1ReaderTruncation(t *testing.T) {
	msgs := v1Msgs()[:4]
	var bounds []int
	var stream []byte
	for _, m := range msgs {
		stream = append(stream, v1Stream(m)...)
		bounds = append(bounds, len(stream))
	}
	for cut := 0; cut < len(stream); cut++ {
		r := v1Reader(bytes.NewReader(stream[:cut]), 4096)
		whole := 0
		for whole < len(bounds) && bounds[whole] <= cut {
			whole++
		}
		for i := range whole {
			var m Msg
			require.NoError(t, r.ReadMsg(&m, nil), "cut %d message %d", cut, i)
			require.Equal(t, msgs[i].Frames, m.Frames)
		}
		var m Msg
		err := r.ReadMsg(&m, nil)
		if whole > 0 && bounds[whole-1] == cut || cut == 0 {
			require.ErrorIs(t, err, io.EOF, "cut %d", cut)
		} else {
			require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut %d", cut)
		}
	}
}

// MaxMsgSize applies to 1.0 frames as to 3.x ones: from the header alone, before any
// memory is committed to the body, and a length past 2^63 is refused too.
func TestV1ReaderFrameLimits(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stream []byte
		max    int64
		err    error
	}{
		{"over MaxMsgSize", AppendV1FrameHeader(nil, 0, 1<<40), 1 << 20, ErrFrameTooLarge},
		{"one over", append(AppendV1FrameHeader(nil, 0, 101), make([]byte, 101)...), 100, ErrFrameTooLarge},
		{"length 2^64-1", unhex(t, "FF FFFFFFFFFFFFFFFF 00"), 0, ErrFrameTooLarge},
		{"length 0", unhex(t, "02 00 41 00 00"), 0, ErrMalformedFrame},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := v1Reader(bytes.NewReader(tt.stream), 0)
			r.SetMaxFrame(tt.max)
			var m Msg
			err := r.ReadMsg(&m, nil)
			if tt.name == "length 0" {
				require.NoError(t, err)
				require.Equal(t, frames("A").Frames, m.Frames)
				err = r.ReadMsg(&m, nil)
			}
			require.ErrorIs(t, err, tt.err)
			var pe *ProtocolError
			require.ErrorAs(t, err, &pe)
		})
	}
	// Exactly MaxMsgSize passes.
	r := v1Reader(bytes.NewReader(append(AppendV1FrameHeader(nil, 0, 100), make([]byte, 100)...)), 0)
	r.SetMaxFrame(100)
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Len(t, m.Frames[0], 100)
}

// The Writer's output, rewritten for a 1.0 peer, is exactly the 1.0 encoding, for
// copied and referenced bodies alike, and command frames (which 1.0 lacks) are dropped.
func TestV1WriterEncodes(t *testing.T) {
	msgs := v1Msgs()
	for _, bufSize := range []int{0, 512} {
		var out countWriter
		w := NewWriter(&out, bufSize)
		w.useV1()
		for i, m := range msgs {
			require.NoError(t, w.WriteMsg(m))
			if i == 1 {
				require.NoError(t, w.WriteRaw(AppendPing(nil, 10, nil)))
				require.NoError(t, w.WriteRaw(AppendSubscription(nil, 1, true, bytes.Repeat([]byte("t"), 300))))
			}
		}
		require.NoError(t, w.Flush())
		require.Equal(t, v1Stream(msgs...), out.data, "buffer %d", bufSize)

		// And a 1.0 Reader reads it back.
		r := v1Reader(bytes.NewReader(out.data), 0)
		for _, want := range msgs {
			var m Msg
			require.NoError(t, r.ReadMsg(&m, nil))
			require.Equal(t, want.Frames, m.Frames)
		}
	}
}

// FlushSome would write the Writer's 3.x bytes past the rewriting: after the switch it
// writes nothing and leaves the bytes to Flush.
func TestV1WriterFlushSome(t *testing.T) {
	var out countWriter
	w := NewWriter(&out, 0)
	w.useV1()
	require.NoError(t, w.WriteMsg(frames("a")))
	called := false
	done, err := w.FlushSome(func(b []byte) (int, error) { called = true; return len(b), nil })
	require.NoError(t, err)
	require.False(t, done)
	require.False(t, called)
	require.NoError(t, w.Flush())
	require.Equal(t, unhex(t, "02 00 61"), out.data)
}

func FuzzV1ReadMsg(f *testing.F) {
	f.Add(v1Stream(v1Msgs()[:4]...))
	f.Add(v1Stream(frames("a", "", "ccc")))
	f.Add(unhex(f, "FF FFFFFFFFFFFFFFFF 00"))
	f.Add(unhex(f, "00 00"))
	f.Add(AppendV1FrameHeader(nil, 1, 70000))
	f.Add(unhex(f, "01 01 01 01 02 00 41"))
	const maxFrame = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		r := v1Reader(bytes.NewReader(data), 4096)
		r.SetMaxFrame(maxFrame)
		whole := decodeAll(r)
		for _, s := range whole {
			require.NotEqual(t, "OVERSIZE", s)
		}
		r = v1Reader(iotest.OneByteReader(bytes.NewReader(data)), 4096)
		r.SetMaxFrame(maxFrame)
		require.Equal(t, whole, decodeAll(r), "split input decodes like the whole")
	})
}
