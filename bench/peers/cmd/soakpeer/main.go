// Command soakpeer is the libzmq side of the soak run (internal/soak), through
// libzmq via pebbe/zmq4: a PUSH or PUB producer sending numbered messages at a
// fixed rate, a PULL or SUB consumer writing a record of each message to
// standard output, a REQ client writing a record of each reply, or a REP echo
// worker. It speaks the same flags and output as "soak peer": producers print
// "sent N" every 100 messages and "final N" on SIGTERM, then linger to
// deliver what is queued (REQ clients print them on stderr, prefixed "soak").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/brokerless/zmq/internal/soak"
	zmq "github.com/pebbe/zmq4"
)

func main() {
	role := flag.String("role", "", "push, pull, pub, sub, req or rep")
	endpoint := flag.String("endpoint", "", "endpoint to connect to")
	stream := flag.Uint("stream", 0, "push: the stream id carried in every message")
	rate := flag.Int("rate", 1000, "push: messages per second")
	hwm := flag.Int("hwm", 1000, "high-water mark")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	fmt.Fprintln(os.Stderr, soak.ReadyLine)
	var err error
	switch *role {
	case "push":
		err = produce(ctx, zmq.PUSH, *endpoint, uint32(*stream), *rate, *hwm)
	case "pub":
		err = produce(ctx, zmq.PUB, *endpoint, uint32(*stream), *rate, *hwm)
	case "pull":
		err = consume(ctx, zmq.PULL, *endpoint, *hwm)
	case "sub":
		err = consume(ctx, zmq.SUB, *endpoint, *hwm)
	case "req":
		err = request(ctx, *endpoint, uint32(*stream), *rate)
	case "rep":
		err = reply(ctx, *endpoint)
	default:
		err = fmt.Errorf("-role must be push, pull, pub, sub, req or rep, not %q", *role)
	}
	stop()
	// Term waits for each closed socket's linger: without it queued
	// messages die with the process.
	if terr := zmq.Term(); err == nil {
		err = terr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakpeer:", err)
		os.Exit(1)
	}
}

func interrupted(err error) bool {
	return zmq.AsErrno(err) == zmq.Errno(syscall.EINTR)
}

func produce(ctx context.Context, typ zmq.Type, endpoint string, stream uint32, rate, hwm int) error {
	s, err := zmq.NewSocket(typ)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := errors.Join(s.SetSndhwm(hwm), s.SetLinger(10*time.Second), s.Connect(endpoint)); err != nil {
		return err
	}
	poller := zmq.NewPoller()
	poller.Add(s, zmq.POLLOUT)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	b := make([]byte, soak.MsgSize)
	var n uint64
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		due := uint64(time.Since(start).Seconds() * float64(rate))
		for n < due && ctx.Err() == nil {
			soak.PutMsg(b, stream, n, time.Now().UnixNano())
			if _, err := s.SendBytes(b, zmq.DONTWAIT); err != nil {
				if e := zmq.AsErrno(err); e != zmq.Errno(syscall.EAGAIN) && !interrupted(err) {
					return err
				}
				// Full: wait for room, a bounded while, then look at ctx again.
				if _, err := poller.Poll(50 * time.Millisecond); err != nil && !interrupted(err) {
					return err
				}
				continue
			}
			n++
			if n%100 == 0 {
				fmt.Printf("sent %d\n", n)
			}
		}
	}
	fmt.Printf("final %d\n", n)
	return nil
}

func consume(ctx context.Context, typ zmq.Type, endpoint string, hwm int) error {
	s, err := zmq.NewSocket(typ)
	if err != nil {
		return err
	}
	defer s.Close()
	if typ == zmq.SUB {
		// Everything: the subscription itself is what a restarted
		// forwarder must get again, or nothing reaches this subscriber.
		if err := s.SetSubscribe(""); err != nil {
			return err
		}
	}
	if err := errors.Join(s.SetRcvhwm(hwm), s.SetLinger(0), s.SetRcvtimeo(100*time.Millisecond), s.Connect(endpoint)); err != nil {
		return err
	}
	var rec [soak.RecordSize]byte
	for ctx.Err() == nil {
		m, err := s.RecvBytes(0)
		if err != nil {
			if e := zmq.AsErrno(err); e == zmq.Errno(syscall.EAGAIN) || interrupted(err) {
				continue
			}
			return err
		}
		if err := soak.PutRecord(rec[:], m, time.Now().UnixNano()); err != nil {
			return err
		}
		if _, err := os.Stdout.Write(rec[:]); err != nil {
			return err
		}
	}
	return nil
}

// replyTimeout is how long a client waits for a reply before it gives its
// REQ socket up and sends again on a new one (the Lazy Pirate pattern).
const replyTimeout = 2 * time.Second

// request is a REQ client, as "soak peer -role req": each reply becomes a
// record made from the reply's payload; counts go to stderr.
func request(ctx context.Context, endpoint string, stream uint32, rate int) error {
	open := func() (*zmq.Socket, error) {
		s, err := zmq.NewSocket(zmq.REQ)
		if err != nil {
			return nil, err
		}
		if err := errors.Join(s.SetLinger(0), s.Connect(endpoint)); err != nil {
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
	b := make([]byte, soak.MsgSize)
	var rec [soak.RecordSize]byte
	var n uint64
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		for n < uint64(time.Since(start).Seconds()*float64(rate)) {
			if ctx.Err() != nil {
				break loop
			}
			soak.PutMsg(b, stream, n, time.Now().UnixNano())
			if _, err := s.SendBytes(b, 0); err != nil {
				if interrupted(err) {
					continue
				}
				return err
			}
			var m []byte
			deadline := time.Now().Add(replyTimeout)
			poller := zmq.NewPoller()
			poller.Add(s, zmq.POLLIN)
			for m == nil && time.Now().Before(deadline) && ctx.Err() == nil {
				ready, err := poller.Poll(50 * time.Millisecond)
				if err != nil && !interrupted(err) {
					return err
				}
				if len(ready) > 0 {
					if m, err = s.RecvBytes(0); err != nil && !interrupted(err) {
						return err
					}
				}
			}
			if ctx.Err() != nil {
				break loop
			}
			if m == nil {
				s.Close()
				if s, err = open(); err != nil {
					return err
				}
				continue
			}
			if err := soak.PutRecord(rec[:], m, time.Now().UnixNano()); err != nil {
				return err
			}
			if _, err := os.Stdout.Write(rec[:]); err != nil {
				return err
			}
			st, seq, _, _ := soak.ParseMsg(m)
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
	s, err := zmq.NewSocket(zmq.REP)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := errors.Join(s.SetLinger(0), s.SetRcvtimeo(100*time.Millisecond), s.Connect(endpoint)); err != nil {
		return err
	}
	for ctx.Err() == nil {
		m, err := s.RecvBytes(0)
		if err != nil {
			if e := zmq.AsErrno(err); e == zmq.Errno(syscall.EAGAIN) || interrupted(err) {
				continue
			}
			return err
		}
		if _, err := s.SendBytes(m, 0); err != nil && !interrupted(err) {
			return err
		}
	}
	return nil
}
