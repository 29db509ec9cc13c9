package socket

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dialRaw opens a plain connection to a STREAM socket's tcp or ipc endpoint.
func dialRaw(t *testing.T, ep string) net.Conn {
	t.Helper()
	network, addr := "tcp", strings.TrimPrefix(ep, "tcp://")
	if strings.HasPrefix(ep, "ipc://") {
		network, addr = "unix", strings.TrimPrefix(ep, "ipc://")
		if strings.HasPrefix(addr, "@") {
			addr = "\x00" + addr[1:]
		}
	}
	c, err := net.DialTimeout(network, addr, 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	return c
}

// recvStream receives one STREAM message and returns its routing id and data.
func recvStream(t *testing.T, s *Socket) (id, data []byte) {
	t.Helper()
	m, err := s.Recv(ctxT(t))
	require.NoError(t, err)
	require.Len(t, m.Frames, 2, "a routing id and the data")
	return m.Frames[0], m.Frames[1]
}

func TestStreamServesRawClients(t *testing.T) {
	runStream(t, func(t *testing.T, tr string) {
		srv := newSocket(t, Stream, Options{})
		ep := bind(t, srv, tr)

		a := dialRaw(t, ep)
		idA, data := recvStream(t, srv)
		require.Empty(t, data, "a new connection is announced by an empty message")
		require.Len(t, idA, 5)
		b := dialRaw(t, ep)
		idB, data := recvStream(t, srv)
		require.Empty(t, data)
		require.NotEqual(t, idA, idB)

		_, err := a.Write([]byte("hello from a"))
		require.NoError(t, err)
		id, data := recvStream(t, srv)
		require.Equal(t, idA, id)
		require.Equal(t, "hello from a", string(data))

		require.NoError(t, srv.Send(ctxT(t), NewMsg(idB, []byte("to b, "), []byte("in two frames"))))
		got := make([]byte, len("to b, in two frames"))
		_, err = io.ReadFull(b, got)
		require.NoError(t, err)
		require.Equal(t, "to b, in two frames", string(got))

		// An empty data frame closes the connection after what was queued before it.
		require.NoError(t, srv.Send(ctxT(t), NewMsg(idA, []byte("bye"))))
		require.NoError(t, srv.Send(ctxT(t), NewMsg(idA, nil)))
		rest, err := io.ReadAll(a)
		require.NoError(t, err)
		require.Equal(t, "bye", string(rest))
		id, data = recvStream(t, srv)
		require.Equal(t, idA, id)
		require.Empty(t, data, "a closed connection is announced by an empty message")

		// A peer that hangs up is announced too, after the data it sent.
		_, err = b.Write([]byte("last words"))
		require.NoError(t, err)
		require.NoError(t, b.Close())
		id, data = recvStream(t, srv)
		require.Equal(t, idB, id)
		require.Equal(t, "last words", string(data))
		id, data = recvStream(t, srv)
		require.Equal(t, idB, id)
		require.Empty(t, data)

		require.ErrorIs(t, srv.Send(ctxT(t), NewMsg(idB, []byte("late"))), ErrHostUnreachable)
	})
}

func TestStreamConnectsToRawServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()

	cli := newSocket(t, Stream, Options{})
	connect(t, cli, "tcp://"+ln.Addr().String())
	id, data := recvStream(t, cli)
	require.Empty(t, data, "the connection is announced once it is up")
	c := <-accepted
	require.NotNil(t, c)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))

	require.NoError(t, cli.Send(ctxT(t), NewMsg(id, []byte("GET / HTTP/1.0\r\n\r\n"))))
	got := make([]byte, 18)
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "GET / HTTP/1.0\r\n\r\n", string(got))

	_, err = c.Write([]byte("HTTP/1.0 200 OK\r\n\r\n"))
	require.NoError(t, err)
	var reply []byte
	for !bytes.HasSuffix(reply, []byte("\r\n\r\n")) {
		gotID, data := recvStream(t, cli)
		require.Equal(t, id, gotID)
		reply = append(reply, data...)
	}
	require.Equal(t, "HTTP/1.0 200 OK\r\n\r\n", string(reply))
}

func TestStreamRules(t *testing.T) {
	s := newSocket(t, Stream, Options{})
	require.ErrorIs(t, s.Bind("inproc://stream-rules"), ErrTransportNotAllowed)
	require.ErrorIs(t, s.Connect("inproc://stream-rules"), ErrTransportNotAllowed)
	require.Error(t, s.Send(ctxT(t), NewMsgString("only an id")))
	require.ErrorIs(t, s.Send(ctxT(t), NewMsgString("nobody", "data")), ErrHostUnreachable)
	require.Equal(t, "STREAM", Stream.String())

	// A ZMTP peer is a raw peer to STREAM: its greeting arrives as data.
	ep := bind(t, s, "tcp")
	dealer := newSocket(t, Dealer, Options{HandshakeInterval: time.Minute})
	connect(t, dealer, ep)
	_, data := recvStream(t, s)
	require.Empty(t, data)
	_, data = recvStream(t, s)
	require.Equal(t, byte(0xFF), data[0], "the ZMTP signature's first byte")
}

func TestRouterIDFrameBelongsToCaller(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		ep := bind(t, router, tr)
		dealer := newSocket(t, Dealer, Options{RoutingID: []byte("dealer-1")})
		connect(t, dealer, ep)
		send(t, dealer, "one")
		m, err := router.Recv(ctxT(t))
		require.NoError(t, err)
		require.Equal(t, "dealer-1", string(m.Frames[0]))
		m.Frames[0][0] = 'X' // the caller owns what it received

		send(t, dealer, "two")
		m2, err := router.Recv(ctxT(t))
		require.NoError(t, err)
		require.Equal(t, "dealer-1", string(m2.Frames[0]), "the table's id is unharmed")
		require.NoError(t, router.Send(ctxT(t), NewMsg([]byte("dealer-1"), []byte("reply"))))
		require.Equal(t, []string{"reply"}, recvStrings(t, dealer))
	})
}

func TestStreamPolled(t *testing.T) {
	srv := newSocket(t, Stream, Options{})
	ep := bind(t, srv, "tcp")
	p := NewPoller()
	p.Add(srv, PollIn|PollOut)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "no connection: nothing to receive, nowhere to send")

	dialRaw(t, ep)
	ev, err := p.Wait(ctxT(t))
	require.NoError(t, err)
	require.Len(t, ev, 1)
	require.Equal(t, PollIn|PollOut, ev[0].Events, "the announcement is readable and the connection writable")
}
