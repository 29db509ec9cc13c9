package main

import (
	"regexp"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/stretchr/testify/require"
)

// TestProxy runs the guide's weather chain as three processes, wuserver -> wuproxy ->
// wuclient, over tcp: the client's subscription travels through the proxy to the
// server and the updates come back. Then the proxy and the server stop on SIGTERM.
func TestProxy(t *testing.T) {
	proxy := progtest.Build(t, ".")
	server := progtest.Build(t, "../wuserver")
	client := progtest.Build(t, "../wuclient")
	serverEP, proxyEP := progtest.TCP(t), progtest.TCP(t)

	srv := progtest.Start(t, server, nil, "-bind", serverEP, "-ipc", "")
	prx := progtest.Start(t, proxy, nil, "-frontend", serverEP, "-backend", proxyEP)
	out := progtest.Start(t, client, nil, "-connect", proxyEP, "-n", "20", "5").Wait()
	require.Regexp(t, regexp.MustCompile(`^Collecting updates from weather server\.\.\.\nAverage temperature for zipcode '5' was -?[0-9]+F\n$`), out)

	require.Empty(t, prx.Stop(), "wuproxy prints nothing")
	require.Empty(t, srv.Stop(), "wuserver prints nothing")
}
