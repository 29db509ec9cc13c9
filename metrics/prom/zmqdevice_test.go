package prom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// jsonLog collects the JSON log lines of a process.
type jsonLog struct {
	mu    sync.Mutex
	lines []map[string]any
}

// read reads r until it ends.
func (l *jsonLog) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			l.mu.Lock()
			l.lines = append(l.lines, m)
			l.mu.Unlock()
		}
	}
}

// await polls for a line with msg, and socket if given, and returns it.
func (l *jsonLog) await(t testing.TB, msg, sock string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, m := range l.lines {
			if m["msg"] == msg && (sock == "" || m["socket"] == sock) {
				l.mu.Unlock()
				return m
			}
		}
		l.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no log line %q %s", msg, sock)
	return nil
}

// get fetches url and returns the status and body.
func get(t testing.TB, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

// TestZmqdeviceMetrics builds zmqdevice and runs it as a process with
// --metrics-listen: after N messages of S bytes through a streamer, /metrics
// (parsed by Prometheus's parser) counts exactly N and N*S on the frontend and
// backend, the capture socket's copies dropped for want of subscribers, the peers;
// /healthz answers "ok"; SIGTERM exits with 0.
func TestZmqdeviceMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zmqdevice")
	}
	bin := t.TempDir() + "/zmqdevice"
	out, err := exec.Command("go", "build", "-o", bin, "github.com/brokerless/zmq/device/cmd/zmqdevice").CombinedOutput()
	require.NoError(t, err, "%s", out)

	cmd := exec.Command(bin, "streamer", "--log-format", "json", "--metrics-listen", "127.0.0.1:0",
		"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*", "--capture", "tcp://127.0.0.1:*")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var logs jsonLog
	readDone := make(chan struct{})
	go func() { defer close(readDone); logs.read(stderr) }()
	// exited is closed when the process has been waited for, with its status in
	// waitErr.
	exited := make(chan struct{})
	var waitErr error
	go func() { <-readDone; waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	base := "http://" + logs.await(t, "serving metrics", "")["address"].(string)
	logs.await(t, "running", "")
	status, body := get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", string(body))

	push := newSocket(t, socket.Push)
	pull := newSocket(t, socket.Pull)
	require.NoError(t, push.Connect(logs.await(t, "bound", "frontend")["endpoint"].(string)))
	require.NoError(t, pull.Connect(logs.await(t, "bound", "backend")["endpoint"].(string)))
	const n, size = 500, 100
	payload := bytes.Repeat([]byte{'m'}, size)
	for range n {
		require.NoError(t, push.Send(ctxT(t), socket.NewMsg(payload)))
	}
	for range n {
		m, err := pull.Recv(ctxT(t))
		require.NoError(t, err)
		require.Equal(t, payload, m.Frames[0])
	}

	status, body = get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status)
	f := parseText(t, body)
	require.Equal(t, float64(n), f.must(t, "zmq_socket_messages_received_total", "frontend"))
	require.Equal(t, float64(n*size), f.must(t, "zmq_socket_bytes_received_total", "frontend"))
	require.Equal(t, float64(n), f.must(t, "zmq_socket_messages_sent_total", "backend"))
	require.Equal(t, float64(n*size), f.must(t, "zmq_socket_bytes_sent_total", "backend"))
	require.Equal(t, float64(0), f.must(t, "zmq_socket_messages_sent_total", "frontend"))
	require.Equal(t, float64(0), f.must(t, "zmq_socket_messages_received_total", "backend"))
	require.Equal(t, float64(n), f.must(t, "zmq_socket_messages_sent_total", "capture"))
	require.Equal(t, float64(n), f.must(t, "zmq_socket_drops_total", "capture", "no_peers"))
	for _, sock := range []string{"frontend", "backend"} {
		for _, reason := range DropReasons {
			require.Equal(t, float64(0), f.must(t, "zmq_socket_drops_total", sock, reason), "%s %s", sock, reason)
		}
		require.Equal(t, float64(1), f.must(t, "zmq_socket_peers", sock))
	}
	require.Equal(t, float64(0), f.must(t, "zmq_socket_peers", "capture"))

	// A subscriber on the capture socket: the peers gauge follows it.
	tap := newSocket(t, socket.Sub)
	require.NoError(t, tap.Subscribe(nil))
	require.NoError(t, tap.Connect(logs.await(t, "bound", "capture")["endpoint"].(string)))
	deadline := time.Now().Add(testTimeout)
	for {
		_, body = get(t, base+"/metrics")
		if parseText(t, body).must(t, "zmq_socket_peers", "capture") == 1 {
			break
		}
		require.True(t, time.Now().Before(deadline), "capture peers never reached 1")
		time.Sleep(5 * time.Millisecond)
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
		require.NoError(t, waitErr, "exit status 0 on SIGTERM")
	case <-time.After(testTimeout):
		t.Fatal("zmqdevice did not exit after SIGTERM")
	}
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "the metrics server stops with the device")
}
