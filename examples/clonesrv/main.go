// Command clonesrv is a Clone server (RFC 12, the guide's clonesrv5): it holds a
// key-value map, answers snapshot requests on a ROUTER, collects clients' updates on
// a PULL, and publishes every update, numbered, on a PUB, with a HUGZ heartbeat.
// Clients are examples/clonecli, or the guide's clonecli5 in any language.
//
//	go run ./examples/clonesrv &
//	go run ./examples/clonecli -set /client/color=blue -dump
//
// Flags:
//
//	-snapshot EP    bind the snapshot ROUTER here (default tcp://*:5556)
//	-publisher EP   bind the update PUB here (default tcp://*:5557)
//	-collector EP   bind the update PULL here (default tcp://*:5558)
//	-heartbeat D    interval of HUGZ and TTL expiry (default 1s)
//
// It prints the three resolved endpoints, one a line ("snapshot tcp://...") and
// serves until interrupted (SIGINT or SIGTERM). Its state lives in memory only.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/brokerless/zmq/reliable/clone"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && ctx.Err() == nil {
		log.Fatalf("clonesrv: %v", err)
	}
}

// run serves until ctx ends, and then returns ctx.Err().
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("clonesrv", flag.ContinueOnError)
	var o clone.ServerOptions
	fs.StringVar(&o.Snapshot, "snapshot", "tcp://*:5556", "bind the snapshot ROUTER here")
	fs.StringVar(&o.Publisher, "publisher", "tcp://*:5557", "bind the update PUB here")
	fs.StringVar(&o.Collector, "collector", "tcp://*:5558", "bind the update PULL here")
	fs.DurationVar(&o.Heartbeat, "heartbeat", time.Second, "interval of HUGZ and TTL expiry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := clone.NewServer(o)
	if err != nil {
		return err
	}
	defer srv.Close()
	snap, pub, coll := srv.Endpoints()
	fmt.Fprintf(out, "snapshot %s\npublisher %s\ncollector %s\n", snap, pub, coll)
	<-ctx.Done()
	return ctx.Err()
}
