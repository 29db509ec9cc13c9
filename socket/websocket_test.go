package socket

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/testcert"
	"github.com/brokerless/zmq/transport"
)

// TestWSEndpoints checks ws endpoint syntax: Bind resolves the wildcard port and
// keeps the path, a missing path is "/", and Connect refuses a wildcard port.
func TestWSEndpoints(t *testing.T) {
	rep := newSocket(t, Rep, Options{})
	require.NoError(t, rep.Bind("ws://127.0.0.1:*/a/b"))
	ep := rep.LastEndpoint()
	require.True(t, strings.HasPrefix(ep, "ws://127.0.0.1:"), ep)
	require.True(t, strings.HasSuffix(ep, "/a/b"), ep)
	require.NotContains(t, ep, "*")
	require.NoError(t, rep.Bind("ws://127.0.0.1:0"))
	require.True(t, strings.HasSuffix(rep.LastEndpoint(), "/"), rep.LastEndpoint())

	req := newSocket(t, Req, Options{})
	require.ErrorIs(t, req.Connect("ws://127.0.0.1:*/a/b"), transport.ErrBadEndpoint)
	stream := newSocket(t, Stream, Options{})
	require.ErrorIs(t, stream.Bind("ws://127.0.0.1:*/"), ErrTransportNotAllowed)
	connect(t, req, ep)
	send(t, req, "hi")
	require.Equal(t, []string{"hi"}, recvStrings(t, rep))
}

// TestWSS runs REQ/REP and PUB/SUB over wss:// with a certificate made by the test.
func TestWSS(t *testing.T) {
	cfg := testcert.Config(t)
	rep := newSocket(t, Rep, Options{TLSConfig: cfg})
	require.NoError(t, rep.Bind("wss://127.0.0.1:*/rpc"))
	req := newSocket(t, Req, Options{TLSConfig: &tls.Config{RootCAs: cfg.RootCAs}})
	connect(t, req, rep.LastEndpoint())
	for range 3 {
		send(t, req, "q", "")
		require.Equal(t, []string{"q", ""}, recvStrings(t, rep))
		send(t, rep, "a")
		require.Equal(t, []string{"a"}, recvStrings(t, req))
	}

	pub := newSocket(t, Pub, Options{TLSConfig: cfg})
	require.NoError(t, pub.Bind("wss://127.0.0.1:*/feed"))
	sub := newSocket(t, Sub, Options{TLSConfig: &tls.Config{RootCAs: cfg.RootCAs}})
	require.NoError(t, sub.Subscribe([]byte("w")))
	connect(t, sub, pub.LastEndpoint())
	deadline := time.Now().Add(10 * time.Second)
	for {
		require.True(t, time.Now().Before(deadline), "no message reached the subscriber")
		send(t, pub, "x-other")
		send(t, pub, "w-topic")
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			require.Equal(t, "w-topic", string(m.Frames[0]))
			break
		}
	}
}

// TestWSSRefusals: a wss bind without a certificate fails at once, and a client that
// does not trust the server's certificate retries with the TLS error in its events.
func TestWSSRefusals(t *testing.T) {
	s := newSocket(t, Rep, Options{})
	require.ErrorIs(t, s.Bind("wss://127.0.0.1:*/x"), transport.ErrBadEndpoint)

	rep := newSocket(t, Rep, Options{TLSConfig: testcert.Config(t)})
	require.NoError(t, rep.Bind("wss://127.0.0.1:*/x"))
	events := make(chan Event, 64)
	req := newSocket(t, Req, Options{TLSConfig: &tls.Config{RootCAs: testcert.Roots(t)}, Monitor: events})
	connect(t, req, rep.LastEndpoint())
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Type == EventConnectRetried {
				require.ErrorContains(t, e.Err, "certificate")
				return
			}
			require.NotEqual(t, EventHandshakeSucceeded, e.Type)
		case <-timeout:
			t.Fatal("no connect retry")
		}
	}
}
