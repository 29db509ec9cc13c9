// Command wuclient is the ZeroMQ guide's weather update client: a SUB socket that
// connects to tcp://localhost:5556, subscribes to one zipcode, collects -n updates
// (100 by default) and prints the average temperature.
//
//	go run ./examples/wuserver &
//	go run ./examples/wuclient 10001
//
// The zipcode argument is the subscription prefix, "10001 " by default as in the
// guide. Interrupt (SIGINT or SIGTERM) stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/brokerless/zmq/socket"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5556", "endpoint of the weather server")
	n := flag.Int("n", 100, "number of updates to collect")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: wuclient [flags] [zipcode]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	filter := "10001 "
	if flag.NArg() > 0 {
		filter = flag.Arg(0)
	}
	if flag.NArg() > 1 || *n <= 0 {
		flag.Usage()
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("Collecting updates from weather server...")
	avg, err := collect(ctx, *connect, filter, *n)
	if err != nil {
		if ctx.Err() != nil {
			return // interrupted
		}
		log.Fatalf("wuclient: %v", err)
	}
	fmt.Printf("Average temperature for zipcode '%s' was %dF\n", filter, avg)
}

// collect receives n updates whose text starts with filter and returns their average
// temperature.
func collect(ctx context.Context, endpoint, filter string, n int) (int, error) {
	subscriber, err := socket.New(socket.Sub, socket.Options{})
	if err != nil {
		return 0, err
	}
	defer subscriber.Close()
	if err := subscriber.Connect(endpoint); err != nil {
		return 0, err
	}
	if err := subscriber.Subscribe([]byte(filter)); err != nil {
		return 0, err
	}
	total := 0
	for range n {
		m, err := subscriber.Recv(ctx)
		if err != nil {
			return 0, err
		}
		var zipcode, temperature, relhumidity int
		if len(m.Frames) == 0 {
			return 0, fmt.Errorf("empty update")
		}
		if _, err := fmt.Sscanf(string(m.Frames[0]), "%d %d %d", &zipcode, &temperature, &relhumidity); err != nil {
			return 0, fmt.Errorf("bad update %q: %v", m.Frames[0], err)
		}
		total += temperature
	}
	return total / n, nil
}
