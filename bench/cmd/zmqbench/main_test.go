package main

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/wire"
)

// freeEndpoint returns a tcp endpoint on 127.0.0.1 whose port was free a moment ago.
func freeEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return fmt.Sprintf("tcp://%s", l.Addr())
}

// runPair runs local and remote (arguments of perf.Run) against each other in this
// process and returns what remote printed.
func runPair(t *testing.T, local, remote []string) string {
	done := make(chan error, 1)
	go func() { done <- perf.Run(program, local, new(bytes.Buffer)) }()
	var out bytes.Buffer
	err := perf.Run(program, remote, &out)
	require.NoError(t, <-done)
	require.NoError(t, err)
	return out.String()
}

func TestCurveConnRate(t *testing.T) {
	ep := freeEndpoint(t)
	out := runPair(t,
		[]string{"-curve", "local_conn", ep, "1", "20"},
		[]string{"-curve", "remote_conn", ep, "1", "20"})
	require.Contains(t, out, "message size: 1 [B]\nconnection count: 20\nmean connection rate: ")
}

func TestCurveThroughput(t *testing.T) {
	ep := freeEndpoint(t)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- perf.Run(program, []string{"-curve", "local_thr", ep, "64", "2000"}, &out) }()
	require.NoError(t, perf.Run(program, []string{"-curve", "remote_thr", ep, "64", "2000"}, new(bytes.Buffer)))
	require.NoError(t, <-done)
	require.Contains(t, out.String(), "message count: 2000\nmean throughput: ")
}

func TestCurveMechanisms(t *testing.T) {
	srv, err := curveMechanism(true)
	require.NoError(t, err)
	cli, err := curveMechanism(false)
	require.NoError(t, err)
	s, c := srv.(*wire.CurveServer), cli.(*wire.CurveClient)
	require.Equal(t, s.PublicKey, c.ServerKey, "the client expects the server's key")
	require.NotEqual(t, s.PublicKey, c.PublicKey)
	require.NotEqual(t, s.SecretKey, c.SecretKey)
}

func TestCurveNeedsSupport(t *testing.T) {
	p := program
	p.NewCurve = nil
	err := perf.Run(p, []string{"-curve", "local_thr", "tcp://127.0.0.1:1", "1", "1"}, new(bytes.Buffer))
	require.ErrorContains(t, err, "no CURVE mode")
}
