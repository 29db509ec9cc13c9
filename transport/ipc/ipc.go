// Package ipc is the ZeroMQ ipc:// transport: ZMTP over Unix domain stream
// sockets (zmq-spec §5.2).
//
// Addresses are a socket path, absolute ("ipc:///tmp/feed") or relative to
// the working directory ("ipc://feed.sock"), at most [MaxPathLen] bytes; an
// abstract name ("ipc://@name", Linux only), which leaves no file behind; or,
// on bind, the wildcard "*", which binds a socket named "socket" in a new
// private directory under [os.TempDir] and reports it through
// [Listener.Endpoint].
//
// # Binding over an existing file
//
// libzmq unlinks whatever is at the path before binding, so a second binder
// silently steals the endpoint from a live one. This package is more careful.
// If the path is taken, Listen probes it: a socket nobody accepts on (a
// connect is refused) is stale, left by a process that died, and is removed
// and replaced; a socket with a live listener is left alone and Listen fails
// with an error matching syscall.EADDRINUSE; a file that is not a socket is
// never removed, and Listen fails.
//
// Close removes the socket file, but only if it is still the one this
// listener created, and the private directory of a wildcard bind.
package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/transport"
)

// Transport is the ipc transport. The zero value is ready to use.
type Transport struct{}

var (
	_ transport.StreamTransport = Transport{}
	_ transport.Listener        = (*Listener)(nil)
)

// Listen calls the package function [Listen].
func (Transport) Listen(ctx context.Context, addr string, opts transport.Options) (transport.Listener, error) {
	ln, err := Listen(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// Dial calls the package function [Dial].
func (Transport) Dial(ctx context.Context, addr string, opts transport.Options) (net.Conn, error) {
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Listener is a bound ipc endpoint. It is safe for concurrent use.
type Listener struct {
	ln       *net.UnixListener
	endpoint string

	file fs.FileInfo // the socket file we created; nil for abstract names
	abs  string      // its absolute path, immune to later Chdir
	dir  string      // private directory of a wildcard bind, or ""

	cleanup sync.Once
}

// Listen binds addr, the part of an ipc endpoint after "ipc://": a path, an
// "@name" abstract name or "*". ctx bounds only the bind. opts does not apply
// to Unix sockets and is ignored. See the package comment for what happens
// when the path already exists.
func Listen(ctx context.Context, addr string, opts transport.Options) (*Listener, error) {
	if addr == "*" {
		return listenWildcard(ctx)
	}
	if err := checkPath("ipc://"+addr, addr); err != nil {
		return nil, err
	}
	return listen(ctx, addr, "")
}

// listenWildcard binds "socket" in a new private temporary directory.
func listenWildcard(ctx context.Context) (*Listener, error) {
	dir, err := os.MkdirTemp("", "zmq-ipc-")
	if err != nil {
		return nil, fmt.Errorf("ipc: wildcard directory: %w", err)
	}
	path := filepath.Join(dir, "socket")
	if err := checkPath("ipc://"+path, path); err != nil {
		os.Remove(dir)
		return nil, err
	}
	ln, err := listen(ctx, path, dir)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	return ln, nil
}

func listen(ctx context.Context, path, dir string) (*Listener, error) {
	var lc net.ListenConfig
	nl, err := lc.Listen(ctx, "unix", path)
	if err != nil && path[0] != '@' && errors.Is(err, syscall.EADDRINUSE) {
		if err := removeStale(ctx, path, err); err != nil {
			return nil, err
		}
		nl, err = lc.Listen(ctx, "unix", path)
	}
	if err != nil {
		return nil, err
	}
	l := &Listener{ln: nl.(*net.UnixListener), endpoint: "ipc://" + path, dir: dir}
	if path[0] != '@' {
		// Close unlinks the file itself, and only if it is still ours:
		// package net would remove whatever sits at the path by then.
		l.ln.SetUnlinkOnClose(false)
		l.file, err = os.Lstat(path)
		if err == nil {
			l.abs, err = filepath.Abs(path)
		}
		if err != nil {
			l.ln.Close()
			return nil, err
		}
	}
	return l, nil
}

// removeStale removes the socket file at path if no one accepts on it.
// bindErr is the error of the bind that found the path taken.
func removeStale(ctx context.Context, path string, bindErr error) error {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // gone meanwhile: just retry
		}
		return bindErr
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("ipc: %s exists and is not a socket, not removing it: %w", path, bindErr)
	}
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("ipc: %s has a live listener: %w", path, bindErr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		// Not provably stale (a full backlog, no permission...).
		return fmt.Errorf("ipc: %s is taken and may be live (probe: %v): %w", path, err, bindErr)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("ipc: removing stale socket: %w", err)
	}
	return nil
}

// Accept waits for the next connection. After Close it returns an error
// matching net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) { return l.ln.Accept() }

// Close stops listening, removes the socket file if it is still the one
// Listen created, and removes the private directory of a wildcard bind. A
// blocked Accept returns an error. Accepted connections stay open.
func (l *Listener) Close() error {
	var rmErr error
	l.cleanup.Do(func() {
		// Unlink first, so no one connects to a path about to be dead.
		if l.file != nil {
			if fi, err := os.Lstat(l.abs); err == nil && os.SameFile(fi, l.file) {
				if err := os.Remove(l.abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
					rmErr = err
				}
			}
		}
		if l.dir != "" {
			if err := os.Remove(l.dir); err != nil && !errors.Is(err, fs.ErrNotExist) && rmErr == nil {
				rmErr = err
			}
		}
	})
	if err := l.ln.Close(); err != nil {
		return err
	}
	return rmErr
}

// Endpoint returns the bound endpoint: the address as given ("ipc:///tmp/x",
// "ipc://rel.sock", "ipc://@name"), or for "*" the socket path that was
// created, such as "ipc:///tmp/zmq-ipc-123/socket".
func (l *Listener) Endpoint() string { return l.endpoint }

// Addr returns the listener's network address.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Dial connects to addr, the part of an ipc endpoint after "ipc://": a path
// or an "@name" abstract name. ctx bounds the attempt. opts is ignored.
func Dial(ctx context.Context, addr string, opts transport.Options) (*net.UnixConn, error) {
	if addr == "*" {
		return nil, transport.BadEndpoint("ipc://*", `ipc: "*" is valid only for bind`)
	}
	if err := checkPath("ipc://"+addr, addr); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}
