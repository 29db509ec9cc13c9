// Command mdworker is a Majordomo 0.1 worker (RFC 7) for an echo service: it
// registers with the broker under the service name and answers every request with
// the request itself.
//
//	mdworker --connect tcp://localhost:5555 --service echo
//
// It heartbeats the broker, registers again when the broker restarts, and serves
// until interrupted (SIGINT or SIGTERM), when it tells the broker it is leaving.
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

	"github.com/brokerless/zmq/reliable/mdp"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:])
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		log.Fatalf("mdworker: %v", err)
	}
}

// run parses args as the command line and serves until ctx ends.
func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("mdworker", flag.ContinueOnError)
	connect := fs.String("connect", "tcp://localhost:5555", "the broker's endpoint")
	service := fs.String("service", "echo", "the service to offer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	echo := func(_ context.Context, req [][]byte) ([][]byte, error) { return req, nil }
	w, err := mdp.NewWorker(*connect, *service, echo, mdp.WorkerOptions{})
	if err != nil {
		return err
	}
	return w.Run(ctx)
}
