// Command rrclient is the ZeroMQ guide's request-reply client for the broker: a REQ
// socket that connects to the broker's frontend, tcp://localhost:5559, sends "Hello"
// -n times (10 by default) and prints each reply.
//
//	go run ./examples/rrbroker &
//	go run ./examples/rrworker &
//	go run ./examples/rrclient
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
	connect := flag.String("connect", "tcp://localhost:5559", "endpoint of the broker's frontend")
	n := flag.Int("n", 10, "number of requests to send")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := request(ctx, *connect, *n); err != nil && ctx.Err() == nil {
		log.Fatalf("rrclient: %v", err)
	}
}

func request(ctx context.Context, endpoint string, n int) error {
	requester, err := socket.New(socket.Req, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer requester.Close()
	if err := requester.Connect(endpoint); err != nil {
		return err
	}
	for i := range n {
		if err := requester.Send(ctx, socket.NewMsgString("Hello")); err != nil {
			return err
		}
		reply, err := requester.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received reply %d [%s]\n", i, reply.Frames[0])
	}
	return nil
}
