package socket_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/brokerless/zmq/socket"
)

// A RADIO sends to a DISH over udp://: each message is one datagram, with its group.
// Nothing tells the RADIO which groups the DISH joined, so it sends every group, and
// the DISH keeps those it joined.
func Example_radioDishUDP() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dish, err := socket.New(socket.Dish, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer dish.Close()
	if err := dish.Bind("udp://127.0.0.1:*"); err != nil { // a DISH binds udp
		log.Fatal(err)
	}
	if err := dish.Join("weather"); err != nil {
		log.Fatal(err)
	}

	radio, err := socket.New(socket.Radio, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer radio.Close()
	if err := radio.Connect(dish.LastEndpoint()); err != nil { // a RADIO connects
		log.Fatal(err)
	}
	for _, g := range []string{"sports", "weather"} {
		if err := radio.SendGroup(ctx, g, socket.NewMsgString("news of "+g)); err != nil {
			log.Fatal(err)
		}
	}

	m, group, err := dish.RecvGroup(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s\n", group, m.Frames[0])
	// Output:
	// weather: news of weather
}
