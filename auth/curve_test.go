package auth_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/cert"
	"github.com/stretchr/testify/require"
)

// certDir writes n client certificates (public and secret files) into a new
// directory, with a file that is no certificate, and returns their keys.
func certDir(t *testing.T, n int) (string, []*cert.Cert) {
	t.Helper()
	dir := t.TempDir()
	var certs []*cert.Cert
	for i := range n {
		c, err := cert.New()
		require.NoError(t, err)
		c.Set("name", "client")
		require.NoError(t, c.Save(filepath.Join(dir, "client"+string(rune('a'+i)))))
		certs = append(certs, c)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("not a certificate\n"), 0o644))
	return dir, certs
}

func TestLoadCurveCerts(t *testing.T) {
	h := newHarness(t)
	dir, certs := certDir(t, 3)
	require.NoError(t, h.a.LoadCurveCerts("ops", dir))
	for _, c := range certs {
		requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", c.Public)...), "1", "200", c.Public.String())
		// Only "ops" has certificates.
		requireReply(t, h.ask(t, curveReq("dev", "127.0.0.1", c.Public)...), "1", "400", "")
	}
	stranger := newKey(t)
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", stranger)...), "1", "400", "")
	// A secret certificate's public key is not used on its own, and no secret
	// key shows in the log.
	for _, c := range certs {
		require.NotContains(t, h.logs.String(), c.Secret.Z85())
	}
	require.Empty(t, h.logs.lines("level=WARN"), "a directory of public certificates loads without warnings")
}

func TestLoadCurveCertsSkipsSecretFiles(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	c, err := cert.New()
	require.NoError(t, err)
	require.NoError(t, c.SaveSecret(filepath.Join(dir, "only"+cert.SecretSuffix)))
	require.NoError(t, h.a.LoadCurveCerts(auth.AnyDomain, dir))
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", c.Public)...), "1", "400", "")
	require.Len(t, h.logs.lines("level=WARN", "no public certificates found"), 1, h.logs.String())
}

func TestLoadCurveCertsSecretInPublicFile(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	c, err := cert.New()
	require.NoError(t, err)
	require.NoError(t, c.SaveSecret(filepath.Join(dir, "misplaced"+cert.PublicSuffix)))
	require.NoError(t, h.a.LoadCurveCerts(auth.AnyDomain, dir))
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", c.Public)...), "1", "200", c.Public.String())
	require.Len(t, h.logs.lines("level=WARN", "holds a secret key", c.Public.String()), 1, h.logs.String())
	require.NotContains(t, h.logs.String(), c.Secret.Z85())
}

func TestLoadCurveCertsErrors(t *testing.T) {
	h := newHarness(t)
	dir, certs := certDir(t, 1)
	require.NoError(t, h.a.LoadCurveCerts(auth.AnyDomain, dir))

	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "broken.key"), []byte("curve\n    public-key = \"short\"\n"), 0o644))
	err := h.a.LoadCurveCerts(auth.AnyDomain, bad)
	require.Error(t, err)
	require.Contains(t, err.Error(), "broken.key")
	// The earlier rule stays.
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", certs[0].Public)...), "1", "200", certs[0].Public.String())

	require.Error(t, h.a.LoadCurveCerts(auth.AnyDomain, filepath.Join(dir, "missing")))
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", certs[0].Public)...), "1", "200", certs[0].Public.String())
}
