package harness

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	r, err := Parse("message size: 64 [B]\nroundtrip count: 10000\naverage latency: 31.207 [us]\n")
	require.NoError(t, err)
	require.Equal(t, Result{Size: 64, Roundtrips: 10000, LatencyUS: 31.207}, r)

	r, err = Parse("message size: 1 [B]\nmessage count: 1000000\nmean throughput: 6900000 [msg/s]\nmean throughput: 55.200 [Mb/s]\n")
	require.NoError(t, err)
	require.Equal(t, Result{Size: 1, Count: 1000000, MsgPerSec: 6900000, Mbps: 55.2}, r)

	r, err = Parse("message size: 1 [B]\nconnection count: 2000\nmean connection rate: 2143.7 [conn/s]\n")
	require.NoError(t, err)
	require.Equal(t, Result{Size: 1, Conns: 2000, ConnPerSec: 2143.7}, r)
	require.InDelta(t, 2000/2143.7, r.Seconds(), 1e-9)

	// The percentile lines of -percentiles.
	r, err = Parse("message size: 1 [B]\nroundtrip count: 5\naverage latency: 1.000 [us]\n" +
		"roundtrip p50: 2.000 [us]\nroundtrip p99.9: 7.250 [us]\nroundtrip max: 9.5 [us]\n")
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"p50": 2, "p99.9": 7.25, "max": 9.5}, r.RTTUS)

	for _, bad := range []string{
		"",
		"message size: 1 [B]\n",
		"message size: x [B]\nroundtrip count: 5\naverage latency: 1 [us]\n",
		"message size: 1 [B]\nmessage count: 5\nmean throughput: 5 [msg/s]\n",
		"message size: 1 [B]\nconnection count: 5\n",
		"message size: 1 [B]\nconnection count: 5\nmean connection rate: 9 [conn/s]\nroundtrip count: 5\naverage latency: 1 [us]\n",
		"message size: 1 [B]\nroundtrip count: 5\naverage latency: 1 [us]\nroundtrip p99: fast [us]\n",
	} {
		_, err := Parse(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestFigures(t *testing.T) {
	m, err := Figures("message size: 64 [B]\nserver rss: 1234 [KiB]\nclients: 50\nno figure here\n")
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"message size": 64, "server rss": 1234, "clients": 50}, m)
	_, err = Figures("clients: 50\nclients: 50\n")
	require.Error(t, err)
	_, err = Figures("clients: many\n")
	require.Error(t, err)
}
