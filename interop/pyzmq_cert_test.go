//go:build cgo

package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/brokerless/zmq/cert"
	"github.com/stretchr/testify/require"
)

// Certificate files cross between our cert package and pyzmq's zmq.auth, both ways:
// the keys each side reads are the keys the other side wrote. pyzmq is Debian's
// python3-zmq, run with /usr/bin/python3 (a pyenv python3 on PATH would not see it).

const pyzmqInstall = "apt-get install -y python3-zmq"

// pyzmqPython returns the python3 that can import zmq.auth. Without it the test fails
// in CI (CI=true), where .ci/run and make interop-deps install python3-zmq, and skips
// with the reason elsewhere.
func pyzmqPython(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	out, err := exec.Command(python, "-c", "import zmq.auth").CombinedOutput()
	if err != nil {
		msg := "pyzmq certificate interop needs Debian's python3-zmq for " + python + " (" + pyzmqInstall + "): " + string(bytes.TrimSpace(out)) + " " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}

// runPy runs script with args under python and decodes its JSON output into v.
func runPy(t *testing.T, python, script string, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python: %s", stderr.String())
	require.NoError(t, json.Unmarshal(out, v), "python printed %q", out)
}

// pyCreate has pyzmq write NAME.key and NAME.key_secret in a directory with metadata,
// then reports the keys its own load_certificate reads back from the secret file, the
// public key it derives from the secret one, and the metadata it wrote.
const pyCreate = `
import json, sys, zmq, zmq.auth
d, name = sys.argv[1], sys.argv[2]
pub_file, sec_file = zmq.auth.create_certificates(d, name, metadata={"owner": "pyzmq", "purpose": "interop"})
pub, sec = zmq.auth.load_certificate(sec_file)
pub_only, none = zmq.auth.load_certificate(pub_file)
assert none is None
print(json.dumps({"public_file": pub_file, "secret_file": sec_file,
    "public": pub.decode(), "secret": sec.decode(), "public_only": pub_only.decode(),
    "derived": zmq.curve_public(sec).decode()}))
`

// pyLoad has pyzmq read certificate files written by us: each named file with
// load_certificate, and the directory's public ones with load_certificates.
const pyLoad = `
import json, os, sys, zmq, zmq.auth
d = sys.argv[1]
out = {"files": {}, "dir": sorted(k.decode() for k in zmq.auth.load_certificates(d))}
for f in sys.argv[2:]:
    pub, sec = zmq.auth.load_certificate(os.path.join(d, f))
    out["files"][f] = {"public": pub.decode(), "secret": sec.decode() if sec else None}
print(json.dumps(out))
`

func TestPyzmqWritesCertificatesWeRead(t *testing.T) {
	python := pyzmqPython(t)
	dir := t.TempDir()
	var py struct {
		PublicFile string `json:"public_file"`
		SecretFile string `json:"secret_file"`
		Public     string `json:"public"`
		Secret     string `json:"secret"`
		PublicOnly string `json:"public_only"`
		Derived    string `json:"derived"`
	}
	runPy(t, python, pyCreate, &py, dir, "server")
	require.Equal(t, filepath.Join(dir, "server"+cert.PublicSuffix), py.PublicFile)
	require.Equal(t, filepath.Join(dir, "server"+cert.SecretSuffix), py.SecretFile)
	require.Len(t, py.Public, 40)
	require.Len(t, py.Secret, 40)
	require.Equal(t, py.Public, py.PublicOnly)
	require.Equal(t, py.Public, py.Derived)

	sec, err := cert.Load(py.SecretFile)
	require.NoError(t, err)
	require.True(t, sec.HasSecret)
	require.Equal(t, py.Public, sec.Public.String())
	require.Equal(t, py.Secret, sec.Secret.Z85())
	require.Equal(t, sec.Public, sec.Secret.Public(), "the secret key pyzmq wrote derives its public key")
	for name, want := range map[string]string{"owner": "pyzmq", "purpose": "interop"} {
		v, ok := sec.Get(name)
		require.True(t, ok, "metadata %q", name)
		require.Equal(t, want, v)
	}

	pub, err := cert.Load(py.PublicFile)
	require.NoError(t, err)
	require.False(t, pub.HasSecret)
	require.Equal(t, py.Public, pub.Public.String())

	all, err := cert.LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, py.Public, all[0].Public.String())
}

func TestPyzmqReadsCertificatesWeWrite(t *testing.T) {
	python := pyzmqPython(t)
	dir := t.TempDir()
	client, err := cert.New()
	require.NoError(t, err)
	client.Set("name", "our client")
	client.Set("email", "client@example.org")
	require.NoError(t, client.Save(filepath.Join(dir, "client")))
	server, err := cert.New()
	require.NoError(t, err)
	require.NoError(t, server.Save(filepath.Join(dir, "server")))

	var py struct {
		Files map[string]struct {
			Public string
			Secret *string
		}
		Dir []string
	}
	runPy(t, python, pyLoad, &py, dir, "client.key", "client.key_secret", "server.key", "server.key_secret")
	for name, c := range map[string]*cert.Cert{"client": client, "server": server} {
		pubFile := py.Files[name+cert.PublicSuffix]
		require.Equal(t, c.Public.String(), pubFile.Public, "%s.key", name)
		require.Nil(t, pubFile.Secret, "%s.key holds no secret", name)
		secFile := py.Files[name+cert.SecretSuffix]
		require.Equal(t, c.Public.String(), secFile.Public, "%s.key_secret", name)
		require.NotNil(t, secFile.Secret, "%s.key_secret", name)
		require.Equal(t, c.Secret.Z85(), *secFile.Secret, "%s.key_secret", name)
	}
	want := []string{client.Public.String(), server.Public.String()}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	require.Equal(t, want, py.Dir, "load_certificates reads the public certificates of the directory")
}
