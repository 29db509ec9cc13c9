// Command taskvent is the ZeroMQ guide's task ventilator: a PUSH socket bound on
// tcp://*:5557 hands out -n tasks (100 by default) to the workers, each a random
// workload of 1 to 100 milliseconds, after signalling the start of the batch to the
// sink on tcp://localhost:5558 with the message "0".
//
//	go run ./examples/tasksink &
//	go run ./examples/taskwork & go run ./examples/taskwork &
//	go run ./examples/taskvent
//
// Like the guide it waits for Enter, so that every worker has connected before the
// tasks go out; -wait=false starts at once. Interrupt (SIGINT or SIGTERM) stops it
// cleanly.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	bind := flag.String("bind", "tcp://*:5557", "endpoint to bind the task PUSH socket to")
	sinkEP := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	n := flag.Int("n", 100, "number of tasks")
	wait := flag.Bool("wait", true, "wait for Enter before sending the tasks")
	linger := flag.Duration("linger", socket.DefaultLinger, "how long to wait for queued tasks to be delivered on exit")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := ventilate(ctx, *bind, *sinkEP, *n, *wait, *linger); err != nil && ctx.Err() == nil {
		log.Fatalf("taskvent: %v", err)
	}
}

func ventilate(ctx context.Context, bind, sinkEP string, n int, wait bool, linger time.Duration) (err error) {
	sender, err := socket.New(socket.Push, socket.Options{})
	if err != nil {
		return err
	}
	defer shutdown(ctx, sender, linger, &err)
	if err := sender.Bind(bind); err != nil {
		return err
	}
	sink, err := socket.New(socket.Push, socket.Options{})
	if err != nil {
		return err
	}
	defer shutdown(ctx, sink, linger, &err)
	if err := sink.Connect(sinkEP); err != nil {
		return err
	}

	if wait {
		fmt.Print("Press Enter when the workers are ready: ")
		if err := waitEnter(ctx); err != nil {
			return err
		}
	}
	fmt.Println("Sending tasks to workers...")

	// The first message is "0" and signals the start of the batch.
	if err := sink.Send(ctx, socket.NewMsgString("0")); err != nil {
		return err
	}
	total := 0
	for range n {
		workload := rand.IntN(100) + 1
		total += workload
		if err := sender.Send(ctx, socket.NewMsgString(strconv.Itoa(workload))); err != nil {
			return err
		}
	}
	fmt.Printf("Total expected cost: %d msec\n", total)
	return nil
}

// shutdown closes s, giving queued messages up to linger to reach their peers (the
// guide sleeps a second instead), and records a failure to deliver them in *err.
func shutdown(ctx context.Context, s *socket.Socket, linger time.Duration, err *error) {
	ctx, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	if e := s.Shutdown(ctx); e != nil && *err == nil {
		*err = fmt.Errorf("undelivered messages at exit: %w", e)
	}
}

// waitEnter returns when a line (or EOF) arrives on stdin, or ctx ends.
func waitEnter(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n')
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
