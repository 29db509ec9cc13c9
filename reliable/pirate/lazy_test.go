package pirate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// lossyServer answers requests on a ROUTER socket (REQ clients' envelope
// [id, "", body]) through decide, which gets the request's number (from 1, over all
// requests) and body, and returns the reply or nil to drop the request. It returns a
// function that reports how many requests arrived.
func lossyServer(t *testing.T, s *socket.Socket, decide func(n int, body string) []byte) (received func() int) {
	count := make(chan int, 1)
	count <- 0
	goRun(t, func(ctx context.Context) error {
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				return err
			}
			n := <-count + 1
			count <- n
			if reply := decide(n, string(m.Frames[2])); reply != nil {
				if err := s.Send(ctx, socket.NewMsg(m.Frames[0], nil, reply)); err != nil {
					return err
				}
			}
		}
	})
	return func() int { n := <-count; count <- n; return n }
}

func TestLazyPirateReply(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			srv, ep := bound(t, socket.Router, tr)
			received := lossyServer(t, srv, func(_ int, body string) []byte { return []byte("re: " + body) })
			c, err := NewClient(ep, ClientOptions{Timeout: 5 * time.Second})
			require.NoError(t, err)
			defer c.Close()
			for i := range 10 {
				rep, err := c.Request(ctxT(t), socket.NewMsgString(fmt.Sprint(i)))
				require.NoError(t, err)
				require.Equal(t, [][]byte{[]byte(fmt.Sprint("re: ", i))}, rep.Frames)
			}
			require.Equal(t, 10, received(), "one send per request when nothing is lost")
		})
	}
}

// A server that loses the first two copies of a request is reached by the third
// attempt; it sees exactly three copies and the client one reply.
func TestLazyPirateRetriesUntilAnswered(t *testing.T) {
	srv, ep := bound(t, socket.Router, "tcp")
	received := lossyServer(t, srv, func(n int, body string) []byte {
		if n <= 2 {
			return nil
		}
		return []byte("re: " + body)
	})
	c, err := NewClient(ep, ClientOptions{Timeout: 200 * time.Millisecond, Retries: 3})
	require.NoError(t, err)
	defer c.Close()
	rep, err := c.Request(ctxT(t), socket.NewMsgString("x"))
	require.NoError(t, err)
	require.Equal(t, "re: x", string(rep.Frames[0]))
	require.Equal(t, 3, received())
}

// A server that never answers costs exactly Retries sends, then ErrNoReply.
func TestLazyPirateGivesUp(t *testing.T) {
	srv, ep := bound(t, socket.Router, "tcp")
	received := lossyServer(t, srv, func(int, string) []byte { return nil })
	c, err := NewClient(ep, ClientOptions{Timeout: 100 * time.Millisecond, Retries: 4})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Request(ctxT(t), socket.NewMsgString("x"))
	require.ErrorIs(t, err, ErrNoReply)
	eventually(t, 5*time.Second, "the server sees the fourth copy", func() bool { return received() == 4 })
	// The client is usable again afterwards, and costs one send per request.
	_, err = c.Request(ctxT(t), socket.NewMsgString("y"))
	require.ErrorIs(t, err, ErrNoReply)
	eventually(t, 5*time.Second, "the server sees the eighth copy", func() bool { return received() == 8 })
}

// A late reply to an abandoned attempt never passes for the reply to a later one: the
// server answers the first copy only after the second arrived, and the client
// returns the second copy's reply.
func TestLazyPirateLateReplyIgnored(t *testing.T) {
	srv, ep := bound(t, socket.Router, "tcp")
	ctx := ctxT(t)
	c, err := NewClient(ep, ClientOptions{Timeout: 300 * time.Millisecond, Retries: 3})
	require.NoError(t, err)
	defer c.Close()
	type result struct {
		m   socket.Msg
		err error
	}
	res := make(chan result, 1)
	go func() {
		m, err := c.Request(ctx, socket.NewMsgString("q"))
		res <- result{m, err}
	}()
	first, err := srv.Recv(ctx)
	require.NoError(t, err)
	second, err := srv.Recv(ctx) // the retry, on a new socket
	require.NoError(t, err)
	require.NotEqual(t, string(first.Frames[0]), string(second.Frames[0]), "each attempt has its own socket")
	require.NoError(t, srv.Send(ctx, socket.NewMsg(first.Frames[0], nil, []byte("late"))))
	require.NoError(t, srv.Send(ctx, socket.NewMsg(second.Frames[0], nil, []byte("fresh"))))
	r := <-res
	require.NoError(t, r.err)
	require.Equal(t, "fresh", string(r.m.Frames[0]))
}

func TestLazyPirateContext(t *testing.T) {
	srv, ep := bound(t, socket.Router, "tcp")
	lossyServer(t, srv, func(int, string) []byte { return nil })
	c, err := NewClient(ep, ClientOptions{Timeout: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.Request(ctx, socket.NewMsgString("x"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, c.Close())
	_, err = c.Request(context.Background(), socket.NewMsgString("x"))
	require.True(t, errors.Is(err, ErrClosed))
}
