package titanic_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/brokerless/zmq/reliable/mdp"
	"github.com/brokerless/zmq/reliable/titanic"
	"github.com/brokerless/zmq/socket"
)

// A request handed to Titanic before its service exists is carried out when the
// service comes, and its reply waits for the client.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir, _ := os.MkdirTemp("", "titanic-example")
	defer os.RemoveAll(dir)

	// A broker, and Titanic on it.
	router, _ := socket.New(socket.Router, socket.Options{Linger: -1})
	defer router.Close()
	router.Bind("tcp://127.0.0.1:*")
	broker := router.LastEndpoint()
	b, _ := mdp.NewBroker(router, mdp.BrokerOptions{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 3)
	defer func() { stop(); <-done; <-done; <-done }()
	go func() { b.Run(runCtx); done <- struct{}{} }()
	store, err := titanic.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	ti, _ := titanic.New(broker, store, titanic.Options{RetryInterval: 100 * time.Millisecond})
	go func() { ti.Run(runCtx); done <- struct{}{} }()

	client, _ := titanic.NewClient(broker, mdp.ClientOptions{})
	defer client.Close()
	id, err := client.Request(ctx, "greeter", []byte("Titanic"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Reply(ctx, id); err == titanic.ErrPending {
		fmt.Println("stored; no greeter yet")
	}

	// The service comes up later.
	w, _ := mdp.NewWorker(broker, "greeter", func(_ context.Context, req [][]byte) ([][]byte, error) {
		return [][]byte{append([]byte("Hello, "), req[0]...)}, nil
	}, mdp.WorkerOptions{})
	go func() { w.Run(runCtx); done <- struct{}{} }()

	for {
		reply, err := client.Reply(ctx, id)
		if err == nil {
			fmt.Println(string(reply[0]))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	client.CloseRequest(ctx, id)
	// Output:
	// stored; no greeter yet
	// Hello, Titanic
}
