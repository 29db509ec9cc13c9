package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/brokerless/zmq/internal/version"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-version"} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, exitOK, run(t.Context(), []string{arg}, strings.NewReader(""), &stdout, &stderr))
		require.Equal(t, version.String("zmqcat")+"\n", stdout.String())
		require.Empty(t, stderr.String())
	}
}
