package main

import (
	"context"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// run registers an echo worker for the service named on the command line, and stops
// with its context.
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
	runCtx, stop := context.WithCancel(ctx)
	brokerDone := make(chan error, 1)
	go func() { brokerDone <- b.Run(runCtx) }()
	defer func() {
		stop()
		<-brokerDone
	}()
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan error, 1)
	go func() { workerDone <- run(workerCtx, []string{"--connect", ep, "--service", "shout"}) }()

	c, err := mdp.NewClient(ep, mdp.ClientOptions{Timeout: 10 * time.Second, Retries: 1})
	require.NoError(t, err)
	defer c.Close()
	rep, err := c.Request(ctx, "shout", []byte("hey"), []byte("you"))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("hey"), []byte("you")}, rep)

	stopWorker()
	require.ErrorIs(t, <-workerDone, context.Canceled)
	deadline := time.Now().Add(10 * time.Second)
	for b.Workers("shout") != 0 {
		require.True(t, time.Now().Before(deadline), "the stopped worker did not unregister")
		time.Sleep(2 * time.Millisecond)
	}

	require.ErrorContains(t, run(ctx, []string{"extra"}), "unexpected arguments")
	require.ErrorContains(t, run(ctx, []string{"--service", "mmi.x"}), "belong to the broker")
}
