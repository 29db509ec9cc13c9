package main

import (
	"bytes"
	"testing"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/stretchr/testify/require"
)

// The draft subcommands run over inproc and tcp and print libzmq's lines. This checks
// that they work, not how fast.
func TestDraftSubcommands(t *testing.T) {
	prog := perf.Program{Name: "zmqbench", New: func() perf.Impl { return impl{} }, Extra: extras()}
	for _, ep := range []string{"", "tcp://127.0.0.1:*"} {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"client_lat", "32", "200"}, "roundtrip count: 200\naverage latency: "},
			{[]string{"scatter_thr", "32", "2000"}, "message count: 2000\nmean throughput: "},
			{[]string{"radio_thr", "32", "2000"}, "message count: 2000\nmean throughput: "},
		} {
			t.Run(tc.args[0]+ep, func(t *testing.T) {
				var out bytes.Buffer
				args := append([]string{"-warmup", "10", "-endpoint", ep}, tc.args...)
				if ep == "" {
					args = append([]string{"-warmup", "10"}, tc.args...)
				}
				require.NoError(t, perf.Run(prog, args, &out))
				require.Contains(t, out.String(), "message size: 32 [B]\n"+tc.want)
			})
		}
	}
}
