package socket_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/socket"
)

// A request-reply pair over WebSocket: the REP serves ZWS 2.0 at a path of a free
// loopback port, which libzmq's ws endpoints and browsers can reach too.
func Example_webSocket() {
	ctx := context.Background()
	rep, err := socket.New(socket.Rep, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rep.Close()
	if err := rep.Bind("ws://127.0.0.1:*/echo"); err != nil {
		log.Fatal(err)
	}

	req, err := socket.New(socket.Req, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer req.Close()
	if err := req.Connect(rep.LastEndpoint()); err != nil {
		log.Fatal(err)
	}

	if err := req.Send(ctx, socket.NewMsgString("Hello")); err != nil {
		log.Fatal(err)
	}
	m, err := rep.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := rep.Send(ctx, socket.NewMsgString(string(m.Frames[0])+", over WebSocket")); err != nil {
		log.Fatal(err)
	}
	reply, err := req.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(reply.Frames[0]))
	// Output: Hello, over WebSocket
}
