package mdp

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A Handler that fails sends no reply, and the broker takes a worker back only by
// its REPLY: so the worker registers afresh, and the client's retry reaches it.
// With a single worker, a failure must not take the service down for good.
func TestWorkerHandlerErrorKeepsServing(t *testing.T) {
	_, ep, _ := startBroker(t, bindEndpoint(t, "tcp"), testBrokerOptions())
	var calls atomic.Int32
	startWorker(t, ep, "flaky", func(_ context.Context, req [][]byte) ([][]byte, error) {
		if calls.Add(1)%2 == 1 { // every odd call fails
			return nil, errors.New("transient failure")
		}
		return req, nil
	})
	c := newClient(t, ep, ClientOptions{Timeout: 4 * testInterval, Retries: 3})
	for i, body := range []string{"a", "b", "c"} {
		ctx, cancel := context.WithTimeout(ctxT(t), 10*time.Second)
		reply, err := c.Request(ctx, "flaky", []byte(body))
		cancel()
		require.NoError(t, err, "request %d", i)
		require.Equal(t, []string{body}, strs(reply))
	}
	// Each request failed once and succeeded on its retry: exactly two calls each.
	require.Equal(t, int32(6), calls.Load())
}
