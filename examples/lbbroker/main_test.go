package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// TestDemo runs the demo over every transport and checks that every client got "OK"
// and every request was served by some worker.
func TestDemo(t *testing.T) {
	for _, tr := range []string{"inproc", "ipc", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			const clients, workers = 20, 4
			res, err := runDemo(ctx, tr, t.TempDir(), clients, workers)
			require.NoError(t, err)
			require.Len(t, res.replies, clients)
			for i := range clients {
				require.Equal(t, "OK", res.replies[fmt.Sprintf("client-%d", i)])
			}
			total := 0
			for _, n := range res.perWorker {
				total += n
			}
			require.Equal(t, clients, total, "requests served by the workers")
		})
	}
}

// TestRunDemoCommandLine runs the program as its command line does.
func TestRunDemoCommandLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out strings.Builder
	err := run(ctx, []string{"-demo", "-clients", "5", "-workers", "2"}, &out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	for i, tr := range []string{"inproc", "ipc", "tcp"} {
		require.True(t, strings.HasPrefix(lines[i], tr), lines[i])
		require.Contains(t, lines[i], "5 clients, 2 workers: 5 replies")
	}

	err = run(ctx, []string{"-demo", "-transport", "udp"}, io.Discard)
	require.ErrorContains(t, err, "unknown transport")
}

// startBroker runs the program in broker mode on wildcard tcp ports and returns the
// endpoints it printed. The broker stops at the end of the test.
func startBroker(t *testing.T) (frontend, backend string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-frontend", "tcp://127.0.0.1:*", "-backend", "tcp://127.0.0.1:*"}, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, pr)
		require.ErrorIs(t, <-done, context.Canceled)
	})
	sc := bufio.NewScanner(pr)
	for _, name := range []string{"frontend", "backend"} {
		require.True(t, sc.Scan(), "the broker printed no %s line", name)
		f := strings.Fields(sc.Text())
		require.Len(t, f, 2)
		require.Equal(t, name, f[0])
		require.True(t, strings.HasPrefix(f[1], "tcp://127.0.0.1:"), f[1])
		if name == "frontend" {
			frontend = f[1]
		} else {
			backend = f[1]
		}
	}
	return frontend, backend
}

// TestEnvelopes checks the frames on the wire, as the guide's workers in other
// languages see them: a DEALER stands in for a worker, so the test sees the
// delimiters a REQ would remove.
func TestEnvelopes(t *testing.T) {
	fe, be := startBroker(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	w, err := socket.New(socket.Dealer, socket.Options{RoutingID: []byte("w1")})
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, w.Connect(be))
	c, err := socket.New(socket.Req, socket.Options{RoutingID: []byte("c1")})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Connect(fe))

	// The client asks before any worker is there: the request waits for one.
	require.NoError(t, c.Send(ctx, socket.NewMsgString("HELLO")))
	require.NoError(t, w.Send(ctx, socket.NewMsgString("", "READY")))
	m, err := w.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"", "c1", "", "HELLO"}, strs(m.Frames))

	require.NoError(t, w.Send(ctx, socket.NewMsgString("", "c1", "", "WORLD")))
	m, err = c.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"WORLD"}, strs(m.Frames))

	// The worker is free again: the next request goes to it.
	require.NoError(t, c.Send(ctx, socket.NewMsgString("AGAIN")))
	m, err = w.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"", "c1", "", "AGAIN"}, strs(m.Frames))
}

// TestFrontendWaitsForWorkers checks the load balancing itself: with one worker busy,
// a second client's request is not taken from the frontend until the worker replies,
// and then goes to the same worker.
func TestFrontendWaitsForWorkers(t *testing.T) {
	frontend, backend, err := bindPair("inproc://lbbroker-test-fe", "inproc://lbbroker-test-be")
	require.NoError(t, err)
	defer frontend.Close()
	defer backend.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	served := make(chan int, 1)
	go func() {
		n, _ := serve(ctx, frontend, backend, 2)
		served <- n
	}()

	w, err := socket.New(socket.Dealer, socket.Options{RoutingID: []byte("w1")})
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, w.Connect("inproc://lbbroker-test-be"))
	require.NoError(t, w.Send(ctx, socket.NewMsgString("", "READY")))
	var cs []*socket.Socket
	for _, id := range []string{"c1", "c2"} {
		c, err := socket.New(socket.Req, socket.Options{RoutingID: []byte(id)})
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.Connect("inproc://lbbroker-test-fe"))
		require.NoError(t, c.Send(ctx, socket.NewMsgString("HELLO "+id)))
		cs = append(cs, c)
	}
	first, err := w.Recv(ctx)
	require.NoError(t, err)
	// The worker has not replied: the broker must not hand it a second request, and
	// nothing else may take it. A short look for an absence.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = w.Recv(short)
	cancelShort()
	require.ErrorIs(t, err, context.DeadlineExceeded, "a busy worker got a second request")

	client := string(first.Frames[1])
	require.NoError(t, w.Send(ctx, socket.NewMsgString("", client, "", "OK")))
	second, err := w.Recv(ctx)
	require.NoError(t, err)
	require.NotEqual(t, client, string(second.Frames[1]))
	require.NoError(t, w.Send(ctx, socket.NewMsgString("", string(second.Frames[1]), "", "OK")))
	for _, c := range cs {
		m, err := c.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, "OK", string(m.Frames[0]))
	}
	require.Equal(t, 2, <-served)
}

func strs(frames [][]byte) []string {
	s := make([]string, len(frames))
	for i, f := range frames {
		s[i] = string(f)
	}
	return s
}
