package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// run against an in-process broker and worker: one reply line per input line, the
// frames of a multipart reply separated by spaces.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	router, err := socket.New(socket.Router, socket.Options{Linger: -1})
	require.NoError(t, err)
	defer router.Close()
	require.NoError(t, router.Bind("tcp://127.0.0.1:*"))
	ep := router.LastEndpoint()
	b, err := mdp.NewBroker(router, mdp.BrokerOptions{})
	require.NoError(t, err)
	w, err := mdp.NewWorker(ep, "twice", func(_ context.Context, req [][]byte) ([][]byte, error) {
		return [][]byte{req[0], req[0]}, nil
	}, mdp.WorkerOptions{})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() { done <- b.Run(runCtx) }()
	go func() { done <- w.Run(runCtx) }()
	defer func() {
		stop()
		<-done
		<-done
	}()

	var out strings.Builder
	require.NoError(t, run(ctx, []string{"--connect", ep, "--service", "twice"}, strings.NewReader("a\nb c\n\n"), &out))
	require.Equal(t, "a a\nb c b c\n \n", out.String())

	require.ErrorContains(t, run(ctx, []string{"extra"}, strings.NewReader(""), io.Discard), "unexpected arguments")
	require.Error(t, run(ctx, []string{"--nope"}, strings.NewReader(""), io.Discard))
}
