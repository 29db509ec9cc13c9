package auth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
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
