package auth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// Start an authenticator with one PLAIN user, and ask it as a server socket
// does when a PLAIN client says hello.
func Example() {
	reg := inproc.NewRegistry() // the registry the application's sockets use
	a, err := auth.Start(auth.Options{
		Registry: reg,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})

	// What a server socket sends; a REQ adds the empty delimiter itself.
	req, err := socket.New(socket.Req, socket.Options{InprocRegistry: reg})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer req.Close()
	if err := req.Connect(auth.Endpoint); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, password := range []string{"secret", "guess"} {
		request := socket.NewMsgString("1.0", "1", "", "127.0.0.1", "", "PLAIN", "admin", password)
		if err := req.Send(ctx, request); err != nil {
			fmt.Println(err)
			return
		}
		reply, err := req.Recv(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		// version, request id, status code, status text, user id, metadata
		fmt.Printf("%s %q user id %q\n", reply.Frames[2], reply.Frames[3], reply.Frames[4])
	}
	// Output:
	// 200 "OK" user id "admin"
	// 400 "wrong password" user id ""
}

// A PLAIN server over tcp lets in the users the authenticator knows, and
// refuses the others.
func Example_plainServer() {
	reg := inproc.NewRegistry()
	a, err := auth.Start(auth.Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})

	server, _ := socket.New(socket.Pull, socket.Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}})
	defer server.Close()
	if err := server.Bind("tcp://127.0.0.1:*"); err != nil {
		fmt.Println(err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _ := socket.New(socket.Push, socket.Options{Mechanism: &wire.PlainClient{Username: []byte("admin"), Password: []byte("secret")}})
	defer client.Close()
	client.Connect(server.LastEndpoint())
	client.Send(ctx, socket.NewMsgString("hello"))
	m, err := server.Recv(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	user, _ := m.Properties().Get(wire.PropUserID)
	fmt.Printf("%s from %s\n", m.Frames[0], user)

	events := make(chan socket.Event, 16)
	intruder, _ := socket.New(socket.Push, socket.Options{Monitor: events, Linger: -1,
		Mechanism: &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")}})
	defer intruder.Close()
	intruder.Connect(server.LastEndpoint())
	for {
		select {
		case ev := <-events:
			if ev.Type == socket.EventHandshakeAuth {
				fmt.Println("intruder refused with status", ev.Code)
				return
			}
		case <-ctx.Done():
			fmt.Println("no refusal")
			return
		}
	}
	// Output:
	// hello from admin
	// intruder refused with status 400
}
