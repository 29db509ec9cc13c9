package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestProgram runs httpstream as a process on a free port, asks it for a page with
// net/http's client, and stops it with SIGTERM: it exits 0, having logged the request.
func TestProgram(t *testing.T) {
	bin := progtest.Build(t, ".")
	ep := progtest.TCP(t)
	p := progtest.Start(t, bin, nil, "-bind", ep)
	progtest.WaitListening(t, ep)

	client := &http.Client{Timeout: progtest.Timeout}
	resp, err := client.Get("http://" + strings.TrimPrefix(ep, "tcp://") + "/from-a-process")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, "Hello from a ZeroMQ STREAM socket. You asked: GET /from-a-process HTTP/1.1\n", string(body))

	require.Empty(t, p.Stop())
	require.Equal(t, "httpstream: listening on "+ep+"\nhttpstream: GET /from-a-process HTTP/1.1\n", p.Stderr())
}
