package tlsfiles

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/testcert"
)

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	cert, key := testcert.WriteFiles(t, dir)

	cfg, err := Config("", "", "")
	require.NoError(t, err)
	require.Nil(t, cfg)

	cfg, err = Config(cert, key, cert)
	require.NoError(t, err)
	require.Len(t, cfg.Certificates, 1)
	require.NotNil(t, cfg.RootCAs)

	_, err = Config(cert, "", "")
	require.ErrorContains(t, err, "go together")

	notPEM := filepath.Join(dir, "x.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	_, err = Config("", "", notPEM)
	require.ErrorContains(t, err, "no PEM certificate")
	_, err = Config(notPEM, key, "")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "PRIVATE KEY", "no key material in errors")
}
