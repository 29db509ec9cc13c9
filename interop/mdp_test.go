//go:build cgo

package interop

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// The Majordomo peers here are written from RFC 7 and RFC 8 on libzmq sockets, frame
// for frame, not from our package: a worker is a DEALER that sends
// ["", "MDPW01", 0x01, service], answers ["", "MDPW01", 0x02, client, "", body...]
// with ["", "MDPW01", 0x03, client, "", reply...], heartbeats with
// ["", "MDPW01", 0x04] and leaves with ["", "MDPW01", 0x05]; a client is a REQ that
// sends ["MDPC01", service, body...] and receives ["MDPC01", service, reply...].

const (
	mdpInterval = 100 * time.Millisecond
	mdpLiveness = 3
)

// lzMDPWorker is an MDP worker on a libzmq DEALER, run on its own goroutine (a libzmq
// socket must stay on one thread of use) until stop is closed, when it sends
// DISCONNECT. It upper-cases each request's body. It reports on the returned channel
// the heartbeats it received, then its error or nil.
type lzMDPWorker struct {
	heartbeats chan struct{}
	served     chan string
	done       chan error
}

func startLZMDPWorker(t *testing.T, ep, service string, stop <-chan struct{}) *lzMDPWorker {
	w := &lzMDPWorker{
		heartbeats: make(chan struct{}, 1024),
		served:     make(chan string, 1024),
		done:       make(chan error, 1),
	}
	go func() { w.done <- w.run(ep, service, stop) }()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			t.Error("the libzmq worker was not stopped")
		}
	})
	return w
}

func (w *lzMDPWorker) run(ep, service string, stop <-chan struct{}) error {
	s, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetLinger(time.Second)
	if err := s.Connect(ep); err != nil {
		return err
	}
	send := func(frames ...[]byte) error {
		_, err := s.SendMessage(frames)
		return err
	}
	header := []byte("MDPW01")
	if err := send(nil, header, []byte{0x01}, []byte(service)); err != nil {
		return err
	}
	p := zmq.NewPoller()
	p.Add(s, zmq.POLLIN)
	next := time.Now().Add(mdpInterval)
	for {
		select {
		case <-stop:
			return send(nil, header, []byte{0x05})
		default:
		}
		if time.Now().After(next) {
			if err := send(nil, header, []byte{0x04}); err != nil {
				return err
			}
			next = time.Now().Add(mdpInterval)
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
		if len(m) < 3 || len(m[0]) != 0 || string(m[1]) != "MDPW01" {
			return fmt.Errorf("not MDP from the broker: %q", m)
		}
		switch {
		case bytes.Equal(m[2], []byte{0x04}) && len(m) == 3:
			w.heartbeats <- struct{}{}
		case bytes.Equal(m[2], []byte{0x02}) && len(m) >= 5 && len(m[4]) == 0:
			reply := [][]byte{nil, header, {0x03}, m[3], nil}
			for _, f := range m[5:] {
				reply = append(reply, bytes.ToUpper(f))
			}
			if err := send(reply...); err != nil {
				return err
			}
			w.served <- string(bytes.Join(m[5:], []byte(",")))
		default:
			return fmt.Errorf("unexpected command from the broker: %q", m)
		}
	}
}

// lzMDPRequest sends one request from a libzmq REQ client and returns the reply.
func lzMDPRequest(t *testing.T, c *lz, service string, body ...string) []string {
	t.Helper()
	c.Send(t, append([]string{"MDPC01", service}, body...)...)
	return str(c.Recv(t))
}

// A libzmq worker and a libzmq client, both written from RFC 7, through our broker:
// requests, MMI, heartbeats both ways keeping the worker registered, and DISCONNECT.
func TestMDPLibzmqPeersOurBroker(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr, func(t *testing.T) {
			router := newOurs(t, socket.Router, socket.Options{})
			ep := router.Bind(t, tr)
			b, err := mdp.NewBroker(router.s, mdp.BrokerOptions{HeartbeatInterval: mdpInterval, Liveness: mdpLiveness})
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			brokerDone := make(chan error, 1)
			go func() { brokerDone <- b.Run(ctx) }()
			defer func() {
				cancel()
				require.ErrorIs(t, <-brokerDone, context.Canceled)
			}()

			stop := make(chan struct{})
			w := startLZMDPWorker(t, ep, "upper", stop)
			c := newLZ(t, socket.Req)
			c.Connect(t, ep)
			require.Equal(t, []string{"MDPC01", "upper", "HELLO", "WORLD"}, lzMDPRequest(t, c, "upper", "hello", "world"))
			require.Equal(t, "hello,world", <-w.served)
			require.Equal(t, []string{"MDPC01", "mmi.service", "200"}, lzMDPRequest(t, c, "mmi.service", "upper"))
			require.Equal(t, []string{"MDPC01", "mmi.service", "404"}, lzMDPRequest(t, c, "mmi.service", "lower"))
			require.Equal(t, []string{"MDPC01", "mmi.other", "501"}, lzMDPRequest(t, c, "mmi.other"))

			// Heartbeats for two full liveness windows: the worker stays registered.
			for range 2 * mdpLiveness {
				select {
				case <-w.heartbeats:
				case <-time.After(wait):
					t.Fatal("no heartbeat from our broker")
				}
			}
			require.Equal(t, 1, b.Workers("upper"))
			require.Zero(t, b.Stats().Expired)
			require.Zero(t, b.Stats().Malformed)

			close(stop)
			require.NoError(t, <-w.done)
			deadline := time.Now().Add(wait)
			for b.Workers("upper") != 0 {
				require.True(t, time.Now().Before(deadline), "DISCONNECT did not unregister the worker")
				time.Sleep(2 * time.Millisecond)
			}
			require.Zero(t, b.Stats().Expired, "unregistered by DISCONNECT, not by expiry")
		})
	}
}

// Our worker and our client, seen from a libzmq ROUTER playing the broker by RFC 7.
func TestMDPOurWorkerAndClientLibzmqBroker(t *testing.T) {
	broker := newLZ(t, socket.Router)
	ep := broker.Bind(t, "tcp")
	w, err := mdp.NewWorker(ep, "echo", func(_ context.Context, req [][]byte) ([][]byte, error) {
		return append([][]byte{[]byte("re")}, req...), nil
	}, mdp.WorkerOptions{HeartbeatInterval: mdpInterval, Liveness: mdpLiveness, ReconnectInterval: mdpInterval})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	workerDone := make(chan error, 1)
	go func() { workerDone <- w.Run(ctx) }()
	var workerErr error
	stopWorker := sync.OnceFunc(func() {
		cancel()
		workerErr = <-workerDone
	})
	defer stopWorker()

	// next receives the next message other than a heartbeat, counting heartbeats.
	heartbeats := 0
	next := func() [][]byte {
		for {
			m := broker.Recv(t)
			if len(m) == 4 && len(m[1]) == 0 && string(m[2]) == "MDPW01" && bytes.Equal(m[3], []byte{0x04}) {
				heartbeats++
				continue
			}
			return m
		}
	}
	ready := next()
	require.Equal(t, []string{"", "MDPW01", "\x01", "echo"}, str(ready[1:]))
	id := string(ready[0])
	broker.SendRouted(t, id, "", "MDPW01", "\x02", "client-7", "", "a", "b")
	require.Equal(t, []string{id, "", "MDPW01", "\x03", "client-7", "", "re", "a", "b"}, str(next()))
	// Our worker heartbeats at its interval; answer some so it stays.
	for heartbeats < 2*mdpLiveness {
		broker.SendRouted(t, id, "", "MDPW01", "\x04")
		m, ok := broker.TryRecv(t, wait)
		require.True(t, ok, "no heartbeat from our worker")
		require.Equal(t, []string{id, "", "MDPW01", "\x04"}, str(m))
		heartbeats++
	}
	require.Equal(t, 1, w.Connects(), "a worker that hears heartbeats stays connected")
	// DISCONNECT makes it register again with a new socket.
	broker.SendRouted(t, id, "", "MDPW01", "\x05")
	again := next()
	require.Equal(t, []string{"", "MDPW01", "\x01", "echo"}, str(again[1:]))
	require.NotEqual(t, id, string(again[0]))
	// Stopping it sends DISCONNECT.
	stopWorker()
	require.ErrorIs(t, workerErr, context.Canceled)
	require.Equal(t, []string{string(again[0]), "", "MDPW01", "\x05"}, str(next()))

	// Our client: ["MDPC01", service, body...] out, the same header and service back.
	c, err := mdp.NewClient(ep, mdp.ClientOptions{Timeout: wait, Retries: 1})
	require.NoError(t, err)
	defer c.Close()
	res := make(chan [][]byte, 1)
	go func() {
		rep, err := c.Request(context.Background(), "echo", []byte("x"))
		if err != nil {
			rep = [][]byte{[]byte(err.Error())}
		}
		res <- rep
	}()
	req := broker.Recv(t)
	require.Equal(t, []string{"", "MDPC01", "echo", "x"}, str(req[1:]))
	broker.SendBytes(t, req[0], nil, []byte("MDPC01"), []byte("echo"), []byte("X"))
	require.Equal(t, []string{"X"}, str(<-res))
}
