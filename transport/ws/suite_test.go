package ws_test

import (
	"testing"

	"github.com/brokerless/zmq/internal/testcert"
	"github.com/brokerless/zmq/transport/transporttest"
	"github.com/brokerless/zmq/transport/ws"
)

func TestTransport(t *testing.T) {
	transporttest.TestMessageTransport(t, ws.Transport{}, func(*testing.T) string { return "127.0.0.1:0/zmq" }, ws.Handshake)
}

func TestTransportWildcard(t *testing.T) {
	transporttest.TestMessageTransport(t, ws.Transport{}, func(*testing.T) string { return "127.0.0.1:*" }, ws.Handshake)
}

func TestTransportTLS(t *testing.T) {
	tr := ws.Transport{Secure: true, TLS: testcert.Config(t)}
	transporttest.TestMessageTransport(t, tr, func(*testing.T) string { return "127.0.0.1:*/secure" }, ws.Handshake)
}
