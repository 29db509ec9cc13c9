package main

import (
	"bytes"
	"testing"

	"github.com/brokerless/zmq/internal/version"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(t.Context(), []string{"--version"}, &stdout, &stderr))
	require.Equal(t, version.String("zmqdevice")+"\n", stdout.String())
	require.Empty(t, stderr.String())
}
