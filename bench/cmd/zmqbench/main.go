// Command zmqbench measures github.com/brokerless/zmq with the subcommands, arguments and
// output lines of libzmq's perf tools, so its numbers line up with libzmq's and its
// processes pair with libzmq's over the wire in either role:
//
//	zmqbench local_thr  <bind-to> <message-size> <message-count>       PULL, binds, prints
//	zmqbench remote_thr <connect-to> <message-size> <message-count>    PUSH, connects
//	zmqbench local_lat  <bind-to> <message-size> <roundtrip-count>     REP, binds, echoes
//	zmqbench remote_lat <connect-to> <message-size> <roundtrip-count>  REQ, connects, prints
//	zmqbench inproc_lat <message-size> <roundtrip-count>               REQ/REP in one process
//	zmqbench inproc_thr <message-size> <message-count>                 PUSH/PULL in one process
//	zmqbench proxy_thr  <message-size> <message-count>                 2 XPUB → XSUB/XPUB proxy → SUB
//	zmqbench fanout_thr <message-size> <message-count> <subscribers>   PUB → N SUB over tcp
//	zmqbench pub_subs   <message-size> <message-count> <subscribers> <subscriptions-per-subscriber>
//	                                                                    PUB with many subscriptions
//	zmqbench client_lat  <message-size> <roundtrip-count>              CLIENT/SERVER in one process
//	zmqbench scatter_thr <message-size> <message-count>                SCATTER → GATHER in one process
//	zmqbench radio_thr   <message-size> <message-count>                RADIO → DISH in one process
//
// The scale tests, a ROUTER with many DEALERs (see scale.go):
//
//	zmqbench local_router   <bind-to> <message-size> <request-count>             ROUTER, echoes
//	zmqbench remote_dealers <connect-to> <message-size> <request-count> <clients>  N DEALERs, prints
//	zmqbench remote_conns   <connect-to> <clients>                                 N DEALERs at once, prints conn/s
//	zmqbench local_idle     <bind-to> <clients>                                    ROUTER, prints memory per peer
//	zmqbench remote_idle    <connect-to> <clients>                                 N idle DEALERs
//
// Endpoints may use any transport: tcp://127.0.0.1:5555, ipc:///tmp/bench.sock,
// ipc://@abstract. The flags -json, -percentiles, -warmup, -endpoint, -curve and
// -cpuprofile come before the positional arguments; see package
// github.com/brokerless/zmq/bench/perf. local_conn and remote_conn measure new
// connections per second (connect, handshake, one round trip, close).
//
// With -curve every tcp and ipc connection is CURVE with zmq_curve(7)'s example keys:
// REP and PULL (local_*) are the server, REQ and PUSH (remote_*) the client, as in
// bench/peers/c's programs with -curve, so ours and libzmq's pair either way.
package main

import (
	"context"
	"fmt"
	"os"
	"unsafe"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/internal/version"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/brokerless/zmq/z85"
)

func main() {
	if version.Requested(os.Args[1:]) {
		fmt.Println(version.String("zmqbench"))
		return
	}
	if handled, status := scaleMain(os.Args[1:], os.Stdout); handled {
		os.Exit(status)
	}
	perf.Main(program)
}

var program = perf.Program{
	Name:     "zmqbench",
	New:      func() perf.Impl { return impl{} },
	NewCurve: func() perf.Impl { return impl{curve: true} },
	Extra:    extras(),
}

// extras are the subcommands beyond libzmq's perf tools.
func extras() map[string]perf.Extra {
	m := map[string]perf.Extra{
		"proxy_thr":  {Usage: "<message-size> <message-count>", Run: proxyThr},
		"fanout_thr": {Usage: "<message-size> <message-count> <subscribers>", Report: fanoutReport},
		"pub_subs":   {Usage: "<message-size> <message-count> <subscribers> <subscriptions-per-subscriber>", Report: pubSubsReport},
	}
	for name, e := range draftExtras {
		m[name] = e
	}
	return m
}

// impl adapts github.com/brokerless/zmq/socket to perf.Impl. Sockets use the zero
// Options: libzmq's defaults (HWM 1000 each side, blocking PUSH and REQ), with CURVE's
// mechanisms in -curve mode.
type impl struct{ curve bool }

var kinds = map[perf.Kind]socket.Type{
	perf.Req:  socket.Req,
	perf.Rep:  socket.Rep,
	perf.Push: socket.Push,
	perf.Pull: socket.Pull,
}

func (i impl) Socket(k perf.Kind) (perf.Socket, error) {
	var o socket.Options
	if i.curve {
		m, err := curveMechanism(perf.CurveServerKind(k))
		if err != nil {
			return nil, err
		}
		o.Mechanism = m
	}
	s, err := socket.New(kinds[k], o)
	if err != nil {
		return nil, err
	}
	return &sock{s: s}, nil
}

func (impl) Close() error { return nil }

// curveMechanism returns the CURVE server or client of zmq_curve(7)'s example keys.
// The server accepts every client, as libzmq's does without a ZAP handler.
func curveMechanism(server bool) (wire.Mechanism, error) {
	key := func(s string) (k [wire.CurveKeySize]byte, err error) {
		b, err := z85.Decode(s)
		if err == nil && len(b) != len(k) {
			err = fmt.Errorf("key of %d bytes", len(b))
		}
		copy(k[:], b)
		return k, err
	}
	var keys [4][wire.CurveKeySize]byte
	for i, s := range []string{perf.CurveServerPublic, perf.CurveServerSecret, perf.CurveClientPublic, perf.CurveClientSecret} {
		k, err := key(s)
		if err != nil {
			return nil, fmt.Errorf("curve example key %d: %w", i, err)
		}
		keys[i] = k
	}
	if server {
		return &wire.CurveServer{PublicKey: keys[0], SecretKey: keys[1]}, nil
	}
	return &wire.CurveClient{PublicKey: keys[2], SecretKey: keys[3], ServerKey: keys[0]}, nil
}

// sock releases each received message at the next Recv, as perf.Socket allows and as
// libzmq's perf tools reuse one zmq_msg_t, unless it was handed to Send (the echo of
// local_lat), which takes it over.
type sock struct {
	s    *socket.Socket
	last socket.Msg
	out  [][]byte // the frame list of the last Send, reused while the body is the same
}

func (s *sock) Bind(ep string) (string, error) {
	if err := s.s.Bind(ep); err != nil {
		return "", err
	}
	return s.s.LastEndpoint(), nil
}

func (s *sock) Connect(ep string) error { return s.s.Connect(ep) }

func (s *sock) Send(b []byte) error {
	if len(s.last.Frames) == 1 && unsafe.SliceData(s.last.Frames[0]) == unsafe.SliceData(b) {
		s.last = socket.Msg{} // the echo: Send owns it now
	}
	// remote_thr and remote_lat send one body over and over. Send only reads the frame
	// list it is given, so the same list can go out again as long as it is not
	// modified, which saves a small allocation per message.
	if len(s.out) != 1 || len(s.out[0]) != len(b) || unsafe.SliceData(s.out[0]) != unsafe.SliceData(b) {
		s.out = [][]byte{b}
	}
	return s.s.Send(context.Background(), socket.Msg{Frames: s.out})
}

func (s *sock) Recv() ([]byte, error) {
	s.last.Release()
	m, err := s.s.Recv(context.Background())
	if err != nil {
		return nil, err
	}
	if len(m.Frames) != 1 {
		return nil, fmt.Errorf("got a %d-frame message, want 1", len(m.Frames))
	}
	s.last = m
	return m.Frames[0], nil
}

func (s *sock) Close() error { return s.s.Close() }
