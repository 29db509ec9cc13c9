package pirate_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/brokerless/zmq/reliable/pirate"
	"github.com/brokerless/zmq/socket"
)

// A Lazy Pirate client retries a request its server loses, on a fresh socket each
// time, and gives up with ErrNoReply after its last attempt.
func ExampleClient() {
	ctx := context.Background()
	server, err := socket.New(socket.Router, socket.Options{Linger: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer server.Close()
	if err := server.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	// The server drops the first copy of each request and answers the second.
	serverDone := make(chan struct{})
	defer func() { server.Close(); <-serverDone }()
	go func() {
		defer close(serverDone)
		for n := 1; ; n++ {
			req, err := server.Recv(ctx)
			if err != nil {
				return
			}
			if n%2 == 0 {
				server.Send(ctx, socket.NewMsg(req.Frames[0], nil, []byte(fmt.Sprintf("copy %d", n))))
			}
		}
	}()

	client, err := pirate.NewClient(server.LastEndpoint(), pirate.ClientOptions{
		Timeout: 200 * time.Millisecond,
		Retries: 3,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	reply, err := client.Request(ctx, socket.NewMsgString("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply.Frames[0])
	// Output: copy 2
}

// A Paranoid Pirate queue with one worker, and a Lazy Pirate client.
func ExampleQueue() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frontend, _ := socket.New(socket.Router, socket.Options{})
	defer frontend.Close()
	backend, _ := socket.New(socket.Router, socket.Options{})
	defer backend.Close()
	if err := frontend.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	if err := backend.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	queue, err := pirate.NewQueue(frontend, backend, pirate.QueueOptions{})
	if err != nil {
		log.Fatal(err)
	}
	queueDone := make(chan error, 1)
	go func() { queueDone <- queue.Run(ctx) }()

	double := func(_ context.Context, req [][]byte) ([][]byte, error) {
		return [][]byte{req[0], req[0]}, nil
	}
	worker, err := pirate.NewWorker(backend.LastEndpoint(), double, pirate.WorkerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Run(ctx) }()

	client, err := pirate.NewClient(frontend.LastEndpoint(), pirate.ClientOptions{Timeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	reply, err := client.Request(ctx, socket.NewMsgString("ping"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply.Frames)

	cancel()
	fmt.Println(errors.Is(<-workerDone, context.Canceled), errors.Is(<-queueDone, context.Canceled))
	// Output:
	// [ping ping]
	// true true
}
