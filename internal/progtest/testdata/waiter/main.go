// Command waiter is progtest's own test program: it prints "ready", waits for SIGINT
// or SIGTERM, prints "stopped" and exits 0. With -fail it exits 1 at once instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	fail := flag.Bool("fail", false, "exit 1 at once")
	flag.Parse()
	if *fail {
		fmt.Fprintln(os.Stderr, "failing as asked")
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("stopped")
}
