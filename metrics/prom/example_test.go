package prom_test

import (
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/metrics/prom"
	"github.com/brokerless/zmq/socket"
	"github.com/prometheus/client_golang/prometheus"
)

// A publisher with no subscriber yet drops what it publishes: its metrics say so.
func ExampleCollector() {
	pub, err := socket.New(socket.Pub, socket.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()

	c := prom.NewCollector()
	if err := c.Add("updates", pub); err != nil {
		log.Fatal(err)
	}
	reg := prometheus.NewRegistry() // or prometheus.MustRegister(c), served by promhttp
	reg.MustRegister(c)

	for range 3 {
		if err := pub.Send(context.Background(), socket.NewMsgString("tick")); err != nil {
			log.Fatal(err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += fmt.Sprintf(" %s=%s", l.GetName(), l.GetValue())
			}
			switch f.GetName() {
			case "zmq_socket_messages_sent_total", "zmq_socket_bytes_sent_total", "zmq_socket_peers":
				fmt.Println(f.GetName(), labels, m.GetCounter().GetValue()+m.GetGauge().GetValue())
			case "zmq_socket_drops_total":
				if m.GetCounter().GetValue() > 0 {
					fmt.Println(f.GetName(), labels, m.GetCounter().GetValue())
				}
			}
		}
	}
	// Output:
	// zmq_socket_bytes_sent_total  socket=updates 12
	// zmq_socket_drops_total  reason=no_peers socket=updates 3
	// zmq_socket_messages_sent_total  socket=updates 3
	// zmq_socket_peers  socket=updates 0
}
