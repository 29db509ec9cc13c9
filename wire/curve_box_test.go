package wire

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/nacl/box"
)

// curveBoxSizes covers the edges of keystream block 0 (31 body bytes share it
// with the flags byte) and of the later blocks, and large frames.
var curveBoxSizes = []int{0, 1, 30, 31, 32, 33, 63, 64, 94, 95, 96, 97, 200, 255, 256, 257, 1024, 16384, 70000}

// TestCurveStreamMatchesBox checks that a MESSAGE box sealed with the
// connection's derived subkey is byte for byte what nacl/box seals with the
// shared key and the full nonce, and that each side opens the other's.
func TestCurveStreamMatchesBox(t *testing.T) {
	var key [32]byte
	_, err := rand.Read(key[:])
	require.NoError(t, err)
	var st curveStream
	st.init(&key, nonceMsgC)
	for i, size := range curveBoxSizes {
		body := make([]byte, size)
		_, err := rand.Read(body)
		require.NoError(t, err)
		nonce := uint64(1)<<uint(i*3) + uint64(i)
		inner := byte(i % 3)

		n := shortNonce(nonceMsgC, nonce)
		want := box.SealAfterPrecomputation(nil, append([]byte{inner}, body...), &n, &key)
		got := make([]byte, boxOverhead+1+size)
		st.seal(got, nonce, inner, body)
		require.Equal(t, want, got, "size %d", size)

		dst := []byte("prefix")
		gotInner, out, ok := st.open(dst, nonce, want)
		require.True(t, ok, "size %d", size)
		require.Equal(t, inner, gotInner)
		require.Equal(t, "prefix", string(out[:6]))
		require.True(t, bytes.Equal(body, out[6:]), "size %d", size)
	}
}

// TestCurveStreamRejects checks that a changed tag, ciphertext or nonce, or
// the other direction's subkey, fails to open and leaves dst as it was, for a
// short box (one keystream call) and a long one.
func TestCurveStreamRejects(t *testing.T) {
	var key [32]byte
	_, err := rand.Read(key[:])
	require.NoError(t, err)
	var c, s curveStream
	c.init(&key, nonceMsgC)
	s.init(&key, nonceMsgS)
	for _, size := range []int{40, 120} {
		body := bytes.Repeat([]byte("x"), size)
		sealed := make([]byte, boxOverhead+1+len(body))
		c.seal(sealed, 7, 0, body)

		dst := make([]byte, 3, 512)
		copy(dst, "abc")
		check := func(name string, st *curveStream, nonce uint64, b []byte) {
			t.Helper()
			_, out, ok := st.open(dst, nonce, b)
			require.False(t, ok, "%s, %d bytes", name, size)
			require.Equal(t, "abc", string(out), name)
			require.Equal(t, make([]byte, len(body)), dst[3:3+len(body)], "%s: nothing decrypted", name)
		}
		for _, at := range []int{0, 15, 16, 17, len(sealed) - 1} {
			b := bytes.Clone(sealed)
			b[at] ^= 0x40
			check("flipped byte", &c, 7, b)
		}
		check("other nonce", &c, 8, sealed)
		check("other direction", &s, 7, sealed)
		_, out, ok := c.open(dst, 7, sealed)
		require.True(t, ok)
		require.Equal(t, body, out[3:])
	}
}
