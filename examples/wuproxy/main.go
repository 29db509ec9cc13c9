// Command wuproxy is the ZeroMQ guide's weather update proxy: an XSUB frontend that
// connects to the weather server at tcp://localhost:5556 and an XPUB backend bound on
// tcp://*:8100, joined by a forwarder device (device.Forwarder). Subscribers connect
// to the proxy as they would to the server, and their subscriptions travel through
// it to the server, which filters at the source.
//
//	go run ./examples/wuserver -ipc "" &
//	go run ./examples/wuproxy &
//	go run ./examples/wuclient -connect tcp://localhost:8100 10001
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
	frontendEP := flag.String("frontend", "tcp://localhost:5556", "weather server to connect to (XSUB)")
	backendEP := flag.String("backend", "tcp://*:8100", "endpoint to bind for subscribers (XPUB)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := proxy(ctx, *frontendEP, *backendEP); err != nil && !errors.Is(err, ctx.Err()) {
		log.Fatalf("wuproxy: %v", err)
	}
}

func proxy(ctx context.Context, frontendEP, backendEP string) error {
	// This is where the weather server sits.
	frontend, err := socket.New(socket.XSub, socket.Options{})
	if err != nil {
		return err
	}
	defer frontend.Close()
	if err := frontend.Connect(frontendEP); err != nil {
		return err
	}
	// This is our public endpoint for subscribers.
	backend, err := socket.New(socket.XPub, socket.Options{Linger: time.Second})
	if err != nil {
		return err
	}
	defer backend.Close()
	if err := backend.Bind(backendEP); err != nil {
		return err
	}
	// Run the proxy until ctx ends.
	return device.Forwarder(ctx, frontend, backend)
}
