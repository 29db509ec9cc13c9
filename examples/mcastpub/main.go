// Command mcastpub is a weather update publisher over multicast (epgm://, PGM
// in UDP): a PUB socket that publishes "zipcode temperature relhumidity"
// updates, zip codes 10000 to 10099, to a multicast group. mcastsub is its
// subscriber.
//
// The endpoint must name the interface the group is joined on, by name or by
// one of its IPv4 addresses: epgm://IFACE;GROUP:PORT. Multicast sent through a
// real interface reaches every host on that network, so try it inside a
// private network namespace, where the only interface is a loopback nobody
// else sees (as root; --loop lets the subscriber on the same host hear it):
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
// Give both sides the same -rate (kbit/s, like libzmq's ZMQ_RATE): it paces
// the publisher and sizes both sides' repair windows with -recovery. libzmq
// peers interoperate (their ZMQ_MULTICAST_LOOP is off, so run them in another
// namespace joined by a veth pair). pgm:// (PGM over raw IP) needs root.
//
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
	"time"

	"github.com/brokerless/zmq/socket"
)

func main() {
	endpoint := flag.String("endpoint", "", `multicast endpoint, with its interface: "epgm://IFACE;GROUP:PORT" (required)`)
	rate := flag.Int64("rate", 1000, "multicast rate limit in kbit/s (libzmq's ZMQ_RATE)")
	recovery := flag.Duration("recovery", 10*time.Second, "how long sent data stays repairable (libzmq's ZMQ_RECOVERY_IVL)")
	loop := flag.Bool("loop", false, "let subscribers on this host hear the updates (multicast loopback)")
	n := flag.Int("n", 0, "number of updates to publish (0 for no limit)")
	interval := flag.Duration("interval", time.Millisecond, "pause between updates")
	flag.Parse()
	log.SetFlags(0)
	if *endpoint == "" {
		log.Fatal(`mcastpub: -endpoint is required, for example -endpoint "epgm://lo;239.192.1.1:5555" inside a network namespace`)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := socket.Options{MulticastRate: *rate, RecoveryInterval: *recovery, MulticastLoop: *loop}
	if err := publish(ctx, *endpoint, opts, *n, *interval); err != nil {
		log.Fatalf("mcastpub: %v", err)
	}
}

// publish sends n updates (0: until ctx ends) to endpoint, one every interval.
func publish(ctx context.Context, endpoint string, opts socket.Options, n int, interval time.Duration) error {
	opts.Linger = 5 * time.Second // let the last updates go out at the rate
	pub, err := socket.New(socket.Pub, opts)
	if err != nil {
		return err
	}
	defer pub.Close()
	if err := pub.Bind(endpoint); err != nil {
		return err
	}
	tick := time.NewTicker(max(interval, time.Microsecond))
	defer tick.Stop()
	for i := 0; n == 0 || i < n; i++ {
		select {
		case <-ctx.Done():
			return nil // interrupted
		case <-tick.C:
		}
		update := fmt.Sprintf("%05d %d %d", 10000+rand.IntN(100), rand.IntN(215)-80, rand.IntN(50)+10)
		// PUB never blocks: an update that does not fit in the queue is dropped.
		if err := pub.Send(ctx, socket.NewMsgString(update)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}
