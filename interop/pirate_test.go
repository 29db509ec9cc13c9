//go:build cgo

package interop

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/reliable/pirate"
	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// Our Lazy Pirate client against a libzmq server (a ROUTER, so that it can leave a
// request unanswered as a crashed REP server would) that loses the first copy: the
// client's retry, on a fresh socket, gets the reply.
func TestLazyPirateLibzmqServer(t *testing.T) {
	srv := newLZ(t, socket.Router)
	ep := srv.Bind(t, "tcp")
	c, err := pirate.NewClient(ep, pirate.ClientOptions{Timeout: 200 * time.Millisecond, Retries: 3})
	require.NoError(t, err)
	defer c.Close()
	res := make(chan socket.Msg, 1)
	errc := make(chan error, 1)
	go func() {
		m, err := c.Request(context.Background(), socket.NewMsgString("seq 1"))
		errc <- err
		res <- m
	}()
	first := srv.Recv(t) // lost: never answered
	require.Equal(t, []string{"", "seq 1"}, str(first[1:]))
	second := srv.Recv(t)
	require.Equal(t, []string{"", "seq 1"}, str(second[1:]))
	require.NotEqual(t, string(first[0]), string(second[0]), "a fresh socket for the retry")
	srv.SendBytes(t, second[0], nil, []byte("ok 1"))
	require.NoError(t, <-errc)
	require.Equal(t, [][]byte{[]byte("ok 1")}, (<-res).Frames)
}

// A libzmq worker written from RFC 6 (the guide's ppworker: READY "\x01", heartbeats
// "\x02", requests in a [client, "", body] envelope) behind our queue, and our worker
// in front of a libzmq ROUTER playing the queue.
func TestParanoidPirateLibzmq(t *testing.T) {
	const interval = 100 * time.Millisecond
	t.Run("libzmq worker, our queue", func(t *testing.T) {
		fe := newOurs(t, socket.Router, socket.Options{})
		be := newOurs(t, socket.Router, socket.Options{})
		fep, bep := fe.Bind(t, "tcp"), be.Bind(t, "tcp")
		q, err := pirate.NewQueue(fe.s, be.s, pirate.QueueOptions{HeartbeatInterval: interval, Liveness: 3})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); q.Run(ctx) }()
		heartbeats := make(chan struct{}, 1024)
		workerErr := make(chan error, 1)
		go func() { defer wg.Done(); workerErr <- lzPPWorker(ctx, bep, interval, heartbeats) }()
		defer func() { cancel(); wg.Wait() }()

		c, err := pirate.NewClient(fep, pirate.ClientOptions{Timeout: wait})
		require.NoError(t, err)
		defer c.Close()
		for _, body := range []string{"a", "b", "c"} {
			rep, err := c.Request(ctx, socket.NewMsgString(body))
			require.NoError(t, err)
			require.Equal(t, []string{body}, str(rep.Frames))
		}
		for range 6 { // two liveness windows of the queue's heartbeats
			select {
			case <-heartbeats:
			case err := <-workerErr:
				t.Fatal(err)
			case <-time.After(wait):
				t.Fatal("no heartbeat from our queue")
			}
		}
		require.Equal(t, 1, q.Workers(), "the libzmq worker's heartbeats keep it")
	})
	t.Run("our worker, libzmq queue", func(t *testing.T) {
		queue := newLZ(t, socket.Router)
		ep := queue.Bind(t, "tcp")
		w, err := pirate.NewWorker(ep, func(_ context.Context, req [][]byte) ([][]byte, error) {
			return append(req, []byte("done")), nil
		}, pirate.WorkerOptions{HeartbeatInterval: interval, Liveness: 3})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		defer func() { cancel(); <-done }()
		ready := queue.Recv(t)
		require.Equal(t, []string{"\x01"}, str(ready[1:]))
		id := string(ready[0])
		queue.SendRouted(t, id, "client-3", "", "job")
		for {
			m := queue.Recv(t)
			if len(m) == 2 && string(m[1]) == "\x02" {
				continue
			}
			require.Equal(t, []string{id, "client-3", "", "job", "done"}, str(m))
			break
		}
		hb := queue.Recv(t)
		require.Equal(t, []string{id, "\x02"}, str(hb))
	})
}

// lzPPWorker is the guide's ppworker on a libzmq DEALER, until ctx ends: READY,
// then echo every request, heartbeat every interval, and report each heartbeat from
// the queue.
func lzPPWorker(ctx context.Context, ep string, interval time.Duration, heartbeats chan<- struct{}) error {
	s, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetLinger(0)
	if err := s.Connect(ep); err != nil {
		return err
	}
	if _, err := s.Send("\x01", 0); err != nil {
		return err
	}
	p := zmq.NewPoller()
	p.Add(s, zmq.POLLIN)
	next := time.Now().Add(interval)
	for ctx.Err() == nil {
		if time.Now().After(next) {
			if _, err := s.Send("\x02", 0); err != nil {
				return err
			}
			next = time.Now().Add(interval)
		}
		ready, err := p.Poll(10 * time.Millisecond)
		if err != nil {
			return err
		}
		if len(ready) == 0 {
			continue
		}
		m, err := s.RecvMessageBytes(0)
		if err != nil {
			return err
		}
		switch {
		case len(m) == 1 && string(m[0]) == "\x02":
			heartbeats <- struct{}{}
		case len(m) >= 3:
			if _, err := s.SendMessage(m); err != nil {
				return err
			}
		}
	}
	return nil
}
