// Package socket provides ZeroMQ sockets: REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB,
// XSUB, PUSH, PULL and PAIR, speaking ZMTP 3.1 (and 3.0 with older peers) over tcp,
// ipc and inproc, and ZWS 2.0 over WebSocket (ws, wss), so they talk to libzmq 4.3 and everything built on it, PGM multicast
// for the publish-subscribe types, and STREAM for raw tcp and ipc peers.
//
//	func serve(ctx context.Context) error {
//		rep, err := socket.New(socket.Rep, socket.Options{})
//		if err != nil {
//			return err
//		}
//		defer rep.Close()
//		if err := rep.Bind("tcp://*:5555"); err != nil {
//			return err
//		}
//		for {
//			req, err := rep.Recv(ctx)
//			if err != nil {
//				return err
//			}
//			reply := append([]byte("World, "), req.Frames[0]...)
//			if err := rep.Send(ctx, socket.NewMsg(reply)); err != nil {
//				return err
//			}
//		}
//	}
//
// # Socket types
//
// Each type routes messages as its RFC says (28/REQREP, 29/PUBSUB, 30/PIPELINE,
// 31/EXPAIR):
//
//   - REQ sends a request to one peer in turn and must receive its reply before the next
//     request; REP receives requests fairly from all peers and replies to the sender.
//   - DEALER and ROUTER are their asynchronous forms. A ROUTER prefixes every received
//     message with the sender's routing id and routes what it sends by the first frame.
//   - PUB sends each message to every subscriber whose subscription is a prefix of its
//     first frame; SUB subscribes and receives. XPUB and XSUB expose the subscriptions as
//     messages ("\x01topic", "\x00topic"), for proxies.
//   - PUSH hands each message to one puller in turn; PULL receives fairly from pushers.
//   - PAIR connects exactly two sockets.
//   - STREAM talks to peers that speak no ZMTP at all (HTTP clients, telnet, devices):
//     each connection gets a routing id like a ROUTER's peer, its bytes arrive as they
//     come, and an empty message announces a connection opening or closing.
//
// The draft types of libzmq 4.3 carry single-frame messages (a multipart Send fails
// with ErrMultipart) and pair only with their partner type:
//
//   - SERVER gives each CLIENT a routing id (a uint32): RecvFrom returns it with each
//     message and SendTo answers by it. CLIENT sends round-robin and receives fairly
//     (RFC 41). PEER is a SERVER that also connects: ConnectPeer returns the new
//     peer's routing id (RFC 51).
//   - RADIO sends with SendGroup to every DISH that joined the group (Join, Leave;
//     exact match, at most MaxGroupLen bytes); DISH receives with RecvGroup (RFC 48).
//   - SCATTER and GATHER are PUSH and PULL (RFC 49); CHANNEL is a PAIR (RFC 52).
//
// # Endpoints
//
// Bind and Connect take libzmq's endpoint strings: "tcp://127.0.0.1:5555",
// "tcp://*:*" (any interface, any free port), "tcp://[::1]:5555", "ipc:///tmp/feed",
// "ipc://@abstract-name", "inproc://name". A socket may bind and connect to many
// endpoints at once. Connect is asynchronous and keeps reconnecting, with backoff,
// until Disconnect or Close; connecting before the peer binds works on every transport.
// Read a wildcard's resolved endpoint back with LastEndpoint.
//
// Every type but STREAM also takes WebSocket endpoints, "ws://127.0.0.1:5555/feed" and
// "wss://..." (ZWS 2.0 as libzmq 4.3.4 speaks it; see package transport/ws): a bound
// socket serves the upgrade over HTTP at that path, to libzmq peers and to browsers,
// which offer the bare ZWS2.0 subprotocol. Options.TLSConfig configures wss.
//
// PUB, XPUB, SUB and XSUB sockets also take multicast endpoints,
// "epgm://eth0;239.192.1.1:5555" (PGM over UDP) and "pgm://..." (PGM over raw IP), in
// libzmq's format; Bind and Connect both join the group, and subscribers filter locally.
//
// # Sending and receiving
//
// Send and Recv move whole messages (Msg): there is no MORE flag. Both take a
// context: they block while they must (no peer, a full queue under PolicyBlock,
// nothing to receive) and return ctx.Err() when it ends. A call whose context is already
// done still succeeds when it need not wait. Sockets are safe for concurrent use.
//
// Send takes ownership of the message's frames. Over inproc and in PUB fan-out the
// frames are shared with the receivers without copying, so they must not be modified
// after Send. A received message belongs to the caller; Msg.Release hands its memory
// back for later messages once the caller is done with it, which keeps a busy
// receiver free of garbage.
//
// # Waiting on several sockets
//
// Sockets are safe for concurrent use, so the simplest way to serve several is a
// goroutine per socket, each blocked in Recv, handing messages on through channels.
// That is the right choice when the sockets are independent: a SUB feeding a cache, a
// REP answering queries. Reach for a Poller instead when one loop must decide what to
// do from the state of several sockets at once, as every broker in the ZeroMQ guide
// does:
//
//	poller := socket.NewPoller()
//	poller.Add(backend, socket.PollIn)
//	for {
//		ready, err := poller.Wait(ctx)
//		...
//	}
//
// A Poller waits, with a context, until a Recv or Send on one of its sockets would not
// wait (PollIn, PollOut), like zmq_poll. The answer comes from the socket type's own
// routing logic, not from queue lengths: a REQ is readable only once its reply is in,
// a SUB only for a topic it subscribed to, a PUSH writable only when a peer has room.
// It also keeps the loop's logic in one goroutine: no channel hand-offs, and no state
// shared between goroutines. A broker can then poll its frontend only while a worker is
// free, which a goroutine blocked in Recv cannot express. Poller.Watch turns a Poller
// into a channel for a select statement.
//
// A Poller reports closed sockets (PollClosed) instead of waiting on them, starts no
// goroutines, and costs a socket nothing while nobody is waiting on it.
//
// # Flow control
//
// Every peer has an outgoing and an incoming queue bounded by SendHWM and RecvHWM
// (1000 messages by default). When a peer's queue is full, a socket blocks or drops as
// its RFC says; Options.WhenFull can choose instead to fail at once, drop the newest or
// drop the oldest message. Every drop is counted in Stats. A full incoming queue stops
// reading from the network, so TCP pushes back on the sender.
//
// # Security
//
// Options.Mechanism secures tcp, ipc and ws connections with PLAIN (a user name and
// password, in clear) or CURVE (keys, with every frame encrypted), both compatible
// with libzmq: wire.PlainServer or wire.CurveServer on one end, wire.PlainClient or
// wire.CurveClient on the other, whichever binds. A server's Authenticate function
// decides on each client, as a ZAP handler would, and the user id it returns is the
// "User-Id" property of that client's messages. Every connection handshakes with its
// own clone of the configured mechanism. See Options.Mechanism and ExampleOptions_curve.
//
// Without an Authenticate of its own, a server asks the ZAP handler (RFC 27) bound at
// ZAPEndpoint in its inproc registry, as libzmq 4.3 does: a PLAIN server always (and
// refuses everyone when no handler is bound), a CURVE server when a handler is bound,
// and NULL only with Options.ZAPDomain. The handler is any REP or ROUTER socket that
// answers the requests, or package auth's authenticator. Refusals and failures reach
// the monitor with libzmq's numbers in Event.Code: the ZAP status with
// EventHandshakeAuth, the ZMQ_PROTOCOL_ERROR_* code with EventHandshakeProtocol. See
// ExampleOptions_zap.
//
// # Ownership and Close
//
// A socket owns its goroutines: one accept loop per bound stream endpoint, one dial
// loop per connected one, and a reader per connection with a writer that, unless
// Options.HeartbeatInterval is set, runs only while there is something to write (or
// one mover per multicast group). An idle connection thus keeps one goroutine, whose
// stack the collector shrinks, and no buffers: a server holds many of them cheaply. Inside, every peer is a pipe (two bounded queues) with one link
// that carries it: a stream engine, an inproc connection, a multicast sender or
// receiver, or a raw STREAM connection. Close waits up to
// Options.Linger for queued messages to be written (and, over ipc, read by the peer),
// then stops them all and returns only when they have exited. Shutdown does the same with a context as the bound.
//
// # The message path
//
// A connection's reader goroutine decodes what arrives in batches and queues them on
// the pipe, where Recv takes them; Send queues on the pipe, and the writer goroutine
// (started by the Send that finds the queue empty, when it is not running already)
// writes whatever has queued up in one system call. Two shortcuts take the goroutine
// hand-offs out of the common cases, where a hand-off would cost more than the work:
//
//   - A REQ or REP writes a message it sends on the caller's goroutine when the
//     connection takes it at once, and wakes the writer only when it does not.
//   - A Recv that finds nothing queued, on a socket whose only peer is a tcp or ipc
//     connection, reads that connection itself while the reader goroutine is parked:
//     a round trip or a PULL that keeps up with its pusher then wakes one goroutine
//     per message, the one that wants it. The reader goes back to work when Recv
//     stops reading for a while (so that the pipe fills up to RecvHWM and the peer's
//     PINGs are answered as before), when a second peer or a Poller arrives, and for
//     ZMTP below 3.0 and messages larger than the read buffer.
//
// Which goroutine reads never changes what Recv returns, or in which order.
//
// # Errors
//
// Errors are sentinel values to test with errors.Is (ErrClosed, which also matches
// net.ErrClosed, ErrState, ErrNotSupported, ErrQueueFull, ErrHostUnreachable), and
// *OpError for failed Bind, Connect, Unbind and Disconnect calls. A peer that breaks the
// protocol loses its own connection, reported through Options.Monitor; it never
// affects the socket or its other peers.
package socket
