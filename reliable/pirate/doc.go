// Package pirate implements the ZeroMQ guide's Pirate patterns for reliable
// request-reply: the Lazy Pirate client ([Client]) and the Paranoid Pirate queue
// ([Queue]) and worker ([Worker]) of RFC 6 (PPP). They are built on the public API of
// package socket and speak the guide's messages, so they work with the guide's
// lpclient, ppqueue and ppworker in any language.
//
// # Lazy Pirate
//
// A [Client] sends a request on a REQ socket and waits up to a timeout for the reply.
// On a timeout it closes the socket, opens a new one and sends the request again, up
// to a number of attempts, then reports [ErrNoReply]. It works against any REP
// server, a queue, or a Majordomo broker (package mdp builds on it).
//
// Guaranteed: each Request returns exactly once, with the reply to this request (a
// late reply to an abandoned attempt dies with the abandoned socket) or with an error.
// Not guaranteed: that the server carried the request out once. A server that was
// slow, or whose reply was lost, may have carried out every attempt. Retried requests
// must be idempotent, or the server must deduplicate them.
//
// # Paranoid Pirate
//
// A [Queue] sits between clients (REQ or Lazy Pirate, on its ROUTER frontend) and
// workers (on its ROUTER backend). A [Worker] is a DEALER that sends READY ("\x01")
// when it connects and then heartbeats ("\x02") every interval while idle; the queue
// heartbeats each idle worker at the same interval. Either side that hears nothing for
// Liveness intervals gives the other up: the queue forgets the worker, and the worker
// closes its socket and reconnects with a new one after a wait that doubles after each
// failure, up to a bound. Requests go to the worker idle longest; while no worker is
// idle the queue leaves requests in the clients' queues.
//
// Guaranteed: a worker that dies while idle stops getting requests within Liveness
// heartbeat intervals; a worker whose queue restarts registers again by itself.
// Not guaranteed: a request handed to a worker that then dies is lost (the queue
// keeps no copy), so the client must retry, which a Lazy Pirate client does; the
// queue holds no requests of its own, and losing the queue loses what it was routing.
// The queue does not watch busy workers (as in the guide, a busy worker sends no
// heartbeats), so a worker that dies while busy is noticed only by the client's
// timeout.
package pirate
