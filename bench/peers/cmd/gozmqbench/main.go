// Command gozmqbench runs libzmq's perf tests through github.com/go-zeromq/zmq4 v0.17.0,
// the most used pure-Go ZeroMQ library. Subcommands, arguments and output are those of
// zmqbench. Its PUSH writes every message to every connected peer; the tests have one
// peer, so that is plain PUSH/PULL.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/brokerless/zmq/bench/perf"
)

func main() {
	perf.Main(perf.Program{
		Name: "go-zeromq/zmq4",
		New:  func() perf.Impl { return impl{} },
	})
}

type impl struct{}

func (impl) Socket(k perf.Kind) (perf.Socket, error) {
	ctx := context.Background()
	var s zmq4.Socket
	switch k {
	case perf.Req:
		s = zmq4.NewReq(ctx)
	case perf.Rep:
		s = zmq4.NewRep(ctx)
	case perf.Push:
		s = zmq4.NewPush(ctx)
	case perf.Pull:
		s = zmq4.NewPull(ctx)
	default:
		return nil, fmt.Errorf("unsupported socket kind %v", k)
	}
	return &sock{s: s, kind: k}, nil
}

func (impl) Close() error { return nil }

type sock struct {
	s      zmq4.Socket
	kind   perf.Kind
	inproc bool
}

// Bind listens on ep. go-zeromq resolves a wildcard tcp port only through Addr.
func (s *sock) Bind(ep string) (string, error) {
	s.inproc = strings.HasPrefix(ep, "inproc://")
	if err := s.s.Listen(ep); err != nil {
		return "", err
	}
	if a, ok := s.s.Addr().(*net.TCPAddr); ok && a != nil && len(ep) > 6 && ep[:6] == "tcp://" {
		return "tcp://" + a.String(), nil
	}
	return ep, nil
}

// Connect dials ep; go-zeromq dials synchronously and retries a refused dial.
func (s *sock) Connect(ep string) error {
	s.inproc = strings.HasPrefix(ep, "inproc://")
	return s.s.Dial(ep)
}

// Send sends b. go-zeromq fails a send while a listening socket has no connection yet
// instead of queueing it (inproc_lat's bound REQ sends first), so the adapter retries
// that error for up to 10 s, as a user of the library must.
func (s *sock) Send(b []byte) error {
	err := s.s.Send(zmq4.NewMsg(b))
	for deadline := time.Now().Add(10 * time.Second); err != nil &&
		strings.Contains(err.Error(), "no connections available") && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		err = s.s.Send(zmq4.NewMsg(b))
	}
	return err
}

func (s *sock) Recv() ([]byte, error) {
	m, err := s.s.Recv()
	if err != nil {
		return nil, err
	}
	if len(m.Frames) != 1 {
		return nil, fmt.Errorf("got a %d-frame message, want 1", len(m.Frames))
	}
	return m.Frames[0], nil
}

// Close closes the socket. go-zeromq has no linger: its inproc pipe discards up to 8
// writes still buffered when the writer closes, and a REP that closes right after its
// last reply makes the REQ read EOF instead of that reply. So the adapter lets the peer
// drain for 100 ms before closing a socket that sent last (PUSH, REP), or any inproc
// socket; that is outside the timed region, which ends at the last message received.
// go-zeromq reports closing a connection its peer already closed as an error ("use of
// closed network connection"); after a complete run that is no failure, so it is
// ignored.
func (s *sock) Close() error {
	if s.inproc || s.kind == perf.Push || s.kind == perf.Rep {
		time.Sleep(100 * time.Millisecond)
	}
	err := s.s.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
