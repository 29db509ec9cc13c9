//go:build cgo

package interop

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// TestLBBroker runs our examples/lbbroker program, a broker built on socket.Poller, and
// puts the ZeroMQ guide's lbbroker clients and workers in front of and behind it, as
// libzmq REQ sockets, as ours, and mixed, over tcp on 127.0.0.1. Every client must get
// the reply to its own request. The libzmq peers follow the guide's C code frame for
// frame: a worker sends "READY", then answers [client, "", request] with
// [client, "", reply].
func TestLBBroker(t *testing.T) {
	bin := buildLBBroker(t)
	for _, c := range []struct{ clients, workers string }{
		{"libzmq", "libzmq"},
		{"libzmq", "our"},
		{"our", "libzmq"},
	} {
		t.Run(c.clients+"_clients_"+c.workers+"_workers", func(t *testing.T) {
			fe, be, stop := startLBBroker(t, bin)
			const nClients, nWorkers = 10, 3
			done := make(chan struct{})
			var wg sync.WaitGroup
			served := make([]int, nWorkers)
			for i := range nWorkers {
				id := fmt.Sprintf("worker-%d", i)
				wg.Go(func() {
					if c.workers == "libzmq" {
						served[i] = lzWorker(t, be, id, done)
					} else {
						served[i] = ourWorker(t, be, id, done)
					}
				})
			}
			replies := make([]string, nClients)
			var cwg sync.WaitGroup
			for i := range nClients {
				id := fmt.Sprintf("client-%d", i)
				cwg.Go(func() {
					if c.clients == "libzmq" {
						replies[i] = lzClient(t, fe, id)
					} else {
						replies[i] = ourClient(t, fe, id)
					}
				})
			}
			cwg.Wait()
			close(done)
			wg.Wait()
			for i, r := range replies {
				require.Equal(t, fmt.Sprintf("OK HELLO from client-%d", i), r, "client %d", i)
			}
			total := 0
			for _, n := range served {
				total += n
			}
			require.Equal(t, nClients, total, "requests the workers served: %v", served)
			stop()
		})
	}
}

// buildLBBroker builds examples/lbbroker from the parent module.
func buildLBBroker(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		//lint:ignore SA1019 fallback when go is not on PATH: this test binary was built here by the same toolchain
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "lbbroker")
	cmd := exec.Command(gocmd, "build", "-o", bin, "github.com/brokerless/zmq/examples/lbbroker")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build examples/lbbroker:\n%s", out)
	return bin
}

// startLBBroker starts the broker on ports the system picks and returns the endpoints
// it printed, and a function that stops it with SIGTERM and checks that it exits
// cleanly (also run at the end of the test).
func startLBBroker(t *testing.T, bin string) (frontend, backend string, stop func()) {
	t.Helper()
	cmd := exec.Command(bin, "-frontend", "tcp://127.0.0.1:*", "-backend", "tcp://127.0.0.1:*")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				require.NoError(t, err, "lbbroker exit; stderr:\n%s", stderr.String())
			case <-time.After(wait):
				cmd.Process.Kill()
				<-exited
				t.Errorf("lbbroker did not stop on SIGTERM within %v", wait)
			}
		})
	}
	t.Cleanup(stop)
	sc := bufio.NewScanner(stdout)
	for _, name := range []string{"frontend", "backend"} {
		require.True(t, sc.Scan(), "lbbroker printed no %s line; stderr:\n%s", name, stderr.String())
		f := strings.Fields(sc.Text())
		require.Len(t, f, 2, sc.Text())
		require.Equal(t, name, f[0])
		if name == "frontend" {
			frontend = f[1]
		} else {
			backend = f[1]
		}
	}
	return frontend, backend, stop
}

// lzClient is the guide's lbbroker client in libzmq: a REQ that sends one request
// and returns the reply.
func lzClient(t *testing.T, endpoint, id string) string {
	l := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.SetIdentity(id) })
	l.Connect(t, endpoint)
	l.Send(t, "HELLO from "+id)
	m := l.Recv(t)
	require.Len(t, m, 1)
	return string(m[0])
}

// ourClient is the same client with our REQ socket.
func ourClient(t *testing.T, endpoint, id string) string {
	o := newOurs(t, socket.Req, socket.Options{RoutingID: []byte(id)})
	o.Connect(t, endpoint)
	o.Send(t, "HELLO from "+id)
	m := o.Recv(t)
	require.Len(t, m, 1)
	return string(m[0])
}

// lzWorker is the guide's lbbroker worker in libzmq: a REQ that sends "READY", then
// answers each [client, "", request] with [client, "", "OK " + request], until done
// is closed. It returns the number of requests it answered. libzmq sockets are not
// safe for concurrent use, so the socket lives and dies on this goroutine; it polls
// in short slices to notice done.
func lzWorker(t *testing.T, endpoint, id string, done <-chan struct{}) int {
	l := newLZ(t, socket.Req, func(s *zmq.Socket) error { return s.SetIdentity(id) })
	l.Connect(t, endpoint)
	l.Send(t, "READY")
	p := zmq.NewPoller()
	p.Add(l.s, zmq.POLLIN)
	for n := 0; ; {
		select {
		case <-done:
			return n
		default:
		}
		ready, err := p.Poll(20 * time.Millisecond)
		require.NoError(t, err)
		if len(ready) == 0 {
			continue
		}
		m := l.Recv(t)
		require.Len(t, m, 3, "%s got %q", id, m)
		require.Empty(t, m[1], "%s: no delimiter after the client id", id)
		l.Send(t, string(m[0]), "", "OK "+string(m[2]))
		n++
	}
}

// ourWorker is the same worker with our REQ socket; it stops when done is closed.
func ourWorker(t *testing.T, endpoint, id string, done <-chan struct{}) int {
	o := newOurs(t, socket.Req, socket.Options{RoutingID: []byte(id)})
	o.Connect(t, endpoint)
	o.Send(t, "READY")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	for n := 0; ; n++ {
		m, err := o.s.Recv(ctx)
		if ctx.Err() != nil {
			return n
		}
		require.NoError(t, err)
		require.Len(t, m.Frames, 3, "%s got %q", id, m.Frames)
		require.Empty(t, m.Frames[1])
		o.Send(t, string(m.Frames[0]), "", "OK "+string(m.Frames[2]))
	}
}
