package mdp_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/socket"
)

// A broker, an echo worker and a client in one process, over tcp on the loopback.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	router, err := socket.New(socket.Router, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer router.Close()
	if err := router.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	endpoint := router.LastEndpoint()
	broker, err := mdp.NewBroker(router, mdp.BrokerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	brokerDone := make(chan error, 1)
	go func() { brokerDone <- broker.Run(ctx) }()

	upper := func(_ context.Context, req [][]byte) ([][]byte, error) {
		return [][]byte{bytes.ToUpper(req[0])}, nil
	}
	worker, err := mdp.NewWorker(endpoint, "upper", upper, mdp.WorkerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Run(ctx) }()

	client, err := mdp.NewClient(endpoint, mdp.ClientOptions{Timeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	reply, err := client.Request(ctx, "upper", []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply[0])

	// MMI: is there a worker for a service?
	for _, service := range []string{"upper", "lower"} {
		code, err := client.Request(ctx, mdp.MMIService, []byte(service))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s\n", service, code[0])
	}

	cancel()
	<-workerDone
	<-brokerDone
	// Output:
	// HELLO
	// upper: 200
	// lower: 404
}
