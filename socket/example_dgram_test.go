package socket_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/brokerless/zmq/socket"
)

// Two DGRAM sockets exchange UDP datagrams on the loopback interface. Each message is
// an address and a body: the destination on Send, the sender on Recv, so a reply goes
// to the address that came with the request.
func Example_dgram() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open := func() (*socket.Socket, string) {
		s, err := socket.New(socket.Dgram, socket.Options{})
		if err != nil {
			log.Fatal(err)
		}
		if err := s.Bind("udp://127.0.0.1:*"); err != nil {
			log.Fatal(err)
		}
		return s, strings.TrimPrefix(s.LastEndpoint(), "udp://") // "127.0.0.1:PORT"
	}
	server, serverAddr := open()
	defer server.Close()
	client, clientAddr := open()
	defer client.Close()

	if err := client.Send(ctx, socket.NewMsgString(serverAddr, "ping")); err != nil {
		log.Fatal(err)
	}
	req, err := server.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("server got %q from the client: %v\n", req.Frames[1], string(req.Frames[0]) == clientAddr)
	if err := server.Send(ctx, socket.NewMsg(req.Frames[0], []byte("pong"))); err != nil {
		log.Fatal(err)
	}
	rep, err := client.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("client got %q\n", rep.Frames[1])
	// Output:
	// server got "ping" from the client: true
	// client got "pong"
}
