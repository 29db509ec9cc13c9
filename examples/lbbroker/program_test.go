package main

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/brokerless/zmq/internal/progtest"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// TestProgram runs lbbroker as a process on ports the system picks, reads the
// endpoints it prints, and speaks the guide's protocol to it: a REQ worker announces
// itself with READY and answers three REQ clients' requests one at a time. Then the
// broker stops on SIGTERM and exits 0.
func TestProgram(t *testing.T) {
	bin := progtest.Build(t, ".")
	p := progtest.Start(t, bin, nil, "-frontend", "tcp://127.0.0.1:*", "-backend", "tcp://127.0.0.1:*")
	p.WaitLines(2)
	m := regexp.MustCompile(`^frontend (tcp://127\.0\.0\.1:[0-9]+)\nbackend (tcp://127\.0\.0\.1:[0-9]+)\n$`).FindStringSubmatch(p.Stdout())
	require.NotNil(t, m, "lbbroker output %q", p.Stdout())
	frontend, backend := m[1], m[2]

	ctx, cancel := context.WithTimeout(t.Context(), progtest.Timeout)
	defer cancel()
	worker := newProgSocket(t, backend)
	require.NoError(t, worker.Send(ctx, socket.NewMsgString("READY")))
	for i := range 3 {
		client := newProgSocket(t, frontend)
		require.NoError(t, client.Send(ctx, socket.NewMsgString(fmt.Sprintf("HELLO %d", i))))
		req, err := worker.Recv(ctx)
		require.NoError(t, err)
		require.Len(t, req.Frames, 3, "worker got [client-id, \"\", request]")
		require.Empty(t, req.Frames[1])
		require.Equal(t, fmt.Sprintf("HELLO %d", i), string(req.Frames[2]))
		require.NoError(t, worker.Send(ctx, socket.Msg{Frames: [][]byte{req.Frames[0], nil, []byte("OK")}}))
		rep, err := client.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("OK")}, rep.Frames)
	}
	require.Equal(t, "frontend "+frontend+"\nbackend "+backend+"\n", p.Stop())
}

// TestProgramDemo runs lbbroker -demo as a process over tcp: it prints one line and
// exits 0 by itself.
func TestProgramDemo(t *testing.T) {
	bin := progtest.Build(t, ".")
	out := progtest.Start(t, bin, nil, "-demo", "-transport", "tcp", "-timeout", "2m").Wait()
	require.Regexp(t, `^tcp     10 clients, 3 workers: 10 replies, per worker \[[0-9 ]+\]\n$`, out)
}

// newProgSocket makes a REQ socket connected to endpoint, closed at the end of the test.
func newProgSocket(t *testing.T, endpoint string) *socket.Socket {
	t.Helper()
	s, err := socket.New(socket.Req, socket.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Connect(endpoint))
	return s
}
