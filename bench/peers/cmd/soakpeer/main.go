// Command soakpeer is the libzmq side of the soak run (internal/soak): a PUSH
// or PUB producer sending numbered messages at a fixed rate or a PULL or SUB consumer
// writing a record of each message to standard output, through libzmq (via
// pebbe/zmq4). It speaks the same flags and output as "soak peer": producers
// print "sent N" every 100 messages and "final N" on SIGTERM, then linger to
// deliver what is queued.
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
	role := flag.String("role", "", "push, pull, pub or sub")
	endpoint := flag.String("endpoint", "", "endpoint to connect to")
	stream := flag.Uint("stream", 0, "push: the stream id carried in every message")
	rate := flag.Int("rate", 1000, "push: messages per second")
	hwm := flag.Int("hwm", 1000, "high-water mark")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
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
	default:
		err = fmt.Errorf("-role must be push, pull, pub or sub, not %q", *role)
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
