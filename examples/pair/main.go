// Command pair is the ZeroMQ guide's multithreaded relay (mtrelay): three steps, each
// in its own goroutine, signal each other in a chain over inproc PAIR sockets. Step 1
// tells step 2 it is ready, step 2 then tells step 3 (the main goroutine), which
// prints "Test successful!".
//
//	go run ./examples/pair
//
// The -prefix flag names the inproc endpoints (inproc://step2 and inproc://step3 by
// default). Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/brokerless/zmq/socket"
)

func main() {
	prefix := flag.String("prefix", "inproc://step", "endpoint prefix of the steps")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := relay(ctx, *prefix); err != nil {
		if ctx.Err() != nil {
			return // interrupted
		}
		log.Fatalf("pair: %v", err)
	}
	fmt.Println("Test successful!")
}

// relay runs the three steps and returns when step 3 has heard from step 2.
func relay(ctx context.Context, prefix string) error {
	// Bind to inproc endpoint, then start the upstream step.
	receiver, err := socket.New(socket.Pair, socket.Options{})
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(prefix + "3"); err != nil {
		return err
	}
	return run(ctx, func(ctx context.Context) error { return step2(ctx, prefix) }, func(ctx context.Context) error {
		// Wait for the signal.
		_, err := receiver.Recv(ctx)
		return err
	})
}

// step2 binds for step 1, starts it, waits for its signal and passes it on to step 3.
func step2(ctx context.Context, prefix string) error {
	receiver, err := socket.New(socket.Pair, socket.Options{})
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(prefix + "2"); err != nil {
		return err
	}
	err = run(ctx, func(ctx context.Context) error { return step1(ctx, prefix) }, func(ctx context.Context) error {
		_, err := receiver.Recv(ctx)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Println("Step 2 ready, signaling step 3")
	return sendReady(ctx, prefix+"3")
}

// step1 signals step 2 that it is ready.
func step1(ctx context.Context, prefix string) error {
	fmt.Println("Step 1 ready, signaling step 2")
	return sendReady(ctx, prefix+"2")
}

// sendReady connects a PAIR socket to endpoint and sends "READY".
func sendReady(ctx context.Context, endpoint string) error {
	xmitter, err := socket.New(socket.Pair, socket.Options{})
	if err != nil {
		return err
	}
	defer xmitter.Close()
	if err := xmitter.Connect(endpoint); err != nil {
		return err
	}
	return xmitter.Send(ctx, socket.NewMsgString("READY"))
}

// run runs upstream in a new goroutine and wait in this one, and returns once both
// have finished. If upstream fails, wait's context is cancelled so it cannot wait for
// a signal that will never come; upstream's error is reported first.
func run(ctx context.Context, upstream, wait func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		err := upstream(ctx)
		if err != nil {
			cancel()
		}
		errc <- err
	}()
	werr := wait(ctx)
	if err := <-errc; err != nil {
		return err
	}
	return werr
}
