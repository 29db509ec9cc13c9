// Command pebbebench runs libzmq's perf tests through github.com/pebbe/zmq4 (cgo over
// the system libzmq): what a Go program that uses libzmq gets, cgo calls and per-message
// copies included. Subcommands, arguments and output are those of zmqbench.
package main

import (
	zmq "github.com/pebbe/zmq4"

	"github.com/brokerless/zmq/bench/perf"
)

func main() {
	perf.Main(perf.Program{
		Name: "pebbe/zmq4",
		New: func() perf.Impl {
			ctx, err := zmq.NewContext()
			return &impl{ctx: ctx, err: err}
		},
	})
}

// impl is one libzmq context with libzmq's default options (one I/O thread, HWM 1000).
type impl struct {
	ctx *zmq.Context
	err error
}

var kinds = map[perf.Kind]zmq.Type{
	perf.Req:  zmq.REQ,
	perf.Rep:  zmq.REP,
	perf.Push: zmq.PUSH,
	perf.Pull: zmq.PULL,
}

func (i *impl) Socket(k perf.Kind) (perf.Socket, error) {
	if i.err != nil {
		return nil, i.err
	}
	s, err := i.ctx.NewSocket(kinds[k])
	if err != nil {
		return nil, err
	}
	return sock{s}, nil
}

func (i *impl) Close() error {
	if i.err != nil {
		return i.err
	}
	return i.ctx.Term()
}

type sock struct{ s *zmq.Socket }

func (s sock) Bind(ep string) (string, error) {
	if err := s.s.Bind(ep); err != nil {
		return "", err
	}
	return s.s.GetLastEndpoint()
}

func (s sock) Connect(ep string) error { return s.s.Connect(ep) }

func (s sock) Send(b []byte) error {
	_, err := s.s.SendBytes(b, 0)
	return err
}

func (s sock) Recv() ([]byte, error) { return s.s.RecvBytes(0) }

func (s sock) Close() error { return s.s.Close() }
