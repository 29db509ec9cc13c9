// Command mdbroker is a Majordomo 0.1 broker (RFC 7, with the management interface
// of RFC 8): clients and workers both connect to the one endpoint it binds.
//
//	mdbroker --bind tcp://*:5555
//
// It prints the endpoint it bound, resolved when given with a wildcard port
// ("broker tcp://127.0.0.1:41234"), then serves until interrupted (SIGINT or
// SIGTERM). It speaks the guide's MDP, so the guide's mdworker and mdclient in any
// language work with it, as do this repository's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, flag.ErrHelp) {
		log.Fatalf("mdbroker: %v", err)
	}
}

// run parses args as the command line and runs the broker until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mdbroker", flag.ContinueOnError)
	bind := fs.String("bind", "tcp://*:5555", "endpoint to bind for clients and workers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	s, err := socket.New(socket.Router, socket.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Bind(*bind); err != nil {
		return err
	}
	fmt.Fprintln(out, "broker", s.LastEndpoint())
	b, err := mdp.NewBroker(s, mdp.BrokerOptions{})
	if err != nil {
		return err
	}
	return b.Run(ctx)
}
