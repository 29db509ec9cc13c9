package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// serve runs the example on a free loopback port and returns its base URL.
func serve(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() {
		run(ctx, "tcp://127.0.0.1:*", pw)
		pw.Close()
	})
	sc := bufio.NewScanner(pr)
	var ep string
	for sc.Scan() {
		if e, ok := strings.CutPrefix(sc.Text(), "httpstream: listening on "); ok {
			ep = e
			break
		}
	}
	require.NotEmpty(t, ep, "the server did not report its endpoint")
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return "http://" + strings.TrimPrefix(ep, "tcp://")
}

func TestAnswersHTTPClient(t *testing.T) {
	base := serve(t)
	client := &http.Client{Timeout: 20 * time.Second}
	for _, path := range []string{"/", "/hello", "/a/b?c=d"} {
		resp, err := client.Get(base + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "Hello from a ZeroMQ STREAM socket. You asked: GET "+path+" HTTP/1.1\n", string(body))
	}
}

func TestAnswersCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed; the Go client test covers the same exchange")
	}
	base := serve(t)
	out, err := exec.Command(curl, "-sS", "--max-time", "20", base+"/from-curl").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "Hello from a ZeroMQ STREAM socket. You asked: GET /from-curl HTTP/1.1\n", string(out))
}

func TestRefusesOversizedHeader(t *testing.T) {
	base := serve(t)
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 10*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	// Exactly one byte too many and no blank line: the server has read everything by
	// the time it refuses, so its close cannot turn into a reset.
	head := "GET / HTTP/1.0\r\nX-Pad: "
	_, err = c.Write([]byte(head + strings.Repeat("a", maxHeader+1-len(head))))
	require.NoError(t, err)
	resp, err := io.ReadAll(c)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(resp), "HTTP/1.0 431 "), "%q", resp)
}
