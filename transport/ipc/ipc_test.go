package ipc_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/ipc"
	"github.com/brokerless/zmq/transport/transporttest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// tempDir returns a new short directory (t.TempDir paths grow with the
// test name and can pass the 107-byte limit).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ipct")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

var abstractSeq atomic.Int64

func abstractName() string {
	return fmt.Sprintf("@brokerless-zmq-test-%d-%d", os.Getpid(), abstractSeq.Add(1))
}

func skipWithoutAbstract(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/net/unix"); err != nil {
		t.Skip("abstract unix sockets need Linux")
	}
}

func TestTransportPath(t *testing.T) {
	transporttest.TestStreamTransport(t, ipc.Transport{}, func(t *testing.T) string {
		return filepath.Join(tempDir(t), "s.sock")
	})
}

func TestTransportAbstract(t *testing.T) {
	skipWithoutAbstract(t)
	transporttest.TestStreamTransport(t, ipc.Transport{}, func(*testing.T) string { return abstractName() })
}

func TestTransportWildcard(t *testing.T) {
	transporttest.TestStreamTransport(t, ipc.Transport{}, func(*testing.T) string { return "*" })
}

func listen(t *testing.T, addr string) *ipc.Listener {
	t.Helper()
	ln, err := ipc.Listen(ctx(t), addr, transport.Options{})
	require.NoError(t, err, addr)
	t.Cleanup(func() { ln.Close() })
	return ln
}

// requireServes checks that a connection to addr reaches ln.
func requireServes(t *testing.T, ln *ipc.Listener, addr string) {
	t.Helper()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := ipc.Dial(ctx(t), addr, transport.Options{})
	require.NoError(t, err)
	defer c.Close()
	select {
	case a := <-accepted:
		require.NotNil(t, a, "Accept failed")
		a.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return")
	}
}

func requireGone(t *testing.T, path string) {
	t.Helper()
	_, err := os.Lstat(path)
	require.ErrorIs(t, err, fs.ErrNotExist, path)
}

func TestWildcard(t *testing.T) {
	ln := listen(t, "*")
	ep, err := transport.ParseEndpoint(ln.Endpoint())
	require.NoError(t, err)
	require.Equal(t, "ipc", ep.Scheme)
	path := ep.Addr
	require.True(t, strings.HasPrefix(path, os.TempDir()+string(filepath.Separator)), path)
	require.Equal(t, "socket", filepath.Base(path))
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o700), fi.Mode().Perm(), "private directory")
	requireServes(t, ln, path)

	// Two wildcard binds get different paths.
	ln2 := listen(t, "*")
	require.NotEqual(t, ln.Endpoint(), ln2.Endpoint())

	require.NoError(t, ln.Close())
	requireGone(t, path)
	requireGone(t, dir)
}

func TestAbstract(t *testing.T) {
	skipWithoutAbstract(t)
	name := abstractName()
	ln := listen(t, name)
	require.Equal(t, "ipc://"+name, ln.Endpoint())
	requireServes(t, ln, name)

	// A second bind of the same name fails, as libzmq's does.
	_, err := ipc.Listen(ctx(t), name, transport.Options{})
	require.ErrorIs(t, err, syscall.EADDRINUSE)

	// The kernel frees the name on Close.
	require.NoError(t, ln.Close())
	ln2 := listen(t, name)
	requireServes(t, ln2, name)
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(tempDir(t), "stale.sock")
	// Leave a socket file nobody listens on, as a crashed process would.
	nl, err := net.Listen("unix", path)
	require.NoError(t, err)
	nl.(*net.UnixListener).SetUnlinkOnClose(false)
	require.NoError(t, nl.Close())
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	require.Equal(t, fs.ModeSocket, fi.Mode().Type())

	ln := listen(t, path)
	requireServes(t, ln, path)
}

func TestLiveListenerNotStolen(t *testing.T) {
	path := filepath.Join(tempDir(t), "live.sock")
	ln := listen(t, path)
	_, err := ipc.Listen(ctx(t), path, transport.Options{})
	require.Error(t, err)
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	require.Contains(t, err.Error(), "live listener")
	// The first listener still owns the path.
	requireServes(t, ln, path)
}

func TestNonSocketFileRefused(t *testing.T) {
	path := filepath.Join(tempDir(t), "data")
	require.NoError(t, os.WriteFile(path, []byte("keep me"), 0o600))
	_, err := ipc.Listen(ctx(t), path, transport.Options{})
	require.Error(t, err)
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	require.Contains(t, err.Error(), "not a socket")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "keep me", string(b))
}

func TestPathLength(t *testing.T) {
	dir := tempDir(t)
	pathOfLen := func(n int) string {
		p := dir + "/" + strings.Repeat("x", n-len(dir)-1)
		require.Len(t, p, n)
		return p
	}

	// The longest path that fits works.
	p := pathOfLen(ipc.MaxPathLen)
	ln := listen(t, p)
	requireServes(t, ln, p)
	require.NoError(t, ln.Close())

	for _, n := range []int{ipc.MaxPathLen + 1, 120} {
		p := pathOfLen(n)
		_, lerr := ipc.Listen(ctx(t), p, transport.Options{})
		_, derr := ipc.Dial(ctx(t), p, transport.Options{})
		for _, err := range []error{lerr, derr} {
			require.ErrorIs(t, err, ipc.ErrPathTooLong)
			require.ErrorIs(t, err, transport.ErrBadEndpoint)
			require.ErrorIs(t, err, syscall.ENAMETOOLONG)
			require.Equal(t, fmt.Sprintf(`ipc: path too long (%d bytes, limit 107) in "ipc://%s"`, n, p), err.Error())
		}
		requireGone(t, p)
	}
}

func TestAbstractNameLength(t *testing.T) {
	skipWithoutAbstract(t)
	// No NUL terminator: "@" plus 107 bytes fits.
	base := abstractName()
	name := base + strings.Repeat("z", ipc.MaxPathLen+1-len(base))
	require.Len(t, name, ipc.MaxPathLen+1)
	ln := listen(t, name)
	requireServes(t, ln, name)
	_, err := ipc.Listen(ctx(t), name+"z", transport.Options{})
	require.ErrorIs(t, err, ipc.ErrPathTooLong)
}

func TestCloseRemovesFile(t *testing.T) {
	path := filepath.Join(tempDir(t), "s.sock")
	ln := listen(t, path)
	require.Equal(t, "ipc://"+path, ln.Endpoint())
	_, err := os.Lstat(path)
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	requireGone(t, path)
	// Closing twice reports the closed listener and removes nothing.
	require.ErrorIs(t, ln.Close(), net.ErrClosed)
}

// TestCloseKeepsReplacedFile checks that Close removes only the socket file
// it created: if someone else has bound the path since (as libzmq's
// unconditional unlink allows), their file stays.
func TestCloseKeepsReplacedFile(t *testing.T) {
	path := filepath.Join(tempDir(t), "s.sock")
	ln := listen(t, path)
	require.NoError(t, os.Remove(path))
	other, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer other.Close()
	require.NoError(t, ln.Close())
	fi, err := os.Lstat(path)
	require.NoError(t, err, "Close removed a file it did not create")
	require.Equal(t, fs.ModeSocket, fi.Mode().Type())
}

func TestRelativePath(t *testing.T) {
	dir := tempDir(t)
	t.Chdir(dir)
	ln := listen(t, "rel.sock")
	require.Equal(t, "ipc://rel.sock", ln.Endpoint())
	requireServes(t, ln, "rel.sock")
	// Close removes the file it bound even after the working directory
	// changes.
	t.Chdir(tempDir(t))
	require.NoError(t, ln.Close())
	requireGone(t, filepath.Join(dir, "rel.sock"))
}

func TestBadEndpoints(t *testing.T) {
	tests := []struct {
		addr   string
		listen bool
		reason string
	}{
		{"", true, "ipc: empty path"},
		{"", false, "ipc: empty path"},
		{"@", true, "ipc: empty abstract name"},
		{"@", false, "ipc: empty abstract name"},
		{"a\x00b", true, "ipc: NUL byte in path"},
		{"*", false, `ipc: "*" is valid only for bind`},
	}
	for _, tt := range tests {
		var err error
		if tt.listen {
			_, err = ipc.Listen(ctx(t), tt.addr, transport.Options{})
		} else {
			_, err = ipc.Dial(ctx(t), tt.addr, transport.Options{})
		}
		require.ErrorIs(t, err, transport.ErrBadEndpoint, "%q", tt.addr)
		var ee *transport.EndpointError
		require.True(t, errors.As(err, &ee))
		require.Equal(t, "ipc://"+tt.addr, ee.Endpoint)
		require.Equal(t, tt.reason, ee.Err.Error())
	}
}

func TestDialNoListener(t *testing.T) {
	_, err := ipc.Dial(ctx(t), filepath.Join(tempDir(t), "nobody"), transport.Options{})
	require.ErrorIs(t, err, syscall.ENOENT)
}
