package socket_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

// A CURVE server that knows its clients by their public keys, and a client that knows
// the server's: everything between them is encrypted, and the server reads who sent
// each message from its User-Id property.
func ExampleOptions_curve() {
	ctx := context.Background()
	serverCert, err := cert.New()
	if err != nil {
		log.Fatal(err)
	}
	clientCert, err := cert.New()
	if err != nil {
		log.Fatal(err)
	}

	rep, err := socket.New(socket.Rep, socket.Options{Mechanism: &wire.CurveServer{
		PublicKey: serverCert.Public,
		SecretKey: serverCert.Secret,
		Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			if !bytes.Equal(c.PublicKey, clientCert.Public[:]) {
				return wire.AuthReply{}, &wire.AuthError{Status: "400", Text: "unknown client"}
			}
			return wire.AuthReply{UserID: "alice"}, nil
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer rep.Close()
	if err := rep.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}

	req, err := socket.New(socket.Req, socket.Options{Mechanism: &wire.CurveClient{
		PublicKey: clientCert.Public,
		SecretKey: clientCert.Secret,
		ServerKey: serverCert.Public,
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer req.Close()
	if err := req.Connect(rep.LastEndpoint()); err != nil {
		log.Fatal(err)
	}

	if err := req.Send(ctx, socket.NewMsgString("hello")); err != nil {
		log.Fatal(err)
	}
	m, err := rep.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	user, _ := m.Properties().Get("User-Id")
	fmt.Printf("%s from %s\n", m.Frames[0], user)
	// Output: hello from alice
}
