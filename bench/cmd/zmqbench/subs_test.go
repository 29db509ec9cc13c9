package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/perf"
)

func TestSubsLayout(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {2, 3}, {20, 10}, {1000, 100}} {
		l := newSubsLayout(c[0], c[1])
		require.Equal(t, 1, gcd(l.stride, l.total), "stride %d, total %d", l.stride, l.total)
		// Every topic has the same length, so none is a prefix of another, and parses
		// back to its symbol.
		for _, k := range []int{0, 1, l.total - 1, l.total, 2*l.total - 1} {
			b := l.appendTopic(nil, k)
			require.Len(t, b, l.topicLen())
			got, err := l.parse(append(b, "rest"...))
			require.NoError(t, err)
			require.Equal(t, k, got)
		}
		// Each subscriber holds per symbols, each symbol exactly one subscriber.
		held := make(map[int]int)
		for i := range l.subs {
			for j := range l.per {
				k := l.subscription(i, j)
				owner, ok := l.owner(k)
				require.True(t, ok)
				require.Equal(t, i, owner)
				held[k]++
			}
		}
		require.Len(t, held, l.total)
		// 10 × total messages visit every held symbol nine times and every unheld one
		// once.
		seen := make(map[int]int)
		for m := range 10 * l.total {
			seen[l.symbol(m)]++
		}
		require.Len(t, seen, 2*l.total)
		for k, n := range seen {
			if _, ok := l.owner(k); ok {
				require.Equal(t, 9, n, "symbol %d", k)
			} else {
				require.Equal(t, 1, n, "symbol %d", k)
			}
		}
	}
	_, err := newSubsLayout(20, 10).parse([]byte("sym.0x2.payload"))
	require.Error(t, err)
}

// TestPubSubs runs pub_subs small enough that no queue can fill (at most 90 messages
// per subscriber against an HWM of 1000), so every due message must arrive.
func TestPubSubs(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, perf.Run(program, []string{"pub_subs", "64", "2000", "20", "10"}, &out))
	publishCPU, churnCPU := "", ""
	if _, ok := processCPU(); ok {
		publishCPU, churnCPU = `publish cpu: [0-9.]+ \[ns/msg\]\n`, `churn cpu: [0-9.]+ \[ns/op\]\n`
	}
	require.Regexp(t, `^message size: 64 \[B\]
message count: 2000
subscribers: 20
subscriptions: 200
setup: [0-9.]+ \[ms\]
publish cost: [0-9.]+ \[ns/msg\]
`+publishCPU+`delivered: 1800 of 1800
dropped: 0
unmatched: 200
churn operations: 400
churn: [0-9]+ \[ops/s\]
`+churnCPU+`$`, out.String())

	out.Reset()
	require.NoError(t, perf.Run(program, []string{"-json", "pub_subs", "32", "500", "5", "3"}, &out))
	var r subsResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	require.Equal(t, int64(450), r.Expected)
	require.Equal(t, r.Expected, r.Delivered)
	require.Equal(t, int64(50), r.Unmatched)
	require.Equal(t, 15, r.Subscriptions)
	require.Equal(t, 30, r.ChurnOps)
	require.Positive(t, r.PublishCost)
	require.Positive(t, r.ChurnPerSec)
}

func TestPubSubsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"pub_subs", "5", "10", "2", "2"},     // smaller than the topic
		{"pub_subs", "64", "10", "0", "2"},    // no subscriber
		{"pub_subs", "64", "10", "2", "0"},    // no subscription
		{"pub_subs", "64", "10", "5000", "1"}, // too many subscribers
		{"-warmup", "5", "pub_subs", "64", "10", "2", "2"},
	} {
		require.Error(t, perf.Run(program, args, new(bytes.Buffer)), "%q", args)
	}
}
