// Package reliable is the home of the ZeroMQ guide's reliable request-reply and state
// patterns, one package per pattern, each built on the public API of package socket
// as package device is:
//
//   - [github.com/brokerless/zmq/reliable/pirate]: the Lazy Pirate client and the
//     Paranoid Pirate queue and worker (RFC 6).
//   - [github.com/brokerless/zmq/reliable/mdp]: Majordomo 0.1 (RFC 7) broker, worker
//     and client, with the management interface MMI (RFC 8).
//   - [github.com/brokerless/zmq/reliable/titanic]: Titanic (RFC 9), disk-backed
//     store-and-forward on Majordomo.
//   - [github.com/brokerless/zmq/reliable/idempotent]: an idempotent receiver that
//     makes a retried request take effect once.
//   - [github.com/brokerless/zmq/reliable/clone]: Clone (RFC 12), reliable key-value
//     state over publish-subscribe.
//
// They live here rather than in package pattern, which holds the routing strategies
// the socket types are made of (plain data structures below package socket), and
// rather than in device, which relays messages without knowing what they say. A
// pattern here speaks a protocol of its own on top of sockets, so it sits above
// socket, and nothing below imports it. This package itself holds no code.
package reliable
