// Command demo shows the library at work in one process: it runs REQ/REP, PUB/SUB,
// PUSH/PULL (a ventilator, workers and a sink) and PAIR over the inproc, ipc and tcp
// transports, prints one line per pattern and transport, and exits with status 0 when
// every one of them worked.
//
//	go run ./examples/demo
//
// ipc endpoints live in a temporary directory; tcp binds only to 127.0.0.1, on ports
// the system picks. The whole run is bounded by -timeout.
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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	timeout := flag.Duration("timeout", 30*time.Second, "bound on the whole run")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "zmq-demo-")
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	start := time.Now()
	err = run(ctx, os.Stdout, dir)
	os.RemoveAll(dir)
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	fmt.Printf("done in %v\n", time.Since(start).Round(time.Millisecond))
}

// Sizes of the runs.
const (
	requests = 10  // REQ/REP round trips
	updates  = 100 // PUB/SUB updates per topic
	tasks    = 100 // PUSH/PULL tasks
	workers  = 3   // PUSH/PULL workers
	pings    = 10  // PAIR round trips
)

// run runs every pattern over every transport, writing one line for each to out, and
// returns the failures. ipc endpoints are made in dir.
func run(ctx context.Context, out io.Writer, dir string) error {
	transports := []struct {
		name string
		ep   func(name string) string // an endpoint to bind
	}{
		{"inproc", func(name string) string { return "inproc://demo-" + name }},
		{"ipc", func(name string) string { return "ipc://" + filepath.Join(dir, name+".sock") }},
		{"tcp", func(string) string { return "tcp://127.0.0.1:*" }},
	}
	patterns := []struct {
		name string
		run  func(ctx context.Context, ep func(string) string) (string, error)
	}{
		{"req/rep", reqRep},
		{"pub/sub", pubSub},
		{"push/pull", pushPull},
		{"pair", pair},
	}
	var errs []error
	for _, p := range patterns {
		for _, tr := range transports {
			summary, err := p.run(ctx, tr.ep)
			if err != nil {
				err = fmt.Errorf("%s over %s: %w", p.name, tr.name, err)
				errs = append(errs, err)
				fmt.Fprintf(out, "%-9s  %-6s  FAILED: %v\n", p.name, tr.name, err)
				continue
			}
			fmt.Fprintf(out, "%-9s  %-6s  %s\n", p.name, tr.name, summary)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	fmt.Fprintln(out, "every pattern worked over inproc, ipc and tcp")
	return nil
}

// sockets opens sockets and closes them all at once (defer ss.close()).
type sockets []*socket.Socket

// open returns a new socket of type t whose Close waits at most a second.
func (ss *sockets) open(t socket.Type) *socket.Socket {
	s, err := socket.New(t, socket.Options{Linger: time.Second})
	if err != nil {
		panic(err) // only for an unknown type
	}
	*ss = append(*ss, s)
	return s
}

func (ss *sockets) close() {
	for _, s := range *ss {
		s.Close()
	}
}

// bind binds s to endpoint and returns the endpoint peers connect to.
func bind(s *socket.Socket, endpoint string) (string, error) {
	if err := s.Bind(endpoint); err != nil {
		return "", err
	}
	return s.LastEndpoint(), nil
}

// group runs functions in goroutines and collects the first error. Its context is
// cancelled at the first failure.
type group struct {
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context) *group {
	g := &group{}
	g.ctx, g.cancel = context.WithCancel(ctx)
	return g
}

func (g *group) Go(f func(ctx context.Context) error) {
	g.wg.Go(func() {
		if err := f(g.ctx); err != nil {
			g.once.Do(func() { g.err = err; g.cancel() })
		}
	})
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// reqRep: a REQ client sends requests to a REP server, which answers each one.
func reqRep(ctx context.Context, ep func(string) string) (string, error) {
	var ss sockets
	defer ss.close()
	rep, req := ss.open(socket.Rep), ss.open(socket.Req)
	addr, err := bind(rep, ep("reqrep"))
	if err != nil {
		return "", err
	}
	if err := req.Connect(addr); err != nil {
		return "", err
	}
	g := newGroup(ctx)
	g.Go(func(ctx context.Context) error { // the server
		for range requests {
			m, err := rep.Recv(ctx)
			if err != nil {
				return err
			}
			reply := "World " + strings.TrimPrefix(string(m.Frames[0]), "Hello ")
			if err := rep.Send(ctx, socket.NewMsgString(reply)); err != nil {
				return err
			}
		}
		return nil
	})
	replies := 0
	g.Go(func(ctx context.Context) error { // the client
		for i := range requests {
			if err := req.Send(ctx, socket.NewMsgString("Hello "+strconv.Itoa(i))); err != nil {
				return err
			}
			m, err := req.Recv(ctx)
			if err != nil {
				return err
			}
			if want := "World " + strconv.Itoa(i); string(m.Frames[0]) != want {
				return fmt.Errorf("reply %q, want %q", m.Frames[0], want)
			}
			replies++
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d requests, %d replies", requests, replies), nil
}

// pubSub: a publisher sends updates on two topics; each of two subscribers takes one
// topic and must get all of its updates and none of the other's.
func pubSub(ctx context.Context, ep func(string) string) (string, error) {
	var ss sockets
	defer ss.close()
	pub := ss.open(socket.Pub)
	addr, err := bind(pub, ep("pubsub"))
	if err != nil {
		return "", err
	}
	topics := []string{"weather", "sports"}
	ready := make([]chan struct{}, len(topics))
	got := make([]int, len(topics))
	g := newGroup(ctx)
	for i, topic := range topics {
		sub := ss.open(socket.Sub)
		if err := sub.Connect(addr); err != nil {
			return "", err
		}
		if err := sub.Subscribe([]byte(topic + " ")); err != nil {
			return "", err
		}
		ready[i] = make(chan struct{})
		g.Go(func(ctx context.Context) error {
			synced := false
			for {
				m, err := sub.Recv(ctx)
				if err != nil {
					return err
				}
				body, ok := strings.CutPrefix(string(m.Frames[0]), topic+" ")
				switch {
				case !ok:
					return fmt.Errorf("%s subscriber got %q", topic, m.Frames[0])
				case body == "sync":
					if !synced {
						synced = true
						close(ready[i])
					}
				case body == "end":
					return nil
				default:
					got[i]++
				}
			}
		})
	}
	g.Go(func(ctx context.Context) error {
		// A subscription takes a moment to reach the publisher, which drops updates
		// nobody has subscribed to yet: send "sync" until every subscriber heard one.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for _, r := range ready {
		wait:
			for {
				for _, topic := range topics {
					if err := pub.Send(ctx, socket.NewMsgString(topic+" sync")); err != nil {
						return err
					}
				}
				select {
				case <-r:
					break wait
				case <-tick.C:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		for i := range updates {
			for _, topic := range topics {
				if err := pub.Send(ctx, socket.NewMsgString(fmt.Sprintf("%s %d", topic, i))); err != nil {
					return err
				}
			}
		}
		for _, topic := range topics {
			if err := pub.Send(ctx, socket.NewMsgString(topic+" end")); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return "", err
	}
	for i, n := range got {
		if n != updates {
			return "", fmt.Errorf("%s subscriber got %d updates, want %d", topics[i], n, updates)
		}
	}
	return fmt.Sprintf("%d subscribers, %d updates each, none off-topic", len(topics), updates), nil
}

// pushPull: a ventilator pushes tasks to workers, which push results to a sink.
func pushPull(ctx context.Context, ep func(string) string) (string, error) {
	var ss sockets
	defer ss.close()
	vent, sink := ss.open(socket.Push), ss.open(socket.Pull)
	tasksAddr, err := bind(vent, ep("tasks"))
	if err != nil {
		return "", err
	}
	resultsAddr, err := bind(sink, ep("results"))
	if err != nil {
		return "", err
	}

	wctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	workerGroup := newGroup(wctx)
	for range workers {
		in, out := ss.open(socket.Pull), ss.open(socket.Push)
		if err := in.Connect(tasksAddr); err != nil {
			return "", err
		}
		if err := out.Connect(resultsAddr); err != nil {
			return "", err
		}
		workerGroup.Go(func(ctx context.Context) error {
			for {
				m, err := in.Recv(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return nil // stopped
					}
					return err
				}
				n, err := strconv.Atoi(string(m.Frames[0]))
				if err != nil {
					return err
				}
				if err := out.Send(ctx, socket.NewMsgString(strconv.Itoa(2*n))); err != nil {
					return err
				}
			}
		})
	}

	g := newGroup(ctx)
	g.Go(func(ctx context.Context) error { // the ventilator
		for i := range tasks {
			if err := vent.Send(ctx, socket.NewMsgString(strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
	sum := 0
	g.Go(func(ctx context.Context) error { // the sink
		for range tasks {
			m, err := sink.Recv(ctx)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(string(m.Frames[0]))
			if err != nil {
				return err
			}
			sum += n
		}
		return nil
	})
	err = g.Wait()
	stopWorkers()
	if werr := workerGroup.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return "", err
	}
	if want := tasks * (tasks - 1); sum != want {
		return "", fmt.Errorf("results add up to %d, want %d", sum, want)
	}
	return fmt.Sprintf("%d tasks, %d workers, %d results", tasks, workers, tasks), nil
}

// pair: two PAIR sockets play ping-pong.
func pair(ctx context.Context, ep func(string) string) (string, error) {
	var ss sockets
	defer ss.close()
	a, b := ss.open(socket.Pair), ss.open(socket.Pair)
	addr, err := bind(a, ep("pair"))
	if err != nil {
		return "", err
	}
	if err := b.Connect(addr); err != nil {
		return "", err
	}
	g := newGroup(ctx)
	g.Go(func(ctx context.Context) error {
		for range pings {
			m, err := b.Recv(ctx)
			if err != nil {
				return err
			}
			pong := strings.Replace(string(m.Frames[0]), "ping", "pong", 1)
			if err := b.Send(ctx, socket.NewMsgString(pong)); err != nil {
				return err
			}
		}
		return nil
	})
	pongs := 0
	g.Go(func(ctx context.Context) error {
		for i := range pings {
			if err := a.Send(ctx, socket.NewMsgString("ping "+strconv.Itoa(i))); err != nil {
				return err
			}
			m, err := a.Recv(ctx)
			if err != nil {
				return err
			}
			if want := "pong " + strconv.Itoa(i); string(m.Frames[0]) != want {
				return fmt.Errorf("got %q, want %q", m.Frames[0], want)
			}
			pongs++
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d pings, %d pongs", pings, pongs), nil
}
