package device

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/brokerless/zmq/socket"
)

// TypeError reports a socket of the wrong type given to a device, as in
// "device: queue frontend must be ROUTER, got DEALER".
type TypeError struct {
	Device string        // "queue", "forwarder", "streamer" or "proxy"
	Side   string        // "frontend", "backend" or "control"
	Want   []socket.Type // the types accepted
	Got    socket.Type
}

// Error formats e as "device: queue frontend must be ROUTER, got DEALER".
func (e *TypeError) Error() string {
	names := make([]string, len(e.Want))
	for i, t := range e.Want {
		names[i] = t.String()
	}
	return "device: " + e.Device + " " + e.Side + " must be " + strings.Join(names, " or ") + ", got " + e.Got.String()
}

func checkType(device, side string, s *socket.Socket, want ...socket.Type) error {
	if s == nil {
		return errors.New("device: " + device + " " + side + " socket is nil")
	}
	if !slices.Contains(want, s.Type()) {
		return &TypeError{Device: device, Side: side, Want: want, Got: s.Type()}
	}
	return nil
}

// NewQueue returns a QUEUE device: a ROUTER frontend, where clients (REQ or DEALER)
// connect, and a DEALER backend, where workers (REP or DEALER) connect. Requests are
// shared out among the workers and replies find their way back to their clients
// through the envelopes the ROUTER adds.
func NewQueue(frontend, backend *socket.Socket, opts ...Option) (*Device, error) {
	if err := checkType("queue", "frontend", frontend, socket.Router); err != nil {
		return nil, err
	}
	if err := checkType("queue", "backend", backend, socket.Dealer); err != nil {
		return nil, err
	}
	return New(frontend, backend, opts...)
}

// Queue runs a QUEUE device (see NewQueue) until ctx ends, a socket fails or it is
// terminated through its control socket, as Proxy does.
func Queue(ctx context.Context, frontend, backend *socket.Socket, opts ...Option) error {
	d, err := NewQueue(frontend, backend, opts...)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// NewForwarder returns a FORWARDER device: an XSUB frontend connected to publishers
// and an XPUB backend where subscribers connect. Data flows downstream, and the
// subscribers' subscriptions flow upstream, so publishers filter at the source.
//
// For legacy setups the frontend may be a SUB socket, which NewForwarder subscribes
// to everything, and the backend a PUB socket; subscriptions then stop at the device.
func NewForwarder(frontend, backend *socket.Socket, opts ...Option) (*Device, error) {
	if err := checkType("forwarder", "frontend", frontend, socket.XSub, socket.Sub); err != nil {
		return nil, err
	}
	if err := checkType("forwarder", "backend", backend, socket.XPub, socket.Pub); err != nil {
		return nil, err
	}
	if frontend.Type() == socket.Sub {
		if err := frontend.Subscribe(nil); err != nil {
			return nil, err
		}
	}
	return New(frontend, backend, opts...)
}

// Forwarder runs a FORWARDER device (see NewForwarder) until ctx ends, a socket fails
// or it is terminated through its control socket, as Proxy does.
func Forwarder(ctx context.Context, frontend, backend *socket.Socket, opts ...Option) error {
	d, err := NewForwarder(frontend, backend, opts...)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// NewStreamer returns a STREAMER device: a PULL frontend where upstream PUSH sockets
// connect, and a PUSH backend that shares the messages out among downstream PULLs.
func NewStreamer(frontend, backend *socket.Socket, opts ...Option) (*Device, error) {
	if err := checkType("streamer", "frontend", frontend, socket.Pull); err != nil {
		return nil, err
	}
	if err := checkType("streamer", "backend", backend, socket.Push); err != nil {
		return nil, err
	}
	return New(frontend, backend, opts...)
}

// Streamer runs a STREAMER device (see NewStreamer) until ctx ends, a socket fails or
// it is terminated through its control socket, as Proxy does.
func Streamer(ctx context.Context, frontend, backend *socket.Socket, opts ...Option) error {
	d, err := NewStreamer(frontend, backend, opts...)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}
