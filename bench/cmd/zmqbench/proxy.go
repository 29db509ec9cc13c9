package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/brokerless/zmq/bench/perf"
	"github.com/brokerless/zmq/socket"
)

// proxyPublishers and proxyHWM follow libzmq's perf/proxy_thr.cpp.
const (
	proxyPublishers = 2
	proxyHWM        = 10000
)

// proxyEndpoints derives the proxy's frontend and backend endpoints from -endpoint:
// inproc by default; tcp://host:port binds the frontend there and the backend on a
// wildcard port of the same host; ipc://path and inproc://name get -front and -back
// suffixes.
func proxyEndpoints(ep string) (front, back string, err error) {
	switch {
	case ep == "":
		return "inproc://proxy_frontend", "inproc://proxy_backend", nil
	case strings.HasPrefix(ep, "tcp://"):
		host := ep[len("tcp://"):]
		i := strings.LastIndexByte(host, ':')
		if i < 0 {
			return "", "", fmt.Errorf("proxy_thr: endpoint %q has no port", ep)
		}
		return ep, "tcp://" + host[:i] + ":*", nil
	case strings.HasPrefix(ep, "ipc://"), strings.HasPrefix(ep, "inproc://"):
		return ep + "-front", ep + "-back", nil
	}
	return "", "", fmt.Errorf("proxy_thr: unsupported endpoint %q", ep)
}

// proxyThr is libzmq's proxy_thr: publishers → XSUB/XPUB proxy → one SUB. The proxy loop
// runs inline in two goroutines, one per direction (messages down, subscriptions up).
// Publishers are XPUB sockets that block at the HWM (libzmq's XPUB_NODROP) and start
// sending once the subscription reached them. The clock runs from before the publishers
// start until the SUB has every message, as in libzmq.
func proxyThr(cfg perf.Config, size, count int) (time.Duration, error) {
	frontEP, backEP, err := proxyEndpoints(cfg.Endpoint)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	opts := socket.Options{SendHWM: proxyHWM, RecvHWM: proxyHWM, Linger: -1}
	blocking := opts
	blocking.WhenFull = socket.PolicyBlock

	var closers []*socket.Socket
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i].Close()
		}
	}()
	newSocket := func(t socket.Type, o socket.Options) (*socket.Socket, error) {
		s, err := socket.New(t, o)
		if err == nil {
			closers = append(closers, s)
		}
		return s, err
	}

	front, err := newSocket(socket.XSub, opts)
	if err != nil {
		return 0, err
	}
	if err := front.Bind(frontEP); err != nil {
		return 0, err
	}
	frontEP = front.LastEndpoint()
	back, err := newSocket(socket.XPub, blocking)
	if err != nil {
		return 0, err
	}
	if err := back.Bind(backEP); err != nil {
		return 0, err
	}
	backEP = back.LastEndpoint()

	var proxy sync.WaitGroup
	proxy.Add(2)
	forward := func(from, to *socket.Socket) {
		defer proxy.Done()
		for {
			m, err := from.Recv(ctx)
			if err != nil {
				return
			}
			if err := to.Send(ctx, m); err != nil {
				return
			}
		}
	}
	go forward(front, back) // messages
	go forward(back, front) // subscriptions

	sub, err := newSocket(socket.Sub, opts)
	if err != nil {
		return 0, err
	}
	if err := sub.Subscribe(nil); err != nil {
		return 0, err
	}
	if err := sub.Connect(backEP); err != nil {
		return 0, err
	}

	start := time.Now()
	pubErr := make(chan error, proxyPublishers)
	for i := 0; i < proxyPublishers; i++ {
		n := count / proxyPublishers
		if i == 0 {
			n += count % proxyPublishers
		}
		go func() { pubErr <- publish(blocking, frontEP, size, n) }()
	}
	for i := 0; i < count; i++ {
		m, err := sub.Recv(ctx)
		if err != nil {
			return 0, fmt.Errorf("sub recv: %w", err)
		}
		if len(m.Frames) != 1 || len(m.Frames[0]) != size {
			return 0, fmt.Errorf("message of incorrect size received")
		}
	}
	elapsed := time.Since(start)

	var errs []error
	for i := 0; i < proxyPublishers; i++ {
		errs = append(errs, <-pubErr)
	}
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i].Close()
	}
	closers = nil
	proxy.Wait()
	return elapsed, errors.Join(errs...)
}

// publish connects an XPUB to the proxy, waits for the subscription to arrive, and sends
// n messages of the given size.
func publish(opts socket.Options, ep string, size, n int) error {
	ctx := context.Background()
	pub, err := socket.New(socket.XPub, opts)
	if err != nil {
		return err
	}
	defer pub.Close()
	if err := pub.Connect(ep); err != nil {
		return err
	}
	m, err := pub.Recv(ctx)
	if err != nil {
		return fmt.Errorf("publisher waiting for the subscription: %w", err)
	}
	if len(m.Frames) == 0 || len(m.Frames[0]) == 0 || m.Frames[0][0] != 1 {
		return fmt.Errorf("publisher: unexpected first message %q", m.Frames)
	}
	body := make([]byte, size)
	for i := 0; i < n; i++ {
		if err := pub.Send(ctx, socket.NewMsg(body)); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	return nil
}
