package main

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

var openLine = regexp.MustCompile(`open (http://127\.0\.0\.1:[0-9]+/) \(PUB on (ws://\S+), REP on (ws://\S+)\)`)

// TestProcess runs webfeed as a program on ephemeral ports: the page's server
// answers /endpoints, a SUB of ours on the feed gets the page's topic only, a REQ
// gets an answer, and SIGTERM stops it with status 0.
func TestProcess(t *testing.T) {
	bin := progtest.Build(t, ".")
	p := progtest.Start(t, bin, nil, "-http", "127.0.0.1:0", "-interval", "20ms", "-topic", "news", "-other", "sports")
	var m []string
	p.WaitStderr("the page's address", func(s string) bool {
		m = openLine.FindStringSubmatch(s)
		return m != nil
	})
	url, feed, rpc := m[1], m[2], m[3]

	ctx, cancel := context.WithTimeout(context.Background(), progtest.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"endpoints", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var eps map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&eps))
	resp.Body.Close()
	require.Equal(t, feed, eps["feed"])
	require.Equal(t, rpc, eps["rpc"])
	require.Equal(t, "news", eps["topic"])

	sub, err := socket.New(socket.Sub, socket.Options{})
	require.NoError(t, err)
	defer sub.Close()
	require.NoError(t, sub.Subscribe([]byte("news")))
	require.NoError(t, sub.Connect(feed))
	for range 3 {
		u, err := sub.Recv(ctx)
		require.NoError(t, err)
		require.Len(t, u.Frames, 2)
		require.Equal(t, "news", string(u.Frames[0]))
		require.True(t, strings.HasPrefix(string(u.Frames[1]), "update "), "%q", u.Frames[1])
	}

	r, err := socket.New(socket.Req, socket.Options{})
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, r.Connect(rpc))
	require.NoError(t, r.Send(ctx, socket.NewMsgString("question")))
	answer, err := r.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, "answer to question", string(answer.Frames[0]))

	// Stopped with peers still connected: it exits 0 all the same.
	start := time.Now()
	require.Empty(t, p.Stop())
	t.Logf("stopped in %v", time.Since(start))
}
