// Package pattern holds the routing data structures behind ZeroMQ socket
// types: which pipe a message goes to, which pipe the next message is read
// from, and who is subscribed to what.
//
// Everything here is plain data. Nothing starts a goroutine, does I/O or
// takes a lock; the socket that owns a structure serialises access to it.
// The structures are generic over a comparable pipe handle P (a pointer, an
// integer id, ...), so they know nothing about connections.
//
// # Strategies
//
// The types mirror libzmq's internal strategies (zmq-spec §3.1):
//
//   - [LoadBalancer] (libzmq lb) round-robins outgoing messages over the
//     pipes that can take them: PUSH, DEALER, REQ.
//   - [FairQueue] (libzmq fq) round-robins reads over the pipes that have
//     data: PULL, DEALER, ROUTER, REP, SUB, XSUB.
//   - [Trie] (libzmq mtrie) maps subscription prefixes to the set of pipes
//     holding them, for PUB and XPUB. Each pipe's subscriptions are a set,
//     and Add and Remove report what XPUB needs for its deduplicated
//     subscription notifications (zmq-spec §3.8, gotcha 12).
//   - [CountTrie] is the reference-counted subscription set of SUB and
//     XSUB: subscribing twice needs two cancels (zmq-spec §3.7).
//   - [IDTable] maps ROUTER routing ids to pipes and generates ids for peers
//     that send none (zmq-spec §3.6).
//   - [SplitEnvelope] separates a REQ/REP envelope from the body
//     (zmq-spec §3.3, §3.4).
//
// # Hot paths
//
// The operations a socket performs per message, [LoadBalancer.Next],
// [FairQueue.Next], [Trie.Match], [CountTrie.Match], [IDTable.Lookup] and
// [IDTable.ID], run in constant time (Match in time proportional to the
// topic and the matching pipes) and do not allocate.
package pattern
