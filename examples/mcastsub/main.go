// Command mcastsub is the subscriber for mcastpub: a SUB socket that joins a
// multicast group (epgm://, PGM in UDP), keeps the weather updates for one zip
// code prefix and prints their average temperature.
//
// The endpoint must name the interface to join the group on, by name or by
// one of its IPv4 addresses: epgm://IFACE;GROUP:PORT. Try it inside a private
// network namespace, where the only interface is a loopback nobody else sees
// (as root; -loop on the publisher lets this host hear it):
//
//	sudo unshare -n sh -c '
//	  ip link set lo up; ip route add 224.0.0.0/4 dev lo
//	  go run ./examples/mcastsub -endpoint "epgm://lo;239.192.1.1:5555" -loop -zip "10001 " &
//	  go run ./examples/mcastpub -endpoint "epgm://lo;239.192.1.1:5555" -loop -n 5000
//	  wait'
//
// On lo the packets come back in through lo itself, so the subscriber hears
// them even without -loop; -loop matters when publisher and subscriber share
// a host and a real interface (a veth end, say).
//
// A subscriber joins at the first message that starts after it has joined;
// nothing older is replayed. Lost packets are repaired from the publisher
// while they are within its -recovery interval; what cannot be repaired is
// reported, and the subscriber carries on from the next whole update. Give
// it the same -rate and -recovery as the publisher: they size its window.
//
// Interrupt (SIGINT or SIGTERM) stops it with status 0: it prints the average of the
// updates it has, or nothing before the first. When -timeout passes without any
// update it exits with status 1.
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
	"strings"
	"syscall"
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	endpoint := flag.String("endpoint", "", `multicast endpoint, with its interface: "epgm://IFACE;GROUP:PORT" (required)`)
	rate := flag.Int64("rate", 1000, "the publisher's rate in kbit/s (sizes the receive window)")
	recovery := flag.Duration("recovery", 10*time.Second, "the publisher's recovery interval")
	loop := flag.Bool("loop", false, "multicast loopback for what this socket sends upstream (use with a publisher on this host)")
	zip := flag.String("zip", "10001 ", `zip code prefix to subscribe to ("" for every update)`)
	n := flag.Int("n", 10, "number of updates to average")
	timeout := flag.Duration("timeout", 30*time.Second, "give up when no update arrives for this long (0: wait forever)")
	flag.Parse()
	log.SetFlags(0)
	if *endpoint == "" {
		log.Fatal(`mcastsub: -endpoint is required, for example -endpoint "epgm://lo;239.192.1.1:5555" inside a network namespace`)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := socket.Options{MulticastRate: *rate, RecoveryInterval: *recovery, MulticastLoop: *loop}
	avg, got, err := subscribe(ctx, *endpoint, opts, *zip, *n, *timeout, os.Stderr)
	if err != nil {
		log.Fatalf("mcastsub: %v", err)
	}
	if got == 0 {
		return // interrupted before the first update: nothing to average
	}
	fmt.Printf("Average temperature for zipcode %q was %dF over %d updates\n", strings.TrimSpace(*zip), avg, got)
}

// subscribe receives n updates starting with zip from endpoint and returns
// their average temperature and how many it got (fewer when ctx ends first; none,
// and no error, when ctx ends before the first).
// Unrepaired multicast loss is reported on logw.
func subscribe(ctx context.Context, endpoint string, opts socket.Options, zip string, n int,
	timeout time.Duration, logw io.Writer) (avg, got int, err error) {
	events := make(chan socket.Event, 16)
	opts.Monitor = events
	sub, err := socket.New(socket.Sub, opts)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		sub.Close()
		close(events) // the socket no longer reports
	}()
	if err := sub.Subscribe([]byte(zip)); err != nil {
		return 0, 0, err
	}
	if err := sub.Connect(endpoint); err != nil {
		return 0, 0, err
	}
	go func() {
		for e := range events {
			if e.Type == socket.EventMulticastLoss {
				fmt.Fprintf(logw, "mcastsub: %v\n", e)
			}
		}
	}()
	total := 0
	for got < n {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if timeout > 0 {
			rctx, cancel = context.WithTimeout(ctx, timeout)
		}
		m, err := sub.Recv(rctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
				break // interrupted, or the publisher went quiet
			}
			return 0, got, err
		}
		var zipcode string
		var temperature, relhumidity int
		if _, err := fmt.Sscanf(string(m.Frames[0]), "%s %d %d", &zipcode, &temperature, &relhumidity); err != nil {
			return 0, got, fmt.Errorf("bad update %q: %v", m.Frames[0], err)
		}
		total += temperature
		got++
	}
	if got == 0 {
		if ctx.Err() != nil {
			return 0, 0, nil // interrupted: a clean stop, not a failure
		}
		return 0, 0, errors.New("no update received")
	}
	return total / got, got, nil
}
