package socket_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/socket"
)

// A ROUTER reads who sent a message: the peer's socket type, routing id and
// application metadata travel with every message of the connection.
func ExampleProperties() {
	ctx := context.Background()
	router, err := socket.New(socket.Router, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer router.Close()
	if err := router.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}

	worker, err := socket.New(socket.Dealer, socket.Options{
		RoutingID: []byte("worker-7"),
		Metadata:  map[string]string{"X-Service": "prices"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer worker.Close()
	if err := worker.Connect(router.LastEndpoint()); err != nil {
		log.Fatal(err)
	}
	if err := worker.Send(ctx, socket.NewMsgString("ready")); err != nil {
		log.Fatal(err)
	}

	m, err := router.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	props := m.Properties()
	for _, name := range []string{"Socket-Type", "Identity", "X-Service", "Peer-Address"} {
		v, _ := props.Get(name)
		fmt.Printf("%s: %s\n", name, v)
	}
	// Output:
	// Socket-Type: DEALER
	// Identity: worker-7
	// X-Service: prices
	// Peer-Address: 127.0.0.1
}
