// Command rrworker is the ZeroMQ guide's request-reply worker for the broker: a REP
// socket that connects to the broker's backend, tcp://localhost:5560, and answers
// every request with "World" after a short pause that stands for work.
//
//	go run ./examples/rrbroker &
//	go run ./examples/rrworker &
//	go run ./examples/rrworker -work 0 &
//	go run ./examples/rrclient
//
// Start as many workers as you like: the broker shares the requests out among them.
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
	connect := flag.String("connect", "tcp://localhost:5560", "endpoint of the broker's backend")
	work := flag.Duration("work", time.Second, "time spent on each request")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *connect, *work); err != nil && ctx.Err() == nil {
		log.Fatalf("rrworker: %v", err)
	}
}

func serve(ctx context.Context, endpoint string, work time.Duration) error {
	responder, err := socket.New(socket.Rep, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer responder.Close()
	if err := responder.Connect(endpoint); err != nil {
		return err
	}
	for {
		req, err := responder.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received request: [%s]\n", req.Frames[0])
		select {
		case <-time.After(work): // do some 'work'
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := responder.Send(ctx, socket.NewMsgString("World")); err != nil {
			return err
		}
	}
}
