package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/brokerless/zmq/socket"
)

// demoResult is what a demo run saw.
type demoResult struct {
	replies   map[string]string // client id to the reply it got
	perWorker []int             // requests each worker served, sorted
}

// endpoints returns the broker's two endpoints for transport tr: inproc names, unix
// sockets in dir, or ports the system picks on 127.0.0.1.
func endpoints(tr, dir string) (frontend, backend string, err error) {
	switch tr {
	case "inproc":
		return "inproc://lbbroker-frontend", "inproc://lbbroker-backend", nil
	case "ipc":
		return "ipc://" + filepath.Join(dir, "frontend.ipc"), "ipc://" + filepath.Join(dir, "backend.ipc"), nil
	case "tcp":
		return "tcp://127.0.0.1:*", "tcp://127.0.0.1:*", nil
	}
	return "", "", fmt.Errorf("unknown transport %q (want inproc, ipc or tcp)", tr)
}

// runDemo runs the guide's lbbroker program in one process: the broker, nClients REQ
// clients that each send "HELLO" once, and nWorkers REQ workers that answer "OK". It
// returns once every client has its reply.
func runDemo(ctx context.Context, tr, dir string, nClients, nWorkers int) (demoResult, error) {
	feEP, beEP, err := endpoints(tr, dir)
	if err != nil {
		return demoResult{}, err
	}
	frontend, backend, err := bindPair(feEP, beEP)
	if err != nil {
		return demoResult{}, err
	}
	defer frontend.Close()
	defer backend.Close()
	feEP, beEP = frontend.LastEndpoint(), backend.LastEndpoint()

	// Workers run until the demo is over; clients until they have their reply.
	workCtx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	var wg sync.WaitGroup
	served := make([]int, nWorkers)
	errs := make(chan error, nClients+nWorkers)
	for i := range nWorkers {
		wg.Go(func() {
			n, err := worker(workCtx, beEP, fmt.Sprintf("worker-%d", i))
			served[i] = n
			if err != nil && workCtx.Err() == nil {
				errs <- fmt.Errorf("worker %d: %w", i, err)
			}
		})
	}
	var mu sync.Mutex
	replies := make(map[string]string)
	for i := range nClients {
		wg.Go(func() {
			id := fmt.Sprintf("client-%d", i)
			reply, err := client(ctx, feEP, id)
			if err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
				return
			}
			mu.Lock()
			replies[id] = reply
			mu.Unlock()
		})
	}

	n, err := serve(ctx, frontend, backend, nClients)
	stopWorkers()
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	if err != nil {
		return demoResult{}, err
	}
	if n != nClients || len(replies) != nClients {
		return demoResult{}, fmt.Errorf("%d replies passed, %d clients answered, want %d", n, len(replies), nClients)
	}
	sort.Ints(served)
	return demoResult{replies: replies, perWorker: served}, nil
}

// client is the guide's lbbroker client: a REQ socket that sends "HELLO" and returns
// the reply.
func client(ctx context.Context, endpoint, id string) (string, error) {
	s, err := socket.New(socket.Req, socket.Options{RoutingID: []byte(id), Linger: time.Second})
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := s.Connect(endpoint); err != nil {
		return "", err
	}
	if err := s.Send(ctx, socket.NewMsgString("HELLO")); err != nil {
		return "", err
	}
	m, err := s.Recv(ctx)
	if err != nil {
		return "", err
	}
	return string(m.Frames[0]), nil
}

// worker is the guide's lbbroker worker: a REQ socket that says "READY", then answers
// each request [client-id, "", request] with [client-id, "", "OK"]. It returns the
// number of requests it served when ctx ends.
func worker(ctx context.Context, endpoint, id string) (int, error) {
	s, err := socket.New(socket.Req, socket.Options{RoutingID: []byte(id), Linger: time.Second})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if err := s.Connect(endpoint); err != nil {
		return 0, err
	}
	if err := s.Send(ctx, socket.NewMsgString("READY")); err != nil {
		return 0, err
	}
	for n := 0; ; n++ {
		m, err := s.Recv(ctx)
		if err != nil {
			return n, err
		}
		if len(m.Frames) < 3 || len(m.Frames[1]) != 0 {
			return n, fmt.Errorf("request without a client envelope: %q", m.Frames)
		}
		if err := s.Send(ctx, socket.NewMsg(m.Frames[0], nil, []byte("OK"))); err != nil {
			return n, err
		}
	}
}
