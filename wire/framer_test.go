package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// tlvFramer is a Framer for tests: 'F', the flags, a 4-byte length, the body.
type tlvFramer struct{}

func (tlvFramer) FrameOverhead(int) int { return 6 }

func (tlvFramer) AppendFrame(dst []byte, flags byte, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, 'F', flags), uint32(len(body)))
	return append(dst, body...)
}

type tlvFrame struct {
	flags byte
	body  string
}

func decodeTLV(t *testing.T, b []byte) []tlvFrame {
	var out []tlvFrame
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 6)
		require.Equal(t, byte('F'), b[0])
		n := int(binary.BigEndian.Uint32(b[2:]))
		out = append(out, tlvFrame{b[1], string(b[6 : 6+n])})
		b = b[6+n:]
	}
	return out
}

// TestWriterFramer checks that a Writer with a Framer hands it every frame, from
// WriteMsg, WriteFrame and WriteRaw, batches small ones into one write, copies large
// ones, and refuses WriteRaw bytes that are not whole frames.
func TestWriterFramer(t *testing.T) {
	var cw countWriter
	w := NewWriter(&cw, 1024)
	w.SetFramer(tlvFramer{})
	large := bytes.Repeat([]byte("L"), 4000)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("a"), []byte("bc")}}))
	require.NoError(t, w.WriteRaw(unhex(t, ping3s)))
	require.NoError(t, w.WriteFrame(FlagCommand, []byte("\x04PONG")))
	require.Zero(t, cw.writes, "nothing written before Flush")
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{large}}))
	require.Equal(t, 2, cw.writes, "the batch, then the large frame on its own")
	large[0] = 'X' // copied, not referenced
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("z")}}))
	require.NoError(t, w.Flush())
	require.Equal(t, 3, cw.writes)
	ping := unhex(t, ping3s)
	require.Equal(t, []tlvFrame{
		{FlagMore, "a"}, {0, "bc"}, {FlagCommand, string(ping[2:])}, {FlagCommand, "\x04PONG"},
		{0, string(bytes.Repeat([]byte("L"), 4000))}, {0, "z"},
	}, decodeTLV(t, cw.data))

	require.ErrorIs(t, w.WriteRaw(ping[:len(ping)-1]), errRawFrames)
}
