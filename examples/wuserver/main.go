// Command wuserver is the ZeroMQ guide's weather update server: a PUB socket bound on
// tcp://*:5556 and ipc://weather.ipc that publishes random weather updates,
// "zipcode temperature relhumidity", as fast as it can.
//
//	go run ./examples/wuserver &
//	go run ./examples/wuclient 10001
//
// Pass -ipc "" to bind only the TCP endpoint, and -n to stop after that many updates.
// Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"

	"github.com/brokerless/zmq/socket"
)

func main() {
	bind := flag.String("bind", "tcp://*:5556", "endpoint to bind the PUB socket to")
	ipcEP := flag.String("ipc", "ipc://weather.ipc", "second endpoint to bind, as the guide does (empty for none)")
	n := flag.Int("n", 0, "number of updates to publish (0 for no limit)")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	endpoints := []string{*bind}
	if *ipcEP != "" {
		endpoints = append(endpoints, *ipcEP)
	}
	if err := publish(ctx, endpoints, *n); err != nil {
		log.Fatalf("wuserver: %v", err)
	}
}

func publish(ctx context.Context, endpoints []string, n int) error {
	publisher, err := socket.New(socket.Pub, socket.Options{Linger: -1})
	if err != nil {
		return err
	}
	defer publisher.Close()
	for _, ep := range endpoints {
		if err := publisher.Bind(ep); err != nil {
			return err
		}
	}
	for i := 0; n == 0 || i < n; i++ {
		if ctx.Err() != nil {
			return nil // interrupted
		}
		zipcode := rand.IntN(100000)
		temperature := rand.IntN(215) - 80
		relhumidity := rand.IntN(50) + 10
		update := fmt.Sprintf("%05d %d %d", zipcode, temperature, relhumidity)
		// PUB never blocks: an update for a subscriber whose queue is full is dropped.
		if err := publisher.Send(ctx, socket.NewMsgString(update)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}
