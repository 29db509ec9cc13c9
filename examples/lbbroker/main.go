// Command lbbroker is the ZeroMQ guide's load-balancing broker ("lbbroker"), built on
// socket.Poller: a ROUTER frontend for REQ clients and a ROUTER backend for REQ
// workers. A worker announces itself with "READY" and then gets one request at a time;
// the broker polls the backend always, and the frontend only while some worker is free,
// so requests wait in the clients' queues until a worker can take them.
//
//	go run ./examples/lbbroker -demo                  # 10 clients, 3 workers, in this process
//	go run ./examples/lbbroker -demo -transport tcp   # the same over one transport
//	go run ./examples/lbbroker                        # just the broker, until interrupted
//
// The messages are the guide's, so the guide's clients and workers in any language can
// be swapped in. A worker sends [READY] and then replies [client-id, "", reply] to
// each request; the broker turns a client's [client-id, "", request] into
// [worker-id, "", client-id, "", request] for the worker, and the worker's reply into
// [client-id, "", reply] for the client (REQ sockets add and remove the first
// delimiter). The guide's C and Python versions use ipc://frontend.ipc and
// ipc://backend.ipc:
//
//	go run ./examples/lbbroker -frontend ipc://frontend.ipc -backend ipc://backend.ipc
//
// The broker prints the endpoints it bound ("frontend tcp://127.0.0.1:5672"), resolved
// when given with a wildcard port such as tcp://127.0.0.1:*. Interrupt (SIGINT or
// SIGTERM) stops it cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		log.Fatalf("lbbroker: %v", err)
	}
}

// run parses args as the command line and runs the broker or the demo.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("lbbroker", flag.ContinueOnError)
	frontendEP := fs.String("frontend", "tcp://127.0.0.1:5672", "endpoint to bind for clients (ROUTER)")
	backendEP := fs.String("backend", "tcp://127.0.0.1:5673", "endpoint to bind for workers (ROUTER)")
	demo := fs.Bool("demo", false, "run clients and workers in this process, and exit when every client has its reply")
	clients := fs.Int("clients", 10, "clients in the demo")
	workers := fs.Int("workers", 3, "workers in the demo")
	transports := fs.String("transport", "inproc,ipc,tcp", "the demo's transports, comma separated")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole demo")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demo {
		frontend, backend, err := bindPair(*frontendEP, *backendEP)
		if err != nil {
			return err
		}
		defer frontend.Close()
		defer backend.Close()
		fmt.Fprintln(out, "frontend", frontend.LastEndpoint())
		fmt.Fprintln(out, "backend", backend.LastEndpoint())
		_, err = serve(ctx, frontend, backend, 0)
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "lbbroker-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, tr := range strings.Split(*transports, ",") {
		res, err := runDemo(ctx, tr, dir, *clients, *workers)
		if err != nil {
			return fmt.Errorf("demo over %s: %w", tr, err)
		}
		fmt.Fprintf(out, "%-6s  %d clients, %d workers: %d replies, per worker %v\n",
			tr, *clients, *workers, len(res.replies), res.perWorker)
	}
	return nil
}

// bindPair makes the broker's two ROUTER sockets and binds them.
func bindPair(frontendEP, backendEP string) (frontend, backend *socket.Socket, err error) {
	opts := socket.Options{Linger: time.Second}
	frontend, err = socket.New(socket.Router, opts)
	if err != nil {
		return nil, nil, err
	}
	backend, err = socket.New(socket.Router, opts)
	if err != nil {
		frontend.Close()
		return nil, nil, err
	}
	if err := frontend.Bind(frontendEP); err != nil {
		frontend.Close()
		backend.Close()
		return nil, nil, err
	}
	if err := backend.Bind(backendEP); err != nil {
		frontend.Close()
		backend.Close()
		return nil, nil, err
	}
	return frontend, backend, nil
}

// serve runs the broker until ctx ends, or, when limit is above zero, until it has
// passed limit replies to clients. It returns the number of replies passed.
func serve(ctx context.Context, frontend, backend *socket.Socket, limit int) (int, error) {
	var free [][]byte // idle workers' routing ids, longest idle first
	served := 0
	poller := socket.NewPoller()
	poller.Add(backend, socket.PollIn)
	var ready []socket.Polled
	for limit <= 0 || served < limit {
		// The backend always; the frontend only while a worker can take a request.
		if len(free) > 0 {
			poller.Add(frontend, socket.PollIn)
		} else {
			poller.Remove(frontend)
		}
		var err error
		ready, err = poller.AppendWait(ctx, ready[:0])
		if err != nil {
			return served, err
		}
		for _, r := range ready {
			if r.Events&socket.PollClosed != 0 {
				return served, socket.ErrClosed
			}
			var err error
			switch r.Socket {
			case backend:
				var replied bool
				replied, free, err = fromWorker(ctx, frontend, backend, free)
				if replied {
					served++
				}
			case frontend:
				free, err = fromClient(ctx, frontend, backend, free)
			}
			if err != nil {
				return served, err
			}
		}
	}
	return served, nil
}

// fromWorker takes one message from a worker: [worker-id, "", "READY"] or
// [worker-id, "", client-id, "", reply...]. The worker is free again either way; a
// reply goes to its client as [client-id, "", reply...].
func fromWorker(ctx context.Context, frontend, backend *socket.Socket, free [][]byte) (replied bool, _ [][]byte, err error) {
	m, err := backend.Recv(ctx)
	if err != nil {
		return false, free, err
	}
	f := m.Frames
	if len(f) < 3 || len(f[1]) != 0 {
		log.Printf("lbbroker: dropped a malformed message from a worker (%d frames)", len(f))
		return false, free, nil
	}
	free = append(free, f[0])
	if len(f) == 3 && string(f[2]) == "READY" {
		return false, free, nil
	}
	if len(f) < 5 || len(f[3]) != 0 {
		log.Printf("lbbroker: dropped a reply without a client envelope (%d frames)", len(f))
		return false, free, nil
	}
	return true, free, frontend.Send(ctx, socket.NewMsg(f[2:]...))
}

// fromClient hands one request, [client-id, "", request...], to the longest idle
// worker as [worker-id, "", client-id, "", request...].
func fromClient(ctx context.Context, frontend, backend *socket.Socket, free [][]byte) ([][]byte, error) {
	if len(free) == 0 {
		return free, nil // not polled without a free worker; nothing to do
	}
	m, err := frontend.Recv(ctx)
	if err != nil {
		return free, err
	}
	if len(m.Frames) < 3 || len(m.Frames[1]) != 0 {
		log.Printf("lbbroker: dropped a malformed request (%d frames)", len(m.Frames))
		return free, nil
	}
	worker := free[0]
	free = free[1:]
	frames := make([][]byte, 0, 2+len(m.Frames))
	frames = append(frames, worker, nil)
	frames = append(frames, m.Frames...)
	return free, backend.Send(ctx, socket.NewMsg(frames...))
}
