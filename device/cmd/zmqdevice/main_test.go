package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/device"
	"github.com/brokerless/zmq/internal/testcert"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

const testTimeout = 10 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newSocket(t testing.TB, typ socket.Type) *socket.Socket {
	t.Helper()
	s, err := socket.New(typ, socket.Options{Linger: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// logLines collects JSON log lines written by the command, from any goroutine.
type logLines struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []map[string]any
	added chan struct{}
}

func newLogLines() *logLines { return &logLines{added: make(chan struct{}, 1)} }

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadBytes('\n')
		if err != nil {
			l.buf.Write(line) // incomplete: keep it for the next write
			break
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			l.lines = append(l.lines, m)
		}
	}
	select {
	case l.added <- struct{}{}:
	default:
	}
	return len(p), nil
}

// await waits for a log line for which match returns true, and returns it.
func (l *logLines) await(t testing.TB, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		l.mu.Lock()
		for _, m := range l.lines {
			if match(m) {
				l.mu.Unlock()
				return m
			}
		}
		l.mu.Unlock()
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("no log line %s", what)
		}
	}
}

// endpoint waits for the "bound" line of role and returns the resolved endpoint.
func (l *logLines) endpoint(t testing.TB, role string) string {
	t.Helper()
	m := l.await(t, "bound "+role, func(m map[string]any) bool { return m["msg"] == "bound" && m["socket"] == role })
	return m["endpoint"].(string)
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"queue", "--help"}} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(context.Background(), args, &stdout, &stderr), args)
		out := stdout.String()
		for _, f := range []string{"--frontend ", "--backend ", "--capture", "--control", "--stats-interval",
			"--hwm", "--frontend-type", "--backend-type", "--log-format", "--linger", "--metrics-listen", "--version", "Examples:",
			"queue", "forwarder", "streamer", "proxy"} {
			require.Contains(t, out, f)
		}
		require.Empty(t, stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	good := []string{"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"}
	cases := []struct {
		args []string
		want string
	}{
		{nil, "missing device"},
		{[]string{"broker"}, `unknown device "broker"`},
		{[]string{"queue"}, "--frontend is required"},
		{[]string{"queue", "--frontend", "tcp://127.0.0.1:*"}, "--backend is required"},
		{[]string{"queue", "--frontend", "127.0.0.1:5555", "--backend", "tcp://127.0.0.1:*"}, `"127.0.0.1:5555" is not an endpoint`},
		{[]string{"queue", "--frontend", "tcp://127.0.0.1:*,", "--backend", "tcp://127.0.0.1:*"}, "empty endpoint"},
		{[]string{"queue", "--frontend", "udp://127.0.0.1:5", "--backend", "tcp://127.0.0.1:*"}, `unknown transport "udp"`},
		{append([]string{"queue", "--bogus"}, good...), "flag provided but not defined: -bogus"},
		{append([]string{"queue", "--hwm", "lots"}, good...), "invalid value"},
		{append([]string{"queue", "--hwm", "-5"}, good...), "--hwm must be"},
		{append([]string{"queue", "--log-format", "xml"}, good...), "--log-format must be text or json"},
		{append([]string{"queue", "--linger", "-1s"}, good...), "--linger must not be negative"},
		{append([]string{"proxy"}, good...), "proxy needs --frontend-type and --backend-type"},
		{append([]string{"proxy", "--frontend-type", "ROUTR", "--backend-type", "DEALER"}, good...), `unknown socket type "ROUTR"`},
		{append([]string{"queue", "--frontend-type", "dealer"}, good...), "device: queue frontend must be ROUTER, got DEALER"},
		{append(append([]string{"queue"}, good...), "extra"), `unexpected argument "extra"`},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), c.args, &stdout, &stderr)
		require.Equal(t, 2, code, "%q: %s", c.args, stderr.String())
		require.Contains(t, stderr.String(), c.want, c.args)
		require.Contains(t, stderr.String(), "zmqdevice --help")
	}
}

func TestBindFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"streamer", "--frontend", "tcp://" + l.Addr().String(),
		"--backend", "tcp://127.0.0.1:*"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "bind tcp://"+l.Addr().String())
}

// TestRunQueue runs the command in-process: a request and its reply go through, the
// control socket answers STATISTICS, and cancelling the context exits with 0.
func TestRunQueue(t *testing.T) {
	logs := newLogLines()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"queue", "--log-format", "json", "--hwm", "10",
			"--frontend", "tcp://127.0.0.1:*", "--backend", "@ipc://@zmqdevice-test-" + fmt.Sprint(time.Now().UnixNano()),
			"--control", "tcp://127.0.0.1:*", "--capture", "tcp://127.0.0.1:*"}, io.Discard, logs)
	}()
	req := newSocket(t, socket.Req)
	rep := newSocket(t, socket.Rep)
	ctl := newSocket(t, socket.Req)
	tap := newSocket(t, socket.Sub)
	require.NoError(t, req.Connect(logs.endpoint(t, "frontend")))
	require.NoError(t, rep.Connect(logs.endpoint(t, "backend")))
	require.NoError(t, ctl.Connect(logs.endpoint(t, "control")))
	require.NoError(t, tap.Connect(logs.endpoint(t, "capture")))
	require.NoError(t, tap.Subscribe(nil))
	logs.await(t, "running", func(m map[string]any) bool { return m["msg"] == "running" })

	require.NoError(t, req.Send(ctxT(t), socket.NewMsgString("hello")))
	m, err := rep.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "hello", string(m.Frames[0]))
	require.NoError(t, rep.Send(ctxT(t), socket.NewMsgString("world")))
	m, err = req.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "world", string(m.Frames[0]))

	require.NoError(t, ctl.Send(ctxT(t), socket.NewMsgString(device.CmdStatistics)))
	m, err = ctl.Recv(ctxT(t))
	require.NoError(t, err)
	st, err := device.ParseStats(m)
	require.NoError(t, err)
	require.Equal(t, uint64(3), st.Frontend.MsgsIn) // routing id, delimiter, "hello"
	require.Equal(t, uint64(3), st.Frontend.MsgsOut)

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(testTimeout):
		t.Fatal("run did not return after cancel")
	}
}

// TestRunTerminate stops the command with the TERMINATE control command.
func TestRunTerminate(t *testing.T) {
	logs := newLogLines()
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"proxy", "--log-format", "json",
			"--frontend-type", "pair", "--backend-type", "PAIR",
			"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*"}, io.Discard, logs)
	}()
	ctl := newSocket(t, socket.Req)
	require.NoError(t, ctl.Connect(logs.endpoint(t, "control")))
	require.NoError(t, ctl.Send(ctxT(t), socket.NewMsgString(device.CmdTerminate)))
	_, err := ctl.Recv(ctxT(t))
	require.NoError(t, err)
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(testTimeout):
		t.Fatal("TERMINATE did not stop the command")
	}
}

// buildCommand builds zmqdevice into a temporary directory.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := t.TempDir() + "/zmqdevice"
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestProcess runs the built command: traffic flows through a streamer, the stats
// line reports it, and SIGTERM exits with 0; bad arguments exit with 2.
func TestProcess(t *testing.T) {
	bin := buildCommand(t)

	t.Run("streamer", func(t *testing.T) {
		cmd := exec.Command(bin, "streamer", "--log-format", "json", "--stats-interval", "20ms",
			"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*", "--linger", "2s")
		stderr, err := cmd.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		logs := newLogLines()
		go func() {
			io.Copy(logs, bufio.NewReader(stderr))
			exited <- cmd.Wait()
		}()
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				<-exited
			}
		})

		push := newSocket(t, socket.Push)
		pull := newSocket(t, socket.Pull)
		require.NoError(t, push.Connect(logs.endpoint(t, "frontend")))
		require.NoError(t, pull.Connect(logs.endpoint(t, "backend")))
		const n = 100
		for i := range n {
			require.NoError(t, push.Send(ctxT(t), socket.NewMsgString(fmt.Sprint(i), "payload")))
		}
		for i := range n {
			m, err := pull.Recv(ctxT(t))
			require.NoError(t, err)
			require.Equal(t, fmt.Sprint(i), string(m.Frames[0]))
		}
		line := logs.await(t, "stats with all the traffic", func(m map[string]any) bool {
			g, ok := m["frontend_to_backend"].(map[string]any)
			return m["msg"] == "stats" && ok && g["msgs"] == float64(2*n)
		})
		require.Equal(t, float64(0), line["frontend_to_backend"].(map[string]any)["drops"])

		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		select {
		case err := <-exited:
			require.NoError(t, err, "exit status 0 on SIGTERM")
		case <-time.After(testTimeout):
			t.Fatal("zmqdevice did not exit after SIGTERM")
		}
		logs.await(t, "stopping", func(m map[string]any) bool { return m["msg"] == "stopping" })
	})

	t.Run("bad arguments", func(t *testing.T) {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, "queue", "--frontend", "nowhere", "--backend", "tcp://127.0.0.1:*")
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		require.Equal(t, 2, exit.ExitCode())
		require.Contains(t, stderr.String(), `"nowhere" is not an endpoint`)
	})

	t.Run("help", func(t *testing.T) {
		out, err := exec.Command(bin, "--help").Output()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(out), "Usage: zmqdevice"))
		require.Contains(t, string(out), "--stats-interval")
	})
}

// TestRunStreamerWebSocket runs a streamer from wss:// (a certificate in PEM files) to
// ws://: a message pushed in comes out the other side.
func TestRunStreamerWebSocket(t *testing.T) {
	cert, key := testcert.WriteFiles(t, t.TempDir())
	logs := newLogLines()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"streamer", "--log-format", "json", "--tls-cert", cert, "--tls-key", key,
			"--frontend", "wss://127.0.0.1:*/in", "--backend", "ws://127.0.0.1:*/out"}, io.Discard, logs)
	}()
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(cert)
	require.NoError(t, err)
	require.True(t, pool.AppendCertsFromPEM(pem))
	push, err := socket.New(socket.Push, socket.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	require.NoError(t, err)
	defer push.Close()
	pull := newSocket(t, socket.Pull)
	require.NoError(t, push.Connect(logs.endpoint(t, "frontend")))
	require.NoError(t, pull.Connect(logs.endpoint(t, "backend")))
	require.NoError(t, push.Send(ctxT(t), socket.NewMsgString("through")))
	m, err := pull.Recv(ctxT(t))
	require.NoError(t, err)
	require.Equal(t, "through", string(m.Frames[0]))
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(testTimeout):
		t.Fatal("zmqdevice did not stop")
	}
}
