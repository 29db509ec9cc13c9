package tcp_test

import (
	"testing"

	"github.com/brokerless/zmq/transport/tcp"
	"github.com/brokerless/zmq/transport/transporttest"
)

func TestTransportIPv4(t *testing.T) {
	transporttest.TestStreamTransport(t, tcp.Transport{}, func(*testing.T) string { return "127.0.0.1:0" })
}

func TestTransportIPv4Wildcard(t *testing.T) {
	transporttest.TestStreamTransport(t, tcp.Transport{}, func(*testing.T) string { return "127.0.0.1:*" })
}

func TestTransportIPv6(t *testing.T) {
	skipWithoutIPv6(t)
	transporttest.TestStreamTransport(t, tcp.Transport{}, func(*testing.T) string { return "[::1]:0" })
}
