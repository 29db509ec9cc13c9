// Command mdclient is a Majordomo 0.1 client (RFC 7): it sends each line of its
// standard input as a one-frame request to a service, and prints each reply on a
// line of its own (the frames of a multipart reply separated by spaces).
//
//	printf 'hello\nworld\n' | mdclient --connect tcp://localhost:5555 --service echo
//
// Each request is tried three times, 2.5 s each, on a fresh socket every time; a
// request that gets no reply stops the program with an error (exit status 1). A
// service name starting "mmi." asks the broker itself: with "mmi.service" each line
// is a service name and the reply "200" (it has workers) or "404" (it has none).
package main

import (
	"bufio"
	"bytes"
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
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		log.Fatalf("mdclient: %v", err)
	}
}

// run parses args as the command line and sends the lines of in until it ends.
func run(ctx context.Context, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("mdclient", flag.ContinueOnError)
	connect := fs.String("connect", "tcp://localhost:5555", "the broker's endpoint")
	service := fs.String("service", "echo", "the service to ask")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c, err := mdp.NewClient(*connect, mdp.ClientOptions{})
	if err != nil {
		return err
	}
	defer c.Close()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for n := 1; sc.Scan(); n++ {
		reply, err := c.Request(ctx, *service, bytes.Clone(sc.Bytes()))
		if err != nil {
			return fmt.Errorf("request %d: %w", n, err)
		}
		w.Write(bytes.Join(reply, []byte(" ")))
		w.WriteByte('\n')
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}
