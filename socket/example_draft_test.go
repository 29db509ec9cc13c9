package socket_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/socket"
)

// A SERVER answers each CLIENT by the routing id its request came with.
func ExampleSocket_SendTo() {
	ctx := context.Background()
	server, err := socket.New(socket.Server, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer server.Close()
	if err := server.Bind("inproc://example-server"); err != nil {
		log.Fatal(err)
	}
	client, err := socket.New(socket.Client, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	if err := client.Connect("inproc://example-server"); err != nil {
		log.Fatal(err)
	}

	if err := client.Send(ctx, socket.NewMsgString("ping")); err != nil {
		log.Fatal(err)
	}
	m, id, err := server.RecvFrom(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := server.SendTo(ctx, id, socket.NewMsgString("pong to "+string(m.Frames[0]))); err != nil {
		log.Fatal(err)
	}
	reply, err := client.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(reply.Frames[0]))
	// Output: pong to ping
}

// A DISH receives the groups it joined, and only those.
func ExampleSocket_Join() {
	ctx := context.Background()
	radio, err := socket.New(socket.Radio, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer radio.Close()
	if err := radio.Bind("inproc://example-radio"); err != nil {
		log.Fatal(err)
	}
	dish, err := socket.New(socket.Dish, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dish.Close()
	if err := dish.Join("weather"); err != nil {
		log.Fatal(err)
	}
	// Over inproc the JOIN is there as soon as Connect returns; over tcp a RADIO
	// drops what it sends before the JOIN arrives, as PUB does before a subscription.
	if err := dish.Connect("inproc://example-radio"); err != nil {
		log.Fatal(err)
	}

	radio.SendGroup(ctx, "sports", socket.NewMsgString("goal"))
	radio.SendGroup(ctx, "weather", socket.NewMsgString("sunny"))
	m, group, err := dish.RecvGroup(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(group, string(m.Frames[0]))
	// Output: weather sunny
}

// ConnectPeer returns the routing id to reach the new peer by; the peer learns ours
// from our first message.
func ExampleSocket_ConnectPeer() {
	ctx := context.Background()
	a, err := socket.New(socket.Peer, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	if err := a.Bind("inproc://example-peer"); err != nil {
		log.Fatal(err)
	}
	b, err := socket.New(socket.Peer, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	toA, err := b.ConnectPeer("inproc://example-peer")
	if err != nil {
		log.Fatal(err)
	}

	if err := b.SendTo(ctx, toA, socket.NewMsgString("hello")); err != nil {
		log.Fatal(err)
	}
	m, toB, err := a.RecvFrom(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := a.SendTo(ctx, toB, socket.NewMsgString("hello back")); err != nil {
		log.Fatal(err)
	}
	reply, from, err := b.RecvFrom(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(m.Frames[0]), "/", string(reply.Frames[0]), "/", from == toA)
	// Output: hello / hello back / true
}
