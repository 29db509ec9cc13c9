package udp_test

import (
	"fmt"

	"github.com/brokerless/zmq/transport/udp"
)

// The bytes of a RADIO/DISH datagram: the group's length, the group, the body.
func ExampleAppendGroupDatagram() {
	b, err := udp.AppendGroupDatagram(nil, []byte("weather"), []byte("sunny"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", b)
	group, body, err := udp.ParseGroupDatagram(b)
	fmt.Printf("%s %s %v\n", group, body, err)
	_, _, err = udp.ParseGroupDatagram(b[:5]) // cut inside the group
	fmt.Println(err)
	// Output:
	// "\aweathersunny"
	// weather sunny <nil>
	// udp: datagram shorter than its group length
}

// Endpoints: a unicast address to bind or send to, or a multicast group on a named
// interface.
func ExampleParseEndpoint() {
	for _, c := range []struct {
		addr string
		bind bool
	}{
		{"*:5555", true},
		{"127.0.0.1:5555", false},
		{"eth0;239.192.1.1:5555", true},
		{"239.192.1.1:5555", false},
	} {
		ep, err := udp.ParseEndpoint(c.addr, c.bind)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s multicast=%v\n", ep, ep.Multicast())
	}
	// Output:
	// 0.0.0.0:5555 multicast=false
	// 127.0.0.1:5555 multicast=false
	// eth0;239.192.1.1:5555 multicast=true
	// udp: multicast group 239.192.1.1 needs an interface: udp://IFACE;239.192.1.1:5555 in "udp://239.192.1.1:5555"
}
