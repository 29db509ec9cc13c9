// Command titanic runs the Titanic service (RFC 9) on a Majordomo broker: it stores
// requests for other services in DIR, carries each one to its service when the
// service has a worker, and keeps the reply until the client fetches and closes it
// (services titanic.request, titanic.reply, titanic.close). The guide's ticlient,
// or package reliable/titanic's Client, talks to it through the broker.
//
//	go run ./examples/mdbroker --bind tcp://*:5555 &
//	go run ./examples/titanic --connect tcp://localhost:5555 --dir /var/lib/titanic &
//	go run ./examples/mdworker --connect tcp://localhost:5555 --service echo &
//
// Flags:
//
//	--connect EP   the broker (default tcp://localhost:5555)
//	--dir DIR      directory of the store, created if needed (default ./titanic-data)
//	--retry D      how often pending requests are tried again (default 1s)
//
// Requests acknowledged before a restart are dispatched after it. It runs until
// interrupted (SIGINT or SIGTERM) and prints the store's path on start.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/brokerless/zmq/reliable/titanic"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && ctx.Err() == nil {
		log.Fatalf("titanic: %v", err)
	}
}

// run serves until ctx ends, and then returns ctx.Err().
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("titanic", flag.ContinueOnError)
	connect := fs.String("connect", "tcp://localhost:5555", "the Majordomo broker")
	dir := fs.String("dir", "titanic-data", "directory of the store, created if needed")
	retry := fs.Duration("retry", time.Second, "how often pending requests are tried again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := titanic.Open(*dir)
	if err != nil {
		return err
	}
	defer store.Close()
	ti, err := titanic.New(*connect, store, titanic.Options{RetryInterval: *retry})
	if err != nil {
		return err
	}
	pending, err := store.Pending()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "store %s, %d pending\n", filepath.Join(*dir, titanic.FileName), len(pending))
	return ti.Run(ctx)
}
