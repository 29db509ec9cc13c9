// Command clonecli is a Clone client (RFC 12, the guide's clonecli5): it fetches a
// snapshot of a Clone server's map (examples/clonesrv, or the guide's clonesrv5 in
// any language), follows the numbered updates, and sends updates of its own. After a
// lost connection or a server restart it fetches a new snapshot, so what it shows
// stays the server's state.
//
//	go run ./examples/clonecli -set /client/color=blue -dump   # set, print the state, exit
//	go run ./examples/clonecli                                 # print updates as they come
//	go run ./examples/clonecli -random 1s                      # also set random keys, like clonecli5
//
// Flags (the endpoints are the server's sockets, as clonesrv names them):
//
//	-snapshot EP    the server's snapshot ROUTER (default tcp://localhost:5556)
//	-publisher EP   the server's update PUB (default tcp://localhost:5557)
//	-collector EP   the server's update PULL (default tcp://localhost:5558)
//	-subtree S      follow only the keys starting with S (default /client/)
//	-set KEY=VALUE  send this update (repeatable); an empty VALUE deletes KEY
//	-ttl D          ask the server to delete what -set and -random set after D
//	-random D       every D, set a random key under the subtree (as clonecli5 does, with TTL 30s unless -ttl)
//	-dump           after the snapshot and the -set updates, print the state and exit
//	-count N        exit after printing N updates (0: run until interrupted)
//	-wait D         how long to wait for the server (default 10s)
//
// Following, it prints one line per change: "SEQ KEY=VALUE", or "SEQ KEY deleted".
// The snapshot comes first, as changes, each with the sequence number its key was
// last set at; after a resync, a key the new snapshot lacks is printed deleted with
// that snapshot's sequence. -dump prints "KEY=VALUE" lines, sorted, then
// "sequence SEQ".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/brokerless/zmq/reliable/clone"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && ctx.Err() == nil {
		log.Fatalf("clonecli: %v", err)
	}
}

type sets []string

func (s *sets) String() string     { return strings.Join(*s, ",") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("clonecli", flag.ContinueOnError)
	var o clone.ClientOptions
	var toSet sets
	fs.StringVar(&o.Snapshot, "snapshot", "tcp://localhost:5556", "the server's snapshot ROUTER")
	fs.StringVar(&o.Publisher, "publisher", "tcp://localhost:5557", "the server's update PUB")
	fs.StringVar(&o.Collector, "collector", "tcp://localhost:5558", "the server's update PULL")
	fs.StringVar(&o.Subtree, "subtree", "/client/", "follow only the keys starting with this")
	fs.Var(&toSet, "set", "KEY=VALUE to send (repeatable); an empty VALUE deletes KEY")
	ttl := fs.Duration("ttl", 0, "ask the server to delete what this client sets after this long")
	random := fs.Duration("random", 0, "every this long, set a random key under the subtree")
	dump := fs.Bool("dump", false, "print the state after the snapshot and the -set updates, and exit")
	count := fs.Int("count", 0, "exit after printing this many updates (0: until interrupted)")
	wait := fs.Duration("wait", 10*time.Second, "how long to wait for the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := map[string]string{}
	for _, kv := range toSet {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("-set %q: want KEY=VALUE", kv)
		}
		want[k] = v
	}

	printed := make(chan struct{}, 1)
	n := 0
	if !*dump {
		o.OnUpdate = func(kv clone.KV) { // runs on the client's goroutine, in order
			if len(kv.Value) == 0 {
				fmt.Fprintf(out, "%d %s deleted\n", kv.Seq, kv.Key)
			} else {
				fmt.Fprintf(out, "%d %s=%s\n", kv.Seq, kv.Key, kv.Value)
			}
			if n++; *count > 0 && n == *count {
				close(printed)
			}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	c, err := clone.NewClient(wctx, o)
	if err != nil {
		return err
	}
	defer c.Close()

	for _, k := range slices.Sorted(maps.Keys(want)) {
		if err := c.Set(wctx, k, []byte(want[k]), *ttl); err != nil {
			return err
		}
	}
	if err := waitFor(wctx, func() bool { return shows(c, want, o.Subtree) }); err != nil {
		return fmt.Errorf("the server did not confirm the updates: %w", err)
	}
	if *dump {
		state := c.State()
		for _, k := range slices.Sorted(maps.Keys(state)) {
			fmt.Fprintf(out, "%s=%s\n", k, state[k])
		}
		fmt.Fprintf(out, "sequence %d\n", c.Sequence())
		return nil
	}

	var tick <-chan time.Time
	if *random > 0 {
		t := time.NewTicker(*random)
		defer t.Stop()
		tick = t.C
		if *ttl == 0 {
			*ttl = 30 * time.Second
		}
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-printed:
			return nil
		case <-tick:
			key := fmt.Sprintf("%s%d", o.Subtree, rand.IntN(10000))
			if err := c.Set(ctx, key, fmt.Appendf(nil, "%d", rand.IntN(1000000)), *ttl); err != nil {
				return err
			}
		}
	}
}

// shows reports whether the replica holds the updates in want that fall under the
// subtree (the others never come back to this client).
func shows(c *clone.Client, want map[string]string, subtree string) bool {
	for k, v := range want {
		if !strings.HasPrefix(k, subtree) {
			continue
		}
		got, ok := c.Get(k)
		if (v == "" && ok) || (v != "" && string(got) != v) {
			return false
		}
	}
	return true
}

func waitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
