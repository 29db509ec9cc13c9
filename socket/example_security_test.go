package socket_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
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

// A ZAP handler decides for a PLAIN server that has no Authenticate of its own: any
// REP socket bound at socket.ZAPEndpoint in the server's inproc registry will do (or
// package auth). Its reply names the user, who shows up as the User-Id property.
func ExampleOptions_zap() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := inproc.NewRegistry()

	handler, err := socket.New(socket.Rep, socket.Options{InprocRegistry: reg})
	if err != nil {
		log.Fatal(err)
	}
	if err := handler.Bind(socket.ZAPEndpoint); err != nil {
		log.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		for {
			// version, request id, domain, address, routing id, mechanism, credentials
			req, err := handler.Recv(ctx)
			if err != nil {
				return
			}
			status, user := "400", ""
			if len(req.Frames) == 8 && string(req.Frames[6]) == "alice" && string(req.Frames[7]) == "wonderland" {
				status, user = "200", "alice"
			}
			reply := socket.NewMsg(req.Frames[0], req.Frames[1], []byte(status), []byte("checked"), []byte(user), nil)
			if err := handler.Send(ctx, reply); err != nil {
				return
			}
		}
	}()
	defer func() { cancel(); <-served; handler.Close() }()

	pull, err := socket.New(socket.Pull, socket.Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, ZAPDomain: "example"})
	if err != nil {
		log.Fatal(err)
	}
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:*"); err != nil {
		log.Fatal(err)
	}
	push, err := socket.New(socket.Push, socket.Options{Mechanism: &wire.PlainClient{Username: []byte("alice"), Password: []byte("wonderland")}})
	if err != nil {
		log.Fatal(err)
	}
	defer push.Close()
	if err := push.Connect(pull.LastEndpoint()); err != nil {
		log.Fatal(err)
	}
	if err := push.Send(ctx, socket.NewMsgString("hello")); err != nil {
		log.Fatal(err)
	}
	m, err := pull.Recv(ctx)
	if err != nil {
		log.Fatal(err)
	}
	user, _ := m.Properties().Get("User-Id")
	fmt.Printf("%s from %s\n", m.Frames[0], user)
	// Output: hello from alice
}
