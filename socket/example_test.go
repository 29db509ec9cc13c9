package socket_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/socket"
)

// A request-reply pair over inproc.
func Example() {
	ctx := context.Background()
	rep, err := socket.New(socket.Rep, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer rep.Close()
	if err := rep.Bind("inproc://example-hello"); err != nil {
		log.Fatal(err)
	}

	req, err := socket.New(socket.Req, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer req.Close()
	if err := req.Connect("inproc://example-hello"); err != nil {
		log.Fatal(err)
	}

	go func() {
		m, err := rep.Recv(ctx)
		if err != nil {
			return
		}
		rep.Send(ctx, socket.NewMsgString("World, said to "+string(m.Frames[0])))
	}()

	if err := req.Send(ctx, socket.NewMsgString("Hello")); err != nil {
		log.Fatal(err)
	}
	reply, err := req.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(reply.Frames[0]))
	// Output: World, said to Hello
}

// A PUSH socket spreads messages over its PULL peers in turn.
func ExampleSocket_Send() {
	ctx := context.Background()
	push, _ := socket.New(socket.Push, socket.Options{})
	defer push.Close()
	push.Bind("inproc://example-tasks")

	pull, _ := socket.New(socket.Pull, socket.Options{})
	defer pull.Close()
	pull.Connect("inproc://example-tasks")

	for _, task := range []string{"a", "b", "c"} {
		push.Send(ctx, socket.NewMsgString("task", task))
	}
	for range 3 {
		m, _ := pull.Recv(ctx)
		fmt.Printf("%s %s\n", m.Frames[0], m.Frames[1])
	}
	// Output:
	// task a
	// task b
	// task c
}

// A subscriber receives only messages whose first frame starts with a subscribed prefix.
func ExampleSocket_Subscribe() {
	ctx := context.Background()
	pub, _ := socket.New(socket.Pub, socket.Options{})
	defer pub.Close()
	pub.Bind("inproc://example-weather")

	sub, _ := socket.New(socket.Sub, socket.Options{})
	defer sub.Close()
	sub.Connect("inproc://example-weather")
	sub.Subscribe([]byte("10001 "))

	// Over inproc the subscription reaches the publisher before its next Send, so no
	// message is lost to the slow-joiner effect here.
	pub.Send(ctx, socket.NewMsgString("90210 25"))
	pub.Send(ctx, socket.NewMsgString("10001 18"))
	m, _ := sub.Recv(ctx)
	fmt.Println(string(m.Frames[0]))
	// Output: 10001 18
}

// A ROUTER learns each peer's routing id from the first frame of what it receives.
func ExampleSocket_Recv() {
	ctx := context.Background()
	router, _ := socket.New(socket.Router, socket.Options{})
	defer router.Close()
	router.Bind("inproc://example-router")

	dealer, _ := socket.New(socket.Dealer, socket.Options{RoutingID: []byte("worker-1")})
	defer dealer.Close()
	dealer.Connect("inproc://example-router")
	dealer.Send(ctx, socket.NewMsgString("ready"))

	m, _ := router.Recv(ctx)
	fmt.Printf("%s says %s\n", m.Frames[0], m.Frames[1])
	router.Send(ctx, socket.NewMsg(m.Frames[0], []byte("work")))
	reply, _ := dealer.Recv(ctx)
	fmt.Println(string(reply.Frames[0]))
	// Output:
	// worker-1 says ready
	// work
}

// A receiver that is done with each message releases it, so the memory of the next
// messages is recycled instead of allocated: with a steady stream this makes receiving
// free of garbage.
func ExampleMsg_Release() {
	ctx := context.Background()
	pull, err := socket.New(socket.Pull, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	push, err := socket.New(socket.Push, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer push.Close()
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		log.Fatal(err)
	}
	for i := range 3 {
		body := make([]byte, 64<<10)
		body[0] = byte(i)
		if err := push.Send(ctx, socket.NewMsg(body)); err != nil {
			log.Fatal(err)
		}
	}

	total := 0
	for range 3 {
		m, err := pull.Recv(ctx)
		if err != nil {
			log.Fatal(err)
		}
		total += len(m.Frames[0]) // use the message...
		m.Release()               // ...then hand its memory back; m is empty now
	}
	fmt.Println(total, "bytes received")
	// Output: 196608 bytes received
}
