// Package device relays messages between two sockets: the general [Proxy] (libzmq's
// zmq_proxy and zmq_proxy_steerable) and the three classic devices built on it,
// [Queue] (ROUTER to DEALER, a shared request-reply broker), [Forwarder] (XSUB to XPUB,
// a pub-sub relay whose subscriptions travel upstream) and [Streamer] (PULL to PUSH, a
// pipeline relay). It uses only the public API of package socket.
//
//	frontend, _ := socket.New(socket.Router, socket.Options{})
//	frontend.Bind("tcp://*:5559") // clients connect here
//	backend, _ := socket.New(socket.Dealer, socket.Options{})
//	backend.Bind("tcp://*:5560") // workers connect here
//	err := device.Queue(ctx, frontend, backend) // until ctx ends or a socket closes
//
// # Forwarding
//
// A device moves whole multipart messages, frontend to backend and backend to
// frontend, with one goroutine per direction. A direction whose source cannot receive
// (a PUSH backend, a PUB backend) is not used; a message whose destination cannot send
// (an XPUB's subscription arriving for a SUB frontend) is received, counted and
// discarded. Message bodies are never copied: the frames received are the frames
// sent. A direction receives its next message only after the destination accepted the
// previous one, so a destination that blocks (a PUSH or DEALER at its high-water mark)
// slows the source down instead of losing messages, and the source's own queue and
// the transport push back on its peers in turn. Destinations that drop by design (PUB,
// XPUB, ROUTER) drop as their RFCs say, and count it in their socket.Stats.
//
// With [WithCapture], every message received from either side is first sent to the
// capture socket (PUB, PUSH, DEALER or PAIR are the usual types), sharing the frames:
// readers of the capture socket must not modify them. A capture Send that fails stops
// the device, as in libzmq.
//
// # Steering
//
// A [Device] is a proxy that can be paused, resumed, terminated and asked for its
// counters while it runs, from Go ([Device.Pause], [Device.Resume],
// [Device.Terminate], [Device.Stats]) or from any process through a control socket
// ([WithControl]) that takes libzmq's single-frame commands "PAUSE", "RESUME",
// "TERMINATE" and "STATISTICS". The semantics are libzmq master's: PAUSE pauses and
// RESUME resumes (libzmq 4.3.5 has them swapped), a REP control socket answers every
// command (STATISTICS with the counters, anything else with one empty frame, an
// unknown command included) and a PAIR control socket answers STATISTICS only. The
// STATISTICS reply is eight frames, each a uint64 in host byte order: frontend
// messages in, bytes in, messages out, bytes out, then the same for the backend, where
// every frame of a multipart message counts as one message. [ParseStats] decodes it.
//
// # Stopping
//
// Run, and the functions built on it, return when ctx ends (with ctx.Err()), when the
// device is terminated (with nil), or when a socket fails, for example because it was
// closed (with an error that wraps it, so errors.Is(err, socket.ErrClosed) reports a
// closed socket). Every goroutine a device starts has exited by then. A device never
// closes the sockets it is given.
package device
