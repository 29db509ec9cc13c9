package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// TestRunMetrics runs a streamer with --metrics-listen: /healthz answers ok while
// it runs, /metrics counts a message through it under the socket labels, and the
// server is gone once the command returns. (metrics/prom's tests run the built
// command and parse /metrics with Prometheus's own parser.)
func TestRunMetrics(t *testing.T) {
	logs := newLogLines()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"streamer", "--log-format", "json", "--metrics-listen", "127.0.0.1:0",
			"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*", "--capture", "tcp://127.0.0.1:*"}, io.Discard, logs)
	}()
	addr := logs.await(t, "serving metrics", func(m map[string]any) bool { return m["msg"] == "serving metrics" })["address"].(string)
	logs.await(t, "running", func(m map[string]any) bool { return m["msg"] == "running" })
	base := "http://" + addr
	code, body := httpGet(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", body)

	push := newSocket(t, socket.Push)
	pull := newSocket(t, socket.Pull)
	require.NoError(t, push.Connect(logs.endpoint(t, "frontend")))
	require.NoError(t, pull.Connect(logs.endpoint(t, "backend")))
	require.NoError(t, push.Send(ctxT(t), socket.NewMsgString("12345")))
	_, err := pull.Recv(ctxT(t))
	require.NoError(t, err)

	code, body = httpGet(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	lines := strings.Split(body, "\n")
	for _, want := range []string{
		`zmq_socket_messages_received_total{socket="frontend"} 1`,
		`zmq_socket_bytes_received_total{socket="frontend"} 5`,
		`zmq_socket_messages_sent_total{socket="backend"} 1`,
		`zmq_socket_bytes_sent_total{socket="backend"} 5`,
		`zmq_socket_drops_total{socket="capture",reason="no_peers"} 1`,
		`zmq_socket_peers{socket="frontend"} 1`,
	} {
		require.Contains(t, lines, want)
	}

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(testTimeout):
		t.Fatal("run did not return after cancel")
	}
	_, err = http.Get(base + "/healthz")
	require.Error(t, err, "the metrics server stops with the device")
}

func TestRunMetricsListenFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"streamer", "--metrics-listen", l.Addr().String(),
		"--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*"}, io.Discard, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "--metrics-listen")
}
