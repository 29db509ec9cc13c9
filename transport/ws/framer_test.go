package ws

import (
	"bytes"
	"encoding/binary"
	"io"
	mrand "math/rand/v2"
	"testing"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

// TestCopyMasked checks copyMasked against ws.Cipher at every length up to the fast
// path's limit, for the offsets smallFrames uses (1, past the flags byte) and 0.
func TestCopyMasked(t *testing.T) {
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	key := binary.LittleEndian.Uint32(mask[:])
	for n := range 300 {
		for _, off := range []int{0, 1} {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(i * 31)
			}
			want := bytes.Clone(src)
			ws.Cipher(want, mask, off)
			k := key>>(8*off) | key<<(32-8*off)
			got := make([]byte, n)
			copyMasked(got, src, uint64(k)|uint64(k)<<32)
			require.Equal(t, want, got, "length %d, offset %d", n, off)
		}
	}
}

// TestMaskKey checks maskKey against ws.Cipher on both sides of its switch to
// ws.Cipher.
func TestMaskKey(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 65, 255, 256, 257, 1000} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(i * 7)
		}
		got := bytes.Clone(want)
		ws.Cipher(want, [4]byte{0xa1, 0xb2, 0xc3, 0xd4}, 0)
		maskKey(got, 0xd4c3b2a1)
		require.Equal(t, want, got, "length %d", n)
	}
}

// framedSample is a batch of frames for the framer tests: data frames of every
// header size, a command, a PING and a PONG.
func framedSample(f *framer) (out []byte, frames int) {
	for _, n := range []int{0, 1, 64, 124, 125, 126, 300, 70000} {
		out = f.AppendFrame(out, wire.FlagMore, bytes.Repeat([]byte{byte(n)}, n))
		frames++
	}
	out = f.AppendFrame(out, wire.FlagCommand, wire.AppendSubscription(nil, 1, true, []byte("topic"))[2:])
	out = f.AppendFrame(out, wire.FlagCommand, wire.AppendPing(nil, 7, []byte("ctx"))[2:])
	out = f.AppendFrame(out, wire.FlagCommand, wire.AppendPong(nil, []byte("ctx"))[2:])
	return out, frames + 3
}

// TestFramerFrames decodes the framer's output with gobwas/ws: binary messages with
// the ZWS flags byte, ping and pong control frames for PING and PONG, masked by a
// client only.
func TestFramerFrames(t *testing.T) {
	for _, client := range []bool{false, true} {
		f := &framer{client: client, rng: mrand.NewChaCha8([32]byte{1})}
		out, frames := framedSample(f)
		r := bytes.NewReader(out)
		var got []string
		for {
			h, err := ws.ReadHeader(r)
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			require.True(t, h.Fin)
			require.Equal(t, client, h.Masked)
			p := make([]byte, h.Length)
			_, err = io.ReadFull(r, p)
			require.NoError(t, err)
			if h.Masked {
				ws.Cipher(p, h.Mask, 0)
			}
			switch h.OpCode {
			case ws.OpBinary:
				require.NotEmpty(t, p)
				if p[0] == zwsCommand {
					got = append(got, "command "+string(p[2:7]))
				} else {
					require.Equal(t, zwsMore, p[0])
					require.Equal(t, bytes.Repeat([]byte{byte(len(p) - 1)}, len(p)-1), p[1:])
					got = append(got, "data")
				}
			case ws.OpPing:
				got = append(got, "ping "+string(p))
			case ws.OpPong:
				got = append(got, "pong "+string(p))
			default:
				t.Fatalf("opcode %d", h.OpCode)
			}
		}
		require.Len(t, got, frames)
		require.Equal(t, []string{"command SUBSC", "ping ctx", "pong ctx"}, got[len(got)-3:])
	}
}

// TestTrackBoundaries feeds the framer's output to track cut at every length and
// checks that midFrame is false exactly at the frame boundaries.
func TestTrackBoundaries(t *testing.T) {
	for _, client := range []bool{false, true} {
		f := &framer{client: client, rng: mrand.NewChaCha8([32]byte{2})}
		out, _ := framedSample(f)
		bounds := map[int]bool{0: true}
		for p := 0; p < len(out); {
			hl := headerLen(out[p+1])
			p += hl + int(payloadLen(out[p:p+hl]))
			bounds[p] = true
		}
		for _, step := range []int{1, 2, 3, 5, 13, 64, 1000, 100000} {
			c := &Conn{}
			for p := 0; p < len(out); {
				k := min(step, len(out)-p)
				c.track(out[p : p+k])
				p += k
				require.Equal(t, !bounds[p], c.midFrame(), "step %d, at %d", step, p)
			}
		}
	}
}

// TestTrackWrite checks the shortcut for whole writes: a batch cut short leaves the
// Conn inside a frame until the rest has gone.
func TestTrackWrite(t *testing.T) {
	f := &framer{client: true, rng: mrand.NewChaCha8([32]byte{3})}
	out, _ := framedSample(f)
	c := &Conn{}
	c.trackWrite(out, len(out))
	require.False(t, c.midFrame())
	c.trackWrite(out, 100)
	require.True(t, c.midFrame())
	c.trackWrite(out[100:], len(out)-100)
	require.False(t, c.midFrame())
}
