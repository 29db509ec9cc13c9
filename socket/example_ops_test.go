package socket_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Bind with a wildcard port picks a free one; LastEndpoint tells which.
func ExampleSocket_LastEndpoint() {
	pull, err := socket.New(socket.Pull, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	ep := pull.LastEndpoint() // such as tcp://127.0.0.1:41234
	port := ep[strings.LastIndex(ep, ":")+1:]
	fmt.Println(strings.HasPrefix(ep, "tcp://127.0.0.1:"), port != "*" && port != "0")
	// Output: true true
}

// Shutdown closes a socket once everything queued has been written, or when its
// context ends, whichever comes first.
func ExampleSocket_Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pull, _ := socket.New(socket.Pull, socket.Options{})
	defer pull.Close()
	pull.Bind("tcp://127.0.0.1:*")

	push, _ := socket.New(socket.Push, socket.Options{})
	push.Connect(pull.LastEndpoint())
	for _, w := range []string{"one", "two", "three"} {
		push.Send(ctx, socket.NewMsgString(w))
	}
	if err := push.Shutdown(ctx); err != nil {
		log.Fatal("not everything was written: ", err)
	}
	for range 3 {
		m, _ := pull.Recv(ctx)
		fmt.Println(string(m.Frames[0]))
	}
	// Output:
	// one
	// two
	// three
}

// WhenFull chooses what Send does when the peer's queue is full: here it fails at once
// instead of blocking. An inproc queue holds the sender's SendHWM plus the receiver's
// RecvHWM.
func ExampleOptions_whenFull() {
	ctx := context.Background()
	pull, _ := socket.New(socket.Pull, socket.Options{RecvHWM: 1})
	defer pull.Close()
	pull.Bind("inproc://example-full")

	push, _ := socket.New(socket.Push, socket.Options{SendHWM: 1, WhenFull: socket.PolicyFail})
	defer push.Close()
	push.Connect("inproc://example-full")
	queued := 0
	for {
		err := push.Send(ctx, socket.NewMsgString("job"))
		if err != nil {
			fmt.Printf("queued %d, then: %v\n", queued, err)
			break
		}
		queued++
	}
	// Output: queued 2, then: socket: peer queue full
}

// Monitor receives a socket's connection events on a channel.
func ExampleOptions_monitor() {
	events := make(chan socket.Event, 16)
	pull, _ := socket.New(socket.Pull, socket.Options{Monitor: events})
	defer pull.Close()
	pull.Bind("tcp://127.0.0.1:*")

	push, _ := socket.New(socket.Push, socket.Options{})
	defer push.Close()
	push.Connect(pull.LastEndpoint())
	for e := range events {
		fmt.Println(e.Type)
		if e.Type == socket.EventHandshakeSucceeded {
			break
		}
	}
	// Output:
	// LISTENING
	// ACCEPTED
	// HANDSHAKE_SUCCEEDED
}

// A ROUTER learns each peer's routing id from the first frame of what it receives, and
// addresses replies with it.
func Example_router() {
	ctx := context.Background()
	router, _ := socket.New(socket.Router, socket.Options{})
	defer router.Close()
	router.Bind("inproc://example-router")

	worker, _ := socket.New(socket.Dealer, socket.Options{RoutingID: []byte("worker-1")})
	defer worker.Close()
	worker.Connect("inproc://example-router")
	worker.Send(ctx, socket.NewMsgString("ready"))

	m, _ := router.Recv(ctx)
	fmt.Printf("%s says %s\n", m.Frames[0], m.Frames[1])
	router.Send(ctx, socket.NewMsg(m.Frames[0], []byte("here is a job")))
	job, _ := worker.Recv(ctx)
	fmt.Println(string(job.Frames[0]))
	// Output:
	// worker-1 says ready
	// here is a job
}

// A STREAM socket talks to peers that speak no ZMTP: here a plain TCP client.
func Example_stream() {
	ctx := context.Background()
	srv, _ := socket.New(socket.Stream, socket.Options{})
	defer srv.Close()
	srv.Bind("tcp://127.0.0.1:*")

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.LastEndpoint(), "tcp://"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping"))

	hello, _ := srv.Recv(ctx) // [id, ""]: a new connection
	fmt.Printf("connected: %d-byte id, %d data bytes\n", len(hello.Frames[0]), len(hello.Frames[1]))
	m, _ := srv.Recv(ctx) // [id, "ping"]; bytes may arrive in any number of pieces
	fmt.Printf("received %q\n", m.Frames[1])
	srv.Send(ctx, socket.NewMsg(m.Frames[0], []byte("pong")))
	srv.Send(ctx, socket.NewMsg(m.Frames[0], nil)) // an empty frame closes the connection

	reply, _ := io.ReadAll(conn)
	fmt.Printf("client read %q\n", reply)
	// Output:
	// connected: 5-byte id, 0 data bytes
	// received "ping"
	// client read "pong"
}
