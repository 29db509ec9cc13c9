// Command httpstream answers plain HTTP requests with a ZeroMQ STREAM socket: the socket
// hands it each TCP connection's bytes under a routing id, and it writes the reply back
// under the same id and closes the connection, as libzmq's ZMQ_STREAM examples do.
//
//	go run ./examples/httpstream --bind tcp://127.0.0.1:8080 &
//	curl http://127.0.0.1:8080/hello
//
// It is a demonstration of STREAM, not a web server: it reads a request up to its blank
// line, ignores any body, and answers every path with a short text.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/brokerless/zmq/socket"
)

// maxHeader bounds what a client may send before its blank line.
const maxHeader = 8 << 10

func main() {
	bind := flag.String("bind", "tcp://127.0.0.1:8080", "endpoint to serve HTTP on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bind, os.Stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "httpstream:", err)
		os.Exit(1)
	}
}

// run serves on endpoint until ctx ends, logging to log.
func run(ctx context.Context, endpoint string, log io.Writer) error {
	s, err := socket.New(socket.Stream, socket.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Bind(endpoint); err != nil {
		return err
	}
	fmt.Fprintln(log, "httpstream: listening on", s.LastEndpoint())

	pending := make(map[string][]byte) // bytes of unfinished requests, by routing id
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			return err
		}
		id, data := m.Frames[0], m.Frames[1]
		if len(data) == 0 { // a connection opened or closed
			delete(pending, string(id))
			continue
		}
		req := append(pending[string(id)], data...)
		end := bytes.Index(req, []byte("\r\n\r\n"))
		if end < 0 {
			if len(req) > maxHeader {
				delete(pending, string(id))
				if err := reply(ctx, s, id, "431 Request Header Fields Too Large", "request too large\n"); err != nil {
					return err
				}
				continue
			}
			pending[string(id)] = req
			continue
		}
		delete(pending, string(id))
		line, _, _ := bytes.Cut(req[:end], []byte("\r\n"))
		fmt.Fprintf(log, "httpstream: %s\n", line)
		body := fmt.Sprintf("Hello from a ZeroMQ STREAM socket. You asked: %s\n", line)
		if err := reply(ctx, s, id, "200 OK", body); err != nil {
			return err
		}
	}
}

// reply writes an HTTP/1.0 response to the connection id and closes it.
func reply(ctx context.Context, s *socket.Socket, id []byte, status, body string) error {
	resp := fmt.Sprintf("HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, len(body), body)
	if err := s.Send(ctx, socket.NewMsg(id, []byte(resp))); err != nil {
		return err
	}
	return s.Send(ctx, socket.NewMsg(id, nil)) // an empty frame closes the connection
}
