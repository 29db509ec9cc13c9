// Package transport holds the contracts between ZeroMQ sockets and the
// transports that carry their messages, and the pieces every stream transport
// shares.
//
// A transport moves whole ZeroMQ messages between two peers. The byte-stream
// transports, [tcp] and [ipc], carry ZMTP: they implement [StreamTransport],
// which hands out plain [net.Conn] values, and [Handshake] turns such a
// connection into a message-level [Conn] by running the ZMTP greeting and
// security handshake from package wire. The inproc transport moves messages
// by reference and needs no encoding.
//
// # Endpoints
//
// An endpoint is a string "scheme://address", as in libzmq:
//
//	tcp://127.0.0.1:5555   tcp://*:*   tcp://[::1]:5555   tcp://lo:5555
//	ipc:///tmp/feed        ipc://@abstract-name            ipc://*
//	inproc://name
//
// [ParseEndpoint] splits an endpoint into its scheme and address and rejects
// unknown schemes; the transport named by the scheme validates the address.
// Listening on a wildcard (tcp port "*", "ipc://*") binds a fresh address;
// [Listener.Endpoint] reports the resolved endpoint, which can be dialled as
// is (for a tcp "*" host, dial a concrete address instead).
//
// # Using a stream transport
//
//	ln, err := tcp.Transport{}.Listen(ctx, "127.0.0.1:*", transport.Options{})
//	if err != nil { ... }
//	defer ln.Close()
//	fmt.Println(ln.Endpoint()) // tcp://127.0.0.1:43121
//	nc, err := ln.Accept()
//	if err != nil { ... }
//	c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Router}, 30*time.Second)
//	if err != nil { ... }
//	var m wire.Msg
//	err = c.ReadMsg(&m, nil)
//
// # Goroutines
//
// Nothing in this package or its stream transports starts a goroutine. The
// caller (package socket) owns the accept loops and the per-connection reader
// and writer.
//
// # Errors
//
// A malformed endpoint gives an [*EndpointError] that matches
// [ErrBadEndpoint] (or [ErrUnknownTransport] for an unknown scheme) under
// [errors.Is]. Accept on a closed [Listener] returns an error matching
// [net.ErrClosed]. Network failures are the [*net.OpError] values package net
// returns, unchanged.
//
// [tcp]: https://pkg.go.dev/github.com/brokerless/zmq/transport/tcp
// [ipc]: https://pkg.go.dev/github.com/brokerless/zmq/transport/ipc
package transport
