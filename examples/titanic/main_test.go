package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/reliable/titanic"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// startProgram runs the program and returns the line it printed and a stop function.
func startProgram(t *testing.T, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "the program printed nothing")
	go io.Copy(io.Discard, pr)
	return sc.Text(), func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	}
}

// A request stored by one run of the program is answered after a restart of it.
func TestRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	router, err := socket.New(socket.Router, socket.Options{Linger: -1})
	require.NoError(t, err)
	defer router.Close()
	require.NoError(t, router.Bind("tcp://127.0.0.1:*"))
	broker := router.LastEndpoint()
	b, err := mdp.NewBroker(router, mdp.BrokerOptions{HeartbeatInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	bctx, bstop := context.WithCancel(ctx)
	bdone := make(chan error, 1)
	go func() { bdone <- b.Run(bctx) }()
	defer func() { bstop(); <-bdone }()

	dir := t.TempDir()
	line, stop := startProgram(t, "--connect", broker, "--dir", dir, "--retry", "100ms")
	require.Contains(t, line, "0 pending")
	c, err := titanic.NewClient(broker, mdp.ClientOptions{Timeout: 500 * time.Millisecond, Retries: 20})
	require.NoError(t, err)
	defer c.Close()
	id, err := c.Request(ctx, "echo", []byte("survive"))
	require.NoError(t, err)
	stop()

	line, stop = startProgram(t, "--connect", broker, "--dir", dir, "--retry", "100ms")
	defer stop()
	require.Contains(t, line, "1 pending")
	w, err := mdp.NewWorker(broker, "echo", func(_ context.Context, req [][]byte) ([][]byte, error) { return req, nil },
		mdp.WorkerOptions{HeartbeatInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	wctx, wstop := context.WithCancel(ctx)
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() { wstop(); <-wdone }()
	for {
		reply, err := c.Reply(ctx, id)
		if err == nil {
			require.Equal(t, [][]byte{[]byte("survive")}, reply)
			break
		}
		require.True(t, errors.Is(err, titanic.ErrPending), err)
		select {
		case <-ctx.Done():
			t.Fatal("no reply")
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.NoError(t, c.CloseRequest(ctx, id))
}
