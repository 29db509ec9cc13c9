package mdp

import (
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// The broker's messages, byte for byte, as RFC 7 and the guide's implementations
// have them, seen from a hand-written worker and client.
func TestMajordomoWireBytes(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	w := rawWorker(t, ep, "echo")
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("echo") == 1 })
	client := newSocket(t, socket.Req)
	require.NoError(t, client.Connect(ep))
	ctx := ctxT(t)
	require.NoError(t, client.Send(ctx, socket.NewMsg(frames(ClientHeader, "echo", "a", "", "b")...)))

	req := recvCommand(t, w)
	require.Len(t, req, 8)
	require.Empty(t, req[0])
	require.Equal(t, "MDPW01", string(req[1]))
	require.Equal(t, []byte{0x02}, req[2])
	clientID := req[3]
	require.NotEmpty(t, clientID)
	require.Equal(t, []string{"", "a", "", "b"}, strs(req[4:]))

	reply := [][]byte{nil, []byte("MDPW01"), {0x03}, clientID, nil, []byte("A"), []byte("B")}
	require.NoError(t, w.Send(ctx, socket.NewMsg(reply...)))
	rep, err := client.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"MDPC01", "echo", "A", "B"}, strs(rep.Frames))

	// Heartbeats both ways: the broker's is [“”, MDPW01, 0x04].
	require.NoError(t, w.Send(ctx, socket.NewMsg(nil, []byte("MDPW01"), []byte{0x04})))
	for {
		m, err := w.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"", "MDPW01"}, strs(m.Frames[:2]))
		if string(m.Frames[2]) == "\x04" {
			require.Len(t, m.Frames, 3)
			break
		}
	}
	// DISCONNECT from the worker: the broker forgets it at once.
	require.NoError(t, w.Send(ctx, socket.NewMsg(nil, []byte("MDPW01"), []byte{0x05})))
	eventually(t, 5*time.Second, "the worker is forgotten", func() bool { return b.Workers("echo") == 0 })
}

// A worker the broker does not know — one that heartbeats or replies without READY,
// or sends READY twice — is told to disconnect.
func TestMajordomoDisconnectsUnknownWorker(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	ctx := ctxT(t)
	for _, first := range [][]string{
		{"", WorkerHeader, CmdHeartbeat},
		{"", WorkerHeader, CmdReply, "client", "", "x"},
	} {
		s := newSocket(t, socket.Dealer)
		require.NoError(t, s.Connect(ep))
		require.NoError(t, s.Send(ctx, socket.NewMsg(frames(first...)...)))
		m, err := s.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"", "MDPW01", "\x05"}, strs(m.Frames))
	}
	w := rawWorker(t, ep, "svc")
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("svc") == 1 })
	require.NoError(t, w.Send(ctx, socket.NewMsg(frames("", WorkerHeader, CmdReady, "svc")...)))
	require.Equal(t, []string{"", "MDPW01", "\x05"}, strs(recvCommand(t, w)))
	require.Equal(t, 0, b.Workers("svc"))
	// A worker may not offer an MMI service.
	m := rawWorker(t, ep, "mmi.service")
	require.Equal(t, []string{"", "MDPW01", "\x05"}, strs(recvCommand(t, m)))
	require.Zero(t, b.Stats().Workers)
}

// Messages that are not MDP are counted and ignored; the broker goes on serving.
func TestMajordomoMalformedInput(t *testing.T) {
	b, ep, _ := startBroker(t, "tcp://127.0.0.1:*", testBrokerOptions())
	startWorker(t, ep, "echo", echo)
	eventually(t, 5*time.Second, "the worker registers", func() bool { return b.Workers("echo") == 1 })
	bad := newSocket(t, socket.Dealer)
	require.NoError(t, bad.Connect(ep))
	ctx := ctxT(t)
	junk := [][]string{
		{"x"},
		{""},
		{"", "MDPC01"},
		{"nodelimiter", "MDPC01", "echo"},
		{"", "MDPX01", "echo"},
		{"", "MDPW01", "\x09"},
		{"", "MDPW01", ""},
	}
	for _, j := range junk {
		require.NoError(t, bad.Send(ctx, socket.NewMsg(frames(j...)...)))
	}
	eventually(t, 5*time.Second, "every malformed message counted", func() bool {
		return b.Stats().Malformed == uint64(len(junk))
	})
	rep, err := newClient(t, ep, ClientOptions{Timeout: 5 * time.Second}).Request(ctx, "echo", []byte("still"))
	require.NoError(t, err)
	require.Equal(t, []string{"still"}, strs(rep))
	require.Equal(t, 1, b.Workers("echo"))
}

// recvSkipping receives on a broker-side ROUTER until a message that is not a
// worker heartbeat.
func recvSkipping(t *testing.T, s *socket.Socket) [][]byte {
	t.Helper()
	for {
		m, err := s.Recv(ctxT(t))
		require.NoError(t, err)
		if len(m.Frames) == 4 && string(m.Frames[3]) == CmdHeartbeat {
			continue
		}
		return m.Frames
	}
}

// Our worker and client, byte for byte, as a broker written from RFC 7 sees them;
// the worker registers again with a new socket when told to disconnect.
func TestWorkerAndClientWireBytes(t *testing.T) {
	broker := newSocket(t, socket.Router)
	require.NoError(t, broker.Bind("tcp://127.0.0.1:*"))
	ep := broker.LastEndpoint()
	w, _ := startWorker(t, ep, "svc", echo)
	ctx := ctxT(t)

	ready := recvSkipping(t, broker)
	require.Equal(t, []string{"", "MDPW01", "\x01", "svc"}, strs(ready[1:]))
	id := ready[0]
	require.NoError(t, broker.Send(ctx, socket.NewMsg(id, nil, []byte("MDPW01"), []byte{0x02}, []byte("cli"), nil, []byte("x"), []byte("y"))))
	reply := recvSkipping(t, broker)
	require.Equal(t, string(id), string(reply[0]))
	require.Equal(t, []string{"", "MDPW01", "\x03", "cli", "", "x", "y"}, strs(reply[1:]))

	require.NoError(t, broker.Send(ctx, socket.NewMsg(id, nil, []byte("MDPW01"), []byte{0x05})))
	again := recvSkipping(t, broker)
	require.Equal(t, []string{"", "MDPW01", "\x01", "svc"}, strs(again[1:]))
	require.NotEqual(t, string(id), string(again[0]), "a new socket")
	require.Equal(t, 2, w.Connects())

	c := newClient(t, ep, ClientOptions{Timeout: 5 * time.Second})
	type result struct {
		rep [][]byte
		err error
	}
	res := make(chan result, 1)
	go func() {
		rep, err := c.Request(ctx, "svc", []byte("q"))
		res <- result{rep, err}
	}()
	var req [][]byte
	for {
		req = recvSkipping(t, broker)
		if string(req[2]) == "MDPC01" {
			break
		}
	}
	require.Equal(t, []string{"", "MDPC01", "svc", "q"}, strs(req[1:]))
	// A reply for another service is not the reply asked for.
	require.NoError(t, broker.Send(ctx, socket.NewMsg(req[0], nil, []byte("MDPC01"), []byte("other"), []byte("r"))))
	r := <-res
	require.ErrorIs(t, r.err, ErrProtocol)
}
