// Command idempotent shows an idempotent receiver keeping a retried request from
// taking effect twice. A Lazy Pirate client (package reliable/pirate) deposits the
// amounts 1..N into an account held by a server whose replies get lost: the server
// drops each reply with probability -drop, drawn from a generator seeded with -seed,
// so a run is repeatable. The client cannot tell a lost reply from a lost request, so
// it sends again; the server's idempotent receiver (package reliable/idempotent)
// recognises the retry by its id and answers it with the first reply, and every
// deposit is applied exactly once.
//
//	go run ./examples/idempotent -requests 100 -drop 0.3
//	requests 100, attempts 141, replies dropped 41, deposits applied 100, duplicates answered 41
//	balance 5050, expected 5050
//
// With -dedup=false the server applies every attempt, and the balance comes out
// wrong by the retried deposits. Flags:
//
//	-requests N    deposits to make (default 100)
//	-drop RATE     probability that the server drops a reply (default 0.3)
//	-seed N        seed of the drop generator (default 1)
//	-timeout D     the client's wait for each reply before it retries (default 250ms)
//	-retries N     attempts per request before the client gives up (default 10)
//	-dedup         wrap the server's handler in an idempotent receiver (default true)
//	-endpoint EP   where the server binds (default tcp://127.0.0.1:*)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/reliable/idempotent"
	"github.com/brokerless/zmq/reliable/pirate"
	"github.com/brokerless/zmq/socket"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatalf("idempotent: %v", err)
	}
}

type config struct {
	requests int
	drop     float64
	seed     uint64
	timeout  time.Duration
	retries  int
	dedup    bool
	endpoint string
}

// result is what a demo run counted.
type result struct {
	requests  int   // deposits the client made
	attempts  int   // requests the server received, retries included
	dropped   int   // replies the server dropped
	applied   int   // deposits the server applied
	dups      int   // retries answered from the idempotent receiver
	balance   int64 // the account at the end
	expected  int64 // 1 + 2 + ... + requests
	dedupUsed bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idempotent", flag.ContinueOnError)
	var c config
	fs.IntVar(&c.requests, "requests", 100, "deposits to make")
	fs.Float64Var(&c.drop, "drop", 0.3, "probability that the server drops a reply")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the drop generator")
	fs.DurationVar(&c.timeout, "timeout", 250*time.Millisecond, "the client's wait for each reply before it retries")
	fs.IntVar(&c.retries, "retries", 10, "attempts per request before the client gives up")
	fs.BoolVar(&c.dedup, "dedup", true, "wrap the server's handler in an idempotent receiver")
	fs.StringVar(&c.endpoint, "endpoint", "tcp://127.0.0.1:*", "where the server binds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.drop < 0 || c.drop >= 1 {
		return fmt.Errorf("-drop %v: want a probability in [0, 1)", c.drop)
	}
	res, err := demo(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "requests %d, attempts %d, replies dropped %d, deposits applied %d, duplicates answered %d\n",
		res.requests, res.attempts, res.dropped, res.applied, res.dups)
	fmt.Fprintf(out, "balance %d, expected %d\n", res.balance, res.expected)
	return nil
}

// server is the account: a ROUTER that serves deposits [id, amount] and loses
// replies at random.
type server struct {
	sock     *socket.Socket
	handle   idempotent.Handler
	rng      *rand.Rand
	drop     float64
	balance  int64
	applied  int
	attempts int
	dropped  int
}

func (s *server) deposit(_ context.Context, req [][]byte) ([][]byte, error) {
	if len(req) != 1 {
		return nil, errors.New("want one frame, the amount")
	}
	n, err := strconv.ParseInt(string(req[0]), 10, 64)
	if err != nil {
		return nil, err
	}
	s.balance += n
	s.applied++
	return [][]byte{[]byte(strconv.FormatInt(s.balance, 10))}, nil
}

// serve answers requests until ctx ends: [client, "", id, amount] in, [client, "",
// balance] out, unless the reply is dropped.
func (s *server) serve(ctx context.Context) error {
	for {
		m, err := s.sock.Recv(ctx)
		if err != nil {
			return err
		}
		if len(m.Frames) < 3 || len(m.Frames[1]) != 0 {
			continue // not from a REQ client
		}
		s.attempts++
		reply, err := s.handle(ctx, m.Frames[2:])
		if err != nil {
			reply = [][]byte{[]byte("error: " + err.Error())}
		}
		if s.rng.Float64() < s.drop {
			s.dropped++
			continue
		}
		if err := s.sock.Send(ctx, socket.NewMsg(append([][]byte{m.Frames[0], nil}, reply...)...)); err != nil {
			return err
		}
	}
}

func demo(ctx context.Context, c config) (result, error) {
	sock, err := socket.New(socket.Router, socket.Options{Linger: -1})
	if err != nil {
		return result{}, err
	}
	defer sock.Close()
	if err := sock.Bind(c.endpoint); err != nil {
		return result{}, err
	}
	srv := &server{sock: sock, rng: rand.New(rand.NewPCG(c.seed, c.seed)), drop: c.drop}
	srv.handle = func(ctx context.Context, req [][]byte) ([][]byte, error) {
		_, body, err := idempotent.FirstFrameID(req) // ignore the id: every attempt counts
		if err != nil {
			return nil, err
		}
		return srv.deposit(ctx, body)
	}
	var recv *idempotent.Receiver
	if c.dedup {
		// The window outlasts every retry of a request: the client makes one
		// request at a time, so a window of 1 would do; 1000 is generous.
		recv = idempotent.New(srv.deposit, idempotent.Options{Window: 1000})
		srv.handle = recv.Handle
	}

	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var serveErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveErr = srv.serve(sctx)
	}()

	res := result{requests: c.requests, dedupUsed: c.dedup}
	err = deposits(ctx, sock.LastEndpoint(), c, &res)
	stop()
	wg.Wait()
	if err != nil {
		return res, err
	}
	if !errors.Is(serveErr, context.Canceled) {
		return res, fmt.Errorf("server: %w", serveErr)
	}
	res.attempts, res.dropped, res.applied, res.balance = srv.attempts, srv.dropped, srv.applied, srv.balance
	if recv != nil {
		res.dups = int(recv.Stats().Duplicates)
	}
	return res, nil
}

// deposits makes the deposits 1..requests with a Lazy Pirate client.
func deposits(ctx context.Context, endpoint string, c config, res *result) error {
	client, err := pirate.NewClient(endpoint, pirate.ClientOptions{Timeout: c.timeout, Retries: c.retries})
	if err != nil {
		return err
	}
	defer client.Close()
	for i := 1; i <= c.requests; i++ {
		res.expected += int64(i)
		req := idempotent.NewRequest(idempotent.NewID(), []byte(strconv.Itoa(i)))
		if _, err := client.Request(ctx, socket.NewMsg(req...)); err != nil {
			return fmt.Errorf("deposit %d: %w", i, err)
		}
	}
	return nil
}
