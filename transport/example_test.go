package transport_test

import (
	"errors"
	"fmt"

	"github.com/brokerless/zmq/transport"
)

func ExampleParseEndpoint() {
	ep, err := transport.ParseEndpoint("tcp://127.0.0.1:5555")
	if err != nil {
		panic(err)
	}
	fmt.Println(ep.Scheme, ep.Addr)

	_, err = transport.ParseEndpoint("udpx://x")
	fmt.Println(err)
	fmt.Println(errors.Is(err, transport.ErrUnknownTransport))
	// Output:
	// tcp 127.0.0.1:5555
	// transport: unknown transport "udpx" in "udpx://x"
	// true
}
