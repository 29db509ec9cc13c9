// Command hwserver is the ZeroMQ guide's "Hello World" server: a REP socket bound
// on tcp://*:5555 that answers every request with "World".
//
// It interoperates with the guide's hwclient in any language, and with ours:
//
//	go run ./examples/hwserver &
//	go run ./examples/hwclient
//
// The guide's server sleeps a second per request to stand for some work; pass
// -work=1s to do the same. Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"errors"
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
	bind := flag.String("bind", "tcp://*:5555", "endpoint to bind the REP socket to")
	work := flag.Duration("work", 0, "time to spend on each request (the guide sleeps 1s)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *bind, *work); err != nil {
		log.Fatalf("hwserver: %v", err)
	}
}

func serve(ctx context.Context, endpoint string, work time.Duration) error {
	responder, err := socket.New(socket.Rep, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer responder.Close()
	if err := responder.Bind(endpoint); err != nil {
		return err
	}
	for {
		req, err := responder.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted
			}
			return err
		}
		fmt.Printf("Received %s\n", firstFrame(req))
		if work > 0 {
			select {
			case <-time.After(work):
			case <-ctx.Done():
				return nil
			}
		}
		if err := responder.Send(ctx, socket.NewMsgString("World")); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
	}
}

func firstFrame(m socket.Msg) string {
	if len(m.Frames) == 0 {
		return ""
	}
	return string(m.Frames[0])
}
