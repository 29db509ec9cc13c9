package z85

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// The test vector of RFC 32/Z85.
var (
	rfcBinary = []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	rfcText   = "HelloWorld"
)

func TestRFCVector(t *testing.T) {
	s, err := Encode(rfcBinary)
	require.NoError(t, err)
	require.Equal(t, rfcText, s)
	b, err := Decode(rfcText)
	require.NoError(t, err)
	require.Equal(t, rfcBinary, b)
}

// The example keys of zmq_curve(7), 32 bytes each as 40 characters.
func TestCurveExampleKeys(t *testing.T) {
	for _, k := range []string{
		"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
		"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
		"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
		"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
	} {
		b, err := Decode(k)
		require.NoError(t, err, k)
		require.Len(t, b, 32)
		s, err := Encode(b)
		require.NoError(t, err)
		require.Equal(t, k, s)
	}
}

func TestRoundTrip(t *testing.T) {
	for n := 0; n <= 64; n += 4 {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		s, err := Encode(b)
		require.NoError(t, err)
		require.Len(t, s, EncodedLen(n))
		got, err := Decode(s)
		require.NoError(t, err)
		require.True(t, bytes.Equal(b, got), "n=%d", n)
	}
	// The extremes of a group.
	s, err := Encode([]byte{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF})
	require.NoError(t, err)
	require.Equal(t, "00000%nSc0", s)
}

func TestErrors(t *testing.T) {
	_, err := Encode([]byte{1, 2, 3})
	require.ErrorIs(t, err, ErrLength)
	require.Contains(t, err.Error(), "z85: ")

	_, err = Decode("Hello")
	require.NoError(t, err)
	_, err = Decode("HelloW")
	require.ErrorIs(t, err, ErrLength)

	_, err = Decode("Hel\"o")
	require.ErrorIs(t, err, ErrCharacter)
	require.Contains(t, err.Error(), "offset 3")
	_, err = Decode("Hell\x00")
	require.ErrorIs(t, err, ErrCharacter)
	_, err = Decode("Hell~")
	require.ErrorIs(t, err, ErrCharacter)

	// "%nSc1" is 2^32, one past the largest group.
	_, err = Decode("%nSc1")
	require.ErrorIs(t, err, ErrRange)
	_, err = Decode("#####")
	require.ErrorIs(t, err, ErrRange)

	// On error AppendDecode leaves dst as it was.
	dst := []byte("ab")
	got, err := AppendDecode(dst, "HelloHel~o")
	require.Error(t, err)
	require.Equal(t, []byte("ab"), got)
}

func FuzzDecode(f *testing.F) {
	f.Add(rfcText)
	f.Add("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")
	f.Add("#####")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		back, err := Encode(b)
		require.NoError(t, err)
		require.Equal(t, s, back)
	})
}
