package socket_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/socket"
)

// With Conflate a sender keeps only its newest message for a peer that is not
// there yet: a late reader gets the latest reading, not a backlog.
func ExampleOptions_conflate() {
	ctx := context.Background()
	sensor, err := socket.New(socket.Push, socket.Options{Conflate: true})
	if err != nil {
		log.Fatal(err)
	}
	defer sensor.Close()
	// Connecting before anyone binds is fine; messages wait in the queue.
	if err := sensor.Connect("inproc://example-sensor"); err != nil {
		log.Fatal(err)
	}
	for t := 20; t <= 24; t++ {
		// Never blocks: each reading replaces the one before.
		if err := sensor.Send(ctx, socket.NewMsgString(fmt.Sprintf("%d °C", t))); err != nil {
			log.Fatal(err)
		}
	}

	display, err := socket.New(socket.Pull, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer display.Close()
	if err := display.Bind("inproc://example-sensor"); err != nil {
		log.Fatal(err)
	}
	m, err := display.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("latest:", string(m.Frames[0]))
	fmt.Println("replaced:", sensor.Stats().Drops.Conflated)
	// Output:
	// latest: 24 °C
	// replaced: 4
}

// A receiver with Conflate reads only the newest of the messages that arrived since
// its last read.
func ExampleOptions_conflateReceiver() {
	ctx := context.Background()
	display, err := socket.New(socket.Pull, socket.Options{Conflate: true})
	if err != nil {
		log.Fatal(err)
	}
	defer display.Close()
	if err := display.Bind("inproc://example-display"); err != nil {
		log.Fatal(err)
	}
	sensor, err := socket.New(socket.Push, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sensor.Close()
	if err := sensor.Connect("inproc://example-display"); err != nil {
		log.Fatal(err)
	}
	for t := 20; t <= 24; t++ {
		if err := sensor.Send(ctx, socket.NewMsgString(fmt.Sprintf("%d °C", t))); err != nil {
			log.Fatal(err)
		}
	}
	m, err := display.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("latest:", string(m.Frames[0]))
	// Output:
	// latest: 24 °C
}
