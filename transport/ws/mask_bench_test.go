package ws

import (
	"testing"

	"github.com/gobwas/ws"
)

// BenchmarkMask compares the framer's word-at-a-time masking of a 64 B frame's
// payload (flags byte + body) with gobwas/ws's Cipher.
func BenchmarkMask(b *testing.B) {
	p := make([]byte, 65)
	b.Run("maskKey", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			maskKey(p, 0xd4c3b2a1)
		}
	})
	b.Run("ws.Cipher", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			ws.Cipher(p, [4]byte{0xa1, 0xb2, 0xc3, 0xd4}, 0)
		}
	})
	dst := make([]byte, 64)
	b.Run("copyMasked", func(b *testing.B) {
		b.SetBytes(int64(len(dst)))
		for b.Loop() {
			copyMasked(dst, p[1:], 0xd4c3b2a1d4c3b2a1)
		}
	})
}
