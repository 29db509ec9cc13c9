package device_test

import (
	"context"
	"fmt"

	"github.com/brokerless/zmq/device"
	"github.com/brokerless/zmq/socket"
)

// A request-reply broker: clients connect to the queue's ROUTER frontend, workers to
// its DEALER backend.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	frontend, _ := socket.New(socket.Router, socket.Options{})
	defer frontend.Close()
	frontend.Bind("inproc://example-clients")
	backend, _ := socket.New(socket.Dealer, socket.Options{})
	defer backend.Close()
	backend.Bind("inproc://example-workers")

	done := make(chan error, 1)
	go func() { done <- device.Queue(ctx, frontend, backend) }()

	worker, _ := socket.New(socket.Rep, socket.Options{})
	defer worker.Close()
	worker.Connect("inproc://example-workers")
	go func() {
		req, err := worker.Recv(ctx)
		if err == nil {
			worker.Send(ctx, socket.NewMsgString(string(req.Frames[0])+", World"))
		}
	}()

	client, _ := socket.New(socket.Req, socket.Options{})
	defer client.Close()
	client.Connect("inproc://example-clients")
	client.Send(ctx, socket.NewMsgString("Hello"))
	reply, _ := client.Recv(ctx)
	fmt.Println(string(reply.Frames[0]))

	cancel()
	fmt.Println(<-done)
	// Output:
	// Hello, World
	// context canceled
}

// Steering a streamer from Go: pause it, resume it and read its counters.
func ExampleDevice_Stats() {
	ctx := context.Background()
	frontend, _ := socket.New(socket.Pull, socket.Options{})
	defer frontend.Close()
	frontend.Bind("inproc://example-stats-in")
	backend, _ := socket.New(socket.Push, socket.Options{})
	defer backend.Close()
	backend.Bind("inproc://example-stats-out")
	producer, _ := socket.New(socket.Push, socket.Options{})
	defer producer.Close()
	producer.Connect("inproc://example-stats-in")
	consumer, _ := socket.New(socket.Pull, socket.Options{})
	defer consumer.Close()
	consumer.Connect("inproc://example-stats-out")

	d, _ := device.NewStreamer(frontend, backend)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	d.Pause()
	producer.Send(ctx, socket.NewMsgString("job", "42"))
	d.Resume()
	m, _ := consumer.Recv(ctx)
	fmt.Printf("%s %s\n", m.Frames[0], m.Frames[1])
	st := d.Stats()
	fmt.Printf("frontend in: %d msgs, %d bytes\n", st.Frontend.MsgsIn, st.Frontend.BytesIn)
	fmt.Printf("backend out: %d msgs, %d bytes\n", st.Backend.MsgsOut, st.Backend.BytesOut)

	d.Terminate()
	fmt.Println(<-done)
	// Output:
	// job 42
	// frontend in: 2 msgs, 5 bytes
	// backend out: 2 msgs, 5 bytes
	// <nil>
}
