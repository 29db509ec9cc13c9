// Command tasksink is the ZeroMQ guide's task sink: a PULL socket bound on
// tcp://*:5558 waits for the ventilator's start-of-batch message, collects -n results
// (100 by default) from the workers and prints how long the batch took.
//
//	go run ./examples/tasksink &
//	go run ./examples/taskwork & go run ./examples/taskwork &
//	go run ./examples/taskvent
//
// Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	bind := flag.String("bind", "tcp://*:5558", "endpoint to bind the PULL socket to")
	n := flag.Int("n", 100, "number of results to collect")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := collect(ctx, *bind, *n); err != nil && ctx.Err() == nil {
		log.Fatalf("tasksink: %v", err)
	}
}

func collect(ctx context.Context, bind string, n int) error {
	receiver, err := socket.New(socket.Pull, socket.Options{})
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Bind(bind); err != nil {
		return err
	}

	// Wait for the start of the batch.
	if _, err := receiver.Recv(ctx); err != nil {
		return err
	}
	start := time.Now()
	for i := range n {
		if _, err := receiver.Recv(ctx); err != nil {
			return err
		}
		if i%10 == 0 {
			fmt.Print(":")
		} else {
			fmt.Print(".")
		}
	}
	fmt.Printf("\nTotal elapsed time: %d msec\n", time.Since(start).Milliseconds())
	return nil
}
