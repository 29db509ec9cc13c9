package cert

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The example keys of zmq_curve(7).
const (
	clientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
	clientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
	serverPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
	serverSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
)

func TestExampleKeysDerive(t *testing.T) {
	for _, kp := range [][2]string{{clientPublic, clientSecret}, {serverPublic, serverSecret}} {
		sec, err := ParseSecretKey(kp[1])
		require.NoError(t, err)
		require.Equal(t, kp[0], sec.Public().String())
		pub, err := ParsePublicKey(kp[0] + "\x00")
		require.NoError(t, err)
		require.Equal(t, sec.Public(), pub)
	}
}

func TestGenerateKeyPair(t *testing.T) {
	pub, sec, err := GenerateKeyPair()
	require.NoError(t, err)
	require.Equal(t, pub, sec.Public())
	pub2, _, err := GenerateKeyPair()
	require.NoError(t, err)
	require.NotEqual(t, pub, pub2)
	require.Len(t, pub.String(), 40)
	back, err := ParseSecretKey(sec.Z85())
	require.NoError(t, err)
	require.Equal(t, sec, back)
	// A secret key never prints itself.
	for _, s := range []string{sec.String(), fmt.Sprint(sec), fmt.Sprintf("%v %+v %#v %s", sec, sec, sec, sec)} {
		require.NotContains(t, s, sec.Z85())
	}
}

func TestParseKeyErrors(t *testing.T) {
	_, err := ParsePublicKey(clientPublic[:39])
	require.ErrorIs(t, err, ErrKey)
	_, err = ParsePublicKey(clientPublic + "0")
	require.ErrorIs(t, err, ErrKey)
	_, err = ParseSecretKey(strings.Replace(clientSecret, "D", "~", 1))
	require.ErrorIs(t, err, ErrKey)
	require.NotContains(t, err.Error(), clientSecret[1:])
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := New()
	require.NoError(t, err)
	c.Set("name", "alice")
	c.Set("email", `say "hi"`)
	base := filepath.Join(dir, "alice")
	require.NoError(t, c.Save(base))

	st, err := os.Stat(base + SecretSuffix)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	pub, err := Load(base + PublicSuffix)
	require.NoError(t, err)
	require.Equal(t, c.Public, pub.Public)
	require.False(t, pub.HasSecret)
	require.Equal(t, c.Metadata, pub.Metadata)

	sec, err := Load(base + SecretSuffix)
	require.NoError(t, err)
	require.True(t, sec.HasSecret)
	require.Equal(t, c.Secret, sec.Secret)
	require.Equal(t, c.Metadata, sec.Metadata)

	text, err := os.ReadFile(base + PublicSuffix)
	require.NoError(t, err)
	require.NotContains(t, string(text), "secret-key")
	require.Contains(t, string(text), "\nmetadata\n    name = \"alice\"\n    email = 'say \"hi\"'\ncurve\n    public-key = \""+c.Public.String()+"\"\n")
	require.True(t, strings.HasPrefix(string(text), "#   ****  Generated on "))

	// A certificate without a secret saves only the public file.
	pubOnly := &Cert{Public: c.Public}
	require.NoError(t, pubOnly.Save(filepath.Join(dir, "bob")))
	_, err = os.Stat(filepath.Join(dir, "bob"+SecretSuffix))
	require.True(t, os.IsNotExist(err))
	_, err = pubOnly.Marshal(true)
	require.Error(t, err)
}

// pyzmqSecret is a secret certificate exactly as pyzmq's create_certificates
// writes it (banner, blank line, metadata with unquoted values, the keys
// quoted), here with the zmq_curve(7) server keys.
const pyzmqSecret = `#   ****  Generated on 2024-05-01 12:00:00.123456 by pyzmq  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = server one
curve
    public-key = "` + serverPublic + `"
    secret-key = "` + serverSecret + `"
`

// pyzmqPublic is the matching public file; pyzmq writes an empty metadata
// section in it.
const pyzmqPublic = `#   ****  Generated on 2024-05-01 12:00:00.123456 by pyzmq  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

metadata
curve
    public-key = "` + serverPublic + `"
`

// czmqPublic is a public certificate as CZMQ's zcert_save_public writes it.
const czmqPublic = "#   ****  Generated on 2023-02-17 21:05:10 by CZMQ  ****\n" +
	"#   ZeroMQ CURVE Public Certificate\n" +
	"#   Exchange securely, or use a secure mechanism to verify the contents\n" +
	"#   of this file after exchange. Store public certificates in your home\n" +
	"#   directory, in the .curve subdirectory.\n" +
	"\n" +
	"metadata\n" +
	"    name = \"client\"\n" +
	"    hostname = \"box\"\n" +
	"curve\n" +
	"    public-key = \"" + clientPublic + "\"\n"

func TestParseForeignFormats(t *testing.T) {
	c, err := Parse([]byte(pyzmqSecret))
	require.NoError(t, err)
	require.Equal(t, serverPublic, c.Public.String())
	require.True(t, c.HasSecret)
	require.Equal(t, serverSecret, c.Secret.Z85())
	v, _ := c.Get("name")
	require.Equal(t, "server one", v)

	c, err = Parse([]byte(pyzmqPublic))
	require.NoError(t, err)
	require.Equal(t, serverPublic, c.Public.String())
	require.False(t, c.HasSecret)
	require.Empty(t, c.Metadata)

	c, err = Parse([]byte(strings.ReplaceAll(czmqPublic, "\n", "\r\n")))
	require.NoError(t, err)
	require.Equal(t, clientPublic, c.Public.String())
	require.Equal(t, []Property{{"name", "client"}, {"hostname", "box"}}, c.Metadata)
}

func TestParseMalformed(t *testing.T) {
	for name, text := range map[string]string{
		"no curve":        "metadata\n",
		"no public key":   "curve\n    secret-key = \"" + serverSecret + "\"\n",
		"short key":       "curve\n    public-key = \"" + serverPublic[:30] + "\"\n",
		"bad z85":         "curve\n    public-key = \"" + strings.Replace(serverPublic, "r", "~", 1) + "\"\n",
		"wrong secret":    "curve\n    public-key = \"" + serverPublic + "\"\n    secret-key = \"" + clientSecret + "\"\n",
		"odd indent":      "curve\n   public-key = \"" + serverPublic + "\"\n",
		"too deep":        "curve\n        public-key = \"" + serverPublic + "\"\n",
		"tab":             "curve\n\tpublic-key = \"" + serverPublic + "\"\n",
		"unterminated":    "curve\n    public-key = \"" + serverPublic + "\n",
		"bad name":        "cur*ve\n",
		"no equals":       "curve\n    public-key \"" + serverPublic + "\"\n",
		"after the quote": "curve\n    public-key = \"" + serverPublic + "\" x\n",
	} {
		_, err := Parse([]byte(text))
		require.Error(t, err, name)
		require.True(t, strings.HasPrefix(err.Error(), "cert: "), name)
		require.NotContains(t, err.Error(), serverSecret, name)
		require.NotContains(t, err.Error(), clientSecret, name)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	var want []PublicKey
	for _, name := range []string{"b", "a"} {
		c, err := New()
		require.NoError(t, err)
		require.NoError(t, c.Save(filepath.Join(dir, name)))
		want = append([]PublicKey{c.Public}, want...)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "server.key"), []byte(pyzmqPublic), 0o644))
	want = append(want, mustKey(t, serverPublic))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("not a cert"), 0o644))

	certs, err := LoadDir(dir)
	require.NoError(t, err)
	var got []PublicKey
	for _, c := range certs {
		require.False(t, c.HasSecret, "secret files are not read")
		got = append(got, c.Public)
	}
	require.Equal(t, want, got)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.key"), []byte("curve\n"), 0o644))
	_, err = LoadDir(dir)
	require.ErrorIs(t, err, ErrFormat)
	require.Contains(t, err.Error(), "broken.key")
}

func mustKey(t *testing.T, s string) PublicKey {
	t.Helper()
	k, err := ParsePublicKey(s)
	require.NoError(t, err)
	return k
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(pyzmqSecret))
	f.Add([]byte(pyzmqPublic))
	f.Add([]byte(czmqPublic))
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := Parse(text)
		if err != nil {
			return
		}
		if c.HasSecret {
			require.Equal(t, c.Public, c.Secret.Public())
		}
	})
}
