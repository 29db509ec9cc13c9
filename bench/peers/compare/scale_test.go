package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

func TestMemSeries(t *testing.T) {
	lib, ours := harness.Program{Key: "libzmq"}, harness.Program{Key: "ours"}
	cell := func(test string, n int, libv, oursv []float64) *scaleCell {
		return &scaleCell{test: test, clients: n, impls: []*implResult{
			{prog: lib, values: libv}, {prog: ours, values: oursv}}}
	}
	cells := []*scaleCell{
		cell(scaleIdle, 2000, []float64{28000, 29000, 28500}, []float64{47000}),
		cell(scaleIdle, 1000, []float64{30000}, nil), // ours failed at 1000
		cell(scaleRouter, 1000, []float64{1e5}, []float64{2e5}),
	}
	require.Equal(t, []memPoint{
		{Impl: "libzmq", N: 1000, BytesPerConn: 30000},
		{Impl: "libzmq", N: 2000, BytesPerConn: 28500},
		{Impl: "ours", N: 2000, BytesPerConn: 47000},
	}, memSeries(cells))
}

func TestScaleTarget(t *testing.T) {
	for _, tc := range []struct {
		test    string
		n       int
		goal    float64
		higher  bool
		comment string
	}{
		{scaleIdle, 2000, 0.5, false, "idle memory at most half libzmq's"},
		{scaleConns, 1000, 1, true, "connection rate at least libzmq's"},
		{scaleRouter, 10000, 2, true, "10k throughput twice libzmq's"},
		{scaleRouter, 1000, 0, true, "no target at 1k"},
	} {
		goal, higher := scaleTarget(&scaleCell{test: tc.test, clients: tc.n})
		require.Equal(t, tc.goal, goal, tc.comment)
		if goal > 0 {
			require.Equal(t, tc.higher, higher, tc.comment)
		}
	}
}
