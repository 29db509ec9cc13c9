package ws_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	tws "github.com/brokerless/zmq/transport/ws"
)

// rawClient is a WebSocket client written frame by frame, to see and break what a
// ZWS peer sends.
type rawClient struct {
	t    *testing.T
	nc   net.Conn
	br   *bufio.Reader
	resp *http.Response
}

// dialRaw connects to the listener's address and sends an upgrade request for path
// offering protos (none if empty), and reads the response.
func dialRaw(t *testing.T, addr, path string, protos ...string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n", path, addr)
	for _, p := range protos {
		req += "Sec-WebSocket-Protocol: " + p + "\r\n"
	}
	_, err = io.WriteString(nc, req+"\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	return &rawClient{t: t, nc: nc, br: br, resp: resp}
}

// send writes one final frame with payload, masked if mask.
func (c *rawClient) send(op ws.OpCode, fin, mask bool, payload []byte) {
	c.t.Helper()
	f := ws.NewFrame(op, fin, append([]byte(nil), payload...))
	if mask {
		f = ws.MaskFrameInPlace(f)
	}
	require.NoError(c.t, ws.WriteFrame(c.nc, f))
}

// read reads one frame, unmasked if it was masked.
func (c *rawClient) read() ws.Frame {
	c.t.Helper()
	//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
	f, err := ws.ReadFrame(c.br)
	require.NoError(c.t, err)
	return f
}

// readyFrame is a ZWS READY command of a socket of type typ.
func readyFrame(typ string) []byte {
	b := []byte{0x02, 5}
	b = append(b, "READY"...)
	b = append(b, 11)
	b = append(b, "Socket-Type"...)
	b = append(b, 0, 0, 0, byte(len(typ)))
	return append(b, typ...)
}

// listen binds a ws listener on loopback and returns it with its host:port.
func listen(t *testing.T, tr tws.Transport, path string) (transport.Listener, string) {
	t.Helper()
	ln, err := tr.Listen(context.Background(), "127.0.0.1:*"+path, transport.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	a, err := tws.ParseAddr("ws", ln.Endpoint()[len("ws://"):])
	require.NoError(t, err)
	return ln, a.HostPort
}
