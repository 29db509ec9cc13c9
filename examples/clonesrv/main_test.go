package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/clone"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The program serves clients on the endpoints it prints.
func TestServes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-snapshot", "tcp://127.0.0.1:*", "-publisher", "tcp://127.0.0.1:*",
			"-collector", "tcp://127.0.0.1:*", "-heartbeat", "100ms"}, pw)
		pw.Close()
	}()
	defer func() {
		cancel()
		go io.Copy(io.Discard, pr)
		require.ErrorIs(t, <-done, context.Canceled)
	}()
	sc := bufio.NewScanner(pr)
	eps := map[string]string{}
	for range 3 {
		require.True(t, sc.Scan())
		f := strings.Fields(sc.Text())
		require.Len(t, f, 2)
		require.True(t, strings.HasPrefix(f[1], "tcp://127.0.0.1:"), f[1])
		eps[f[0]] = f[1]
	}
	opts := clone.ClientOptions{Snapshot: eps["snapshot"], Publisher: eps["publisher"], Collector: eps["collector"], Timeout: time.Second}
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	a, err := clone.NewClient(cctx, opts)
	require.NoError(t, err)
	defer a.Close()
	require.NoError(t, a.Set(cctx, "k", []byte("v"), 0))
	require.Eventually(t, func() bool { v, _ := a.Get("k"); return string(v) == "v" }, 10*time.Second, 10*time.Millisecond)
	b, err := clone.NewClient(cctx, opts)
	require.NoError(t, err)
	defer b.Close()
	require.Equal(t, map[string][]byte{"k": []byte("v")}, b.State())
	require.Equal(t, int64(1), b.Sequence())
}

func TestBadFlag(t *testing.T) {
	require.Error(t, run(t.Context(), []string{"-snapshot", "udp://x"}, io.Discard))
}
