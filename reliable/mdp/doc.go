// Package mdp implements Majordomo 0.1 (RFC 7, MDP): a service-oriented broker
// ([Broker]) that clients ([Client]) send requests to by service name and workers
// ([Worker]) register with, one service each, and the Majordomo Management Interface
// (RFC 8, MMI) that the broker answers itself. It is built on the public API of
// package socket and is byte-compatible with the guide's mdbroker, mdwrkapi and
// mdcliapi in every language: the headers "MDPC01" and "MDPW01" and the worker
// commands 0x01 (READY) to 0x05 (DISCONNECT).
//
//	broker: ROUTER  <-  [client, "", "MDPC01", service, body...]           (REQ client)
//	                ->  [client, "", "MDPC01", service, reply...]
//	                ->  [worker, "", "MDPW01", 0x02, client, "", body...]  (DEALER worker)
//	                <-  [worker, "", "MDPW01", 0x03, client, "", reply...]
//
// The client is a Lazy Pirate client (package pirate) speaking MDP: a request that
// times out is sent again on a fresh socket, up to a number of attempts.
//
// # What the broker guarantees
//
//   - A request for a service without an idle worker waits in the broker, in arrival
//     order, up to BrokerOptions.MaxQueued requests over all services; one that
//     arrives beyond the bound is dropped and counted.
//   - Each request goes to one worker at a time, the one idle longest; a worker has at
//     most one request.
//   - Every registered worker, idle or busy, gets a heartbeat every interval, and a
//     worker the broker has not heard from for Liveness intervals is forgotten.
//   - A worker the broker does not know (a READY sent twice, a heartbeat or reply
//     after it was forgotten, or from before a broker restart) is sent DISCONNECT, so
//     that it registers again.
//   - "mmi.service" answers "200" when the service named in the body has a registered
//     worker, "404" when not; any other "mmi." service answers "501".
//
// # What it does not guarantee
//
// MDP 0.1 keeps nothing on disk and does not retry by itself. A request handed to a
// worker that dies is lost, and so is everything queued in a broker that dies: the
// client's retry is what recovers it, so a request may be carried out more than once
// (make services idempotent, or deduplicate). A reply that a worker sends after the
// broker forgot it is dropped. Titanic (RFC 9) is the pattern for requests that must
// survive a restart.
//
// The broker heartbeats and expires busy workers too, which the guide's broker does
// not; this package's Worker keeps heartbeating while its Handler runs, but a guide
// worker (which heartbeats only between requests) busy for longer than Liveness
// intervals is forgotten by this broker, and its reply dropped.
//
// # What the worker and client do
//
// A [Worker] reconnects with a fresh socket when the broker falls silent for
// Liveness intervals while it is idle, or at once when the broker sends DISCONNECT.
// A [Client] returns once per request: the reply (never a stale reply to an earlier
// attempt), [ErrNoReply] after its last attempt, or ctx.Err().
package mdp
