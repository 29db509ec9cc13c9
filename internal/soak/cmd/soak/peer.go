package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/brokerless/zmq/internal/soak"
	"github.com/brokerless/zmq/socket"
)

// peerMain is one of our soak processes: a REQ client or REP worker (see
// request and reply), a PUSH or PUB producer sending numbered
// messages at a fixed rate, or a PULL or SUB consumer writing a record of each
// message to standard output. SIGTERM stops it; a producer then reports its
// exact count ("final N") and lingers to deliver what is queued.
func peerMain(args []string) int {
	fs := flag.NewFlagSet("peer", flag.ContinueOnError)
	role := fs.String("role", "", "push, pull, pub, sub, req or rep")
	endpoint := fs.String("endpoint", "", "endpoint to connect to")
	stream := fs.Uint("stream", 0, "push: the stream id carried in every message")
	rate := fs.Int("rate", 1000, "push: messages per second")
	hwm := fs.Int("hwm", socket.DefaultHWM, "high-water mark")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Fprintln(os.Stderr, soak.ReadyLine)

	// Goroutine counts for the orchestrator's flatness check.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			fmt.Fprintf(os.Stderr, "soakstat goroutines=%d\n", runtime.NumGoroutine())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	defer wg.Wait()

	var err error
	switch *role {
	case "push":
		err = produce(ctx, socket.Push, *endpoint, uint32(*stream), *rate, *hwm)
	case "pub":
		err = produce(ctx, socket.Pub, *endpoint, uint32(*stream), *rate, *hwm)
	case "pull":
		err = consume(ctx, socket.Pull, *endpoint, *hwm)
	case "sub":
		err = consume(ctx, socket.Sub, *endpoint, *hwm)
	case "req":
		err = request(ctx, *endpoint, uint32(*stream), *rate)
	case "rep":
		err = reply(ctx, *endpoint)
	default:
		err = fmt.Errorf("-role must be push, pull, pub, sub, req or rep, not %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak peer:", err)
		stop()
		return 1
	}
	return 0
}

func produce(ctx context.Context, typ socket.Type, endpoint string, stream uint32, rate, hwm int) error {
	s, err := socket.New(typ, socket.Options{SendHWM: hwm, Linger: 10 * time.Second})
	if err != nil {
		return err
	}
	if err := s.Connect(endpoint); err != nil {
		s.Close()
		return err
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var n uint64
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		due := uint64(time.Since(start).Seconds() * float64(rate))
		for n < due {
			b := make([]byte, soak.MsgSize)
			soak.PutMsg(b, stream, n, time.Now().UnixNano())
			if err := s.Send(ctx, socket.NewMsg(b)); err != nil {
				if ctx.Err() != nil {
					break loop
				}
				s.Close()
				return err
			}
			n++
			if n%100 == 0 {
				fmt.Printf("sent %d\n", n)
			}
		}
	}
	fmt.Printf("final %d\n", n)
	return s.Close()
}

func consume(ctx context.Context, typ socket.Type, endpoint string, hwm int) error {
	s, err := socket.New(typ, socket.Options{RecvHWM: hwm, Linger: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	if typ == socket.Sub {
		// Everything: the subscription itself is what a restarted
		// forwarder must get again, or nothing reaches this subscriber.
		if err := s.Subscribe(nil); err != nil {
			return err
		}
	}
	if err := s.Connect(endpoint); err != nil {
		return err
	}
	var rec [soak.RecordSize]byte
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(m.Frames) != 1 {
			return fmt.Errorf("message of %d frames", len(m.Frames))
		}
		if err := soak.PutRecord(rec[:], m.Frames[0], time.Now().UnixNano()); err != nil {
			return err
		}
		m.Release()
		if _, err := os.Stdout.Write(rec[:]); err != nil {
			return err
		}
	}
}

// replyTimeout is how long a soak client waits for a reply before it gives
// its REQ socket up and sends the request again on a new one (the Lazy
// Pirate pattern): a request or reply held by a killed process never comes.
const replyTimeout = 2 * time.Second

// request is a REQ client: one request at a time, paced to rate, each reply
// written as a record made from the reply's own payload, so a reply that
// answers the wrong request shows up in the checker as a duplicate or a
// reordering. It reports its count of replies on stderr ("soaksent N",
// "soakfinal N").
func request(ctx context.Context, endpoint string, stream uint32, rate int) error {
	open := func() (*socket.Socket, error) {
		s, err := socket.New(socket.Req, socket.Options{Linger: -1})
		if err != nil {
			return nil, err
		}
		if err := s.Connect(endpoint); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	s, err := open()
	if err != nil {
		return err
	}
	defer func() { s.Close() }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	var n uint64
	var rec [soak.RecordSize]byte
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		for n < uint64(time.Since(start).Seconds()*float64(rate)) {
			b := make([]byte, soak.MsgSize)
			soak.PutMsg(b, stream, n, time.Now().UnixNano())
			if err := s.Send(ctx, socket.NewMsg(b)); err != nil {
				if ctx.Err() != nil {
					break loop
				}
				return err
			}
			rctx, cancel := context.WithTimeout(ctx, replyTimeout)
			m, err := s.Recv(rctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					break loop
				}
				s.Close()
				if s, err = open(); err != nil {
					return err
				}
				continue
			}
			if len(m.Frames) != 1 {
				return fmt.Errorf("reply of %d frames", len(m.Frames))
			}
			if err := soak.PutRecord(rec[:], m.Frames[0], time.Now().UnixNano()); err != nil {
				return err
			}
			if _, err := os.Stdout.Write(rec[:]); err != nil {
				return err
			}
			st, seq, _, _ := soak.ParseMsg(m.Frames[0])
			if st != stream || seq != n {
				return fmt.Errorf("reply %d/%d to request %d/%d", st, seq, stream, n)
			}
			n++
			if n%100 == 0 {
				fmt.Fprintf(os.Stderr, "soaksent %d\n", n)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "soakfinal %d\n", n)
	return nil
}

// reply is a REP worker that echoes every request.
func reply(ctx context.Context, endpoint string) error {
	s, err := socket.New(socket.Rep, socket.Options{Linger: -1})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Connect(endpoint); err != nil {
		return err
	}
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := s.Send(ctx, m); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}
