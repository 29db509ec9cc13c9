package main

import (
	"bytes"
	"testing"

	"github.com/brokerless/zmq/internal/version"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"--version"}, &stdout, &stderr))
	require.Equal(t, version.String("zmqcert")+"\n", stdout.String())
	require.Empty(t, stderr.String())
}
