// Command taskwork is the ZeroMQ guide's task worker: it pulls tasks from the
// ventilator on tcp://localhost:5557, "works" for the number of milliseconds each task
// names, and pushes an empty result to the sink on tcp://localhost:5558.
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
	"strconv"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	ventEP := flag.String("vent", "tcp://localhost:5557", "endpoint of the ventilator")
	sinkEP := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := work(ctx, *ventEP, *sinkEP); err != nil && ctx.Err() == nil {
		log.Fatalf("taskwork: %v", err)
	}
}

func work(ctx context.Context, ventEP, sinkEP string) error {
	receiver, err := socket.New(socket.Pull, socket.Options{})
	if err != nil {
		return err
	}
	defer receiver.Close()
	if err := receiver.Connect(ventEP); err != nil {
		return err
	}
	sender, err := socket.New(socket.Push, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer sender.Close()
	if err := sender.Connect(sinkEP); err != nil {
		return err
	}

	for {
		task, err := receiver.Recv(ctx)
		if err != nil {
			return err
		}
		ms := 0
		if len(task.Frames) > 0 {
			ms, _ = strconv.Atoi(string(task.Frames[0]))
		}
		fmt.Printf("%d.", ms) // show progress
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond): // do the work
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := sender.Send(ctx, socket.NewMsg([]byte{})); err != nil {
			return err
		}
	}
}
