// Command hwclient is the ZeroMQ guide's "Hello World" client: a REQ socket that
// connects to tcp://localhost:5555, sends "Hello" -n times (10 by default) and prints
// each reply.
//
// It interoperates with the guide's hwserver in any language, and with ours:
//
//	go run ./examples/hwserver &
//	go run ./examples/hwclient -n 3
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
	"strings"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5555", "endpoint of the server")
	n := flag.Int("n", 10, "number of requests to send")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("Connecting to hello world server...")
	if err := request(ctx, *connect, *n); err != nil && ctx.Err() == nil {
		log.Fatalf("hwclient: %v", err)
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
		fmt.Printf("Sending Hello %d...\n", i)
		if err := requester.Send(ctx, socket.NewMsgString("Hello")); err != nil {
			return err
		}
		reply, err := requester.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("Received %s %d\n", joinFrames(reply), i)
	}
	return nil
}

func joinFrames(m socket.Msg) string {
	parts := make([]string, len(m.Frames))
	for i, f := range m.Frames {
		parts[i] = string(f)
	}
	return strings.Join(parts, " ")
}
