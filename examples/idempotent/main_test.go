package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

func testConfig(dedup bool) config {
	return config{requests: 60, drop: 0.3, seed: 7, timeout: 300 * time.Millisecond, retries: 20,
		dedup: dedup, endpoint: "tcp://127.0.0.1:*"}
}

// Every deposit is applied exactly once although about a third of the replies are
// lost: each lost reply makes the Lazy Pirate client send again, and the receiver
// answers the retry without applying it.
func TestExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	res, err := demo(ctx, testConfig(true))
	require.NoError(t, err)
	require.Positive(t, res.dropped, "the test loses replies")
	require.Equal(t, 60, res.applied, "each deposit applied once")
	require.Equal(t, int64(60*61/2), res.balance)
	require.Equal(t, res.expected, res.balance)
	// Every attempt beyond the first of each request was a duplicate, and every
	// dropped reply caused one (a reply merely slower than the timeout would too).
	require.Equal(t, res.requests+res.dups, res.attempts)
	require.GreaterOrEqual(t, res.dups, res.dropped)
}

// Without the receiver the same run applies every attempt: the balance is off by
// exactly the retried deposits.
func TestWithoutDedupRetriesApplyTwice(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	res, err := demo(ctx, testConfig(false))
	require.NoError(t, err)
	require.Positive(t, res.dropped)
	require.Equal(t, res.attempts, res.applied)
	require.Greater(t, res.applied, 60)
	require.Greater(t, res.balance, res.expected)
}

func TestCommandLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out strings.Builder
	require.NoError(t, run(ctx, []string{"-requests", "20", "-drop", "0.25", "-timeout", "300ms"}, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	require.Contains(t, lines[0], "requests 20,")
	require.Contains(t, lines[0], "deposits applied 20,")
	require.Equal(t, "balance 210, expected 210", lines[1])

	require.ErrorContains(t, run(ctx, []string{"-drop", "1"}, &out), "probability")
}
