// Command rrbroker is the ZeroMQ guide's request-reply broker: a ROUTER frontend bound
// on tcp://*:5559 for clients and a DEALER backend bound on tcp://*:5560 for workers,
// joined by a queue device (device.Queue), so clients and workers come and go without
// knowing about each other.
//
//	go run ./examples/rrbroker &
//	go run ./examples/rrworker &
//	go run ./examples/rrclient
//
// Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/brokerless/zmq/device"
	"github.com/brokerless/zmq/socket"
)

func main() {
	frontendEP := flag.String("frontend", "tcp://*:5559", "endpoint to bind for clients (ROUTER)")
	backendEP := flag.String("backend", "tcp://*:5560", "endpoint to bind for workers (DEALER)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := broker(ctx, *frontendEP, *backendEP); err != nil && !errors.Is(err, ctx.Err()) {
		log.Fatalf("rrbroker: %v", err)
	}
}

func broker(ctx context.Context, frontendEP, backendEP string) error {
	frontend, err := socket.New(socket.Router, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Bind(frontendEP); err != nil {
		return err
	}
	backend, err := socket.New(socket.Dealer, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(backendEP); err != nil {
		return err
	}
	// The queue runs until ctx ends; it returns ctx.Err() then.
	return device.Queue(ctx, frontend, backend)
}
