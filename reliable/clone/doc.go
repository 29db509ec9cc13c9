// Package clone implements the Clone pattern of the ZeroMQ guide, specified as the
// Clustered Hashmap Protocol (RFC 12): a server holds a key-value map, and clients
// keep replicas of it, or of one subtree of it, that stay current over
// publish-subscribe.
//
// A [Server] binds three sockets. Clients ask its ROUTER for a snapshot
// ([ICANHAZ?, subtree], answered by every matching key and then KTHXBAI carrying the
// server's sequence number); they send their own updates to its PULL (the collector);
// it gives every update the next sequence number and publishes it on its PUB, with a
// HUGZ heartbeat carrying the current sequence at a fixed interval. Messages are the
// guide's kvmsg: five frames, key, sequence (8 bytes big-endian), uuid, properties
// ("name=value\n" lines) and body; an empty body deletes the key, and a "ttl"
// property (seconds) makes the server delete the key when it expires. The format and
// sockets are those of the guide's clonesrv5 and clonecli5, so those programs, in any
// language, talk to ours.
//
// A [Client] subscribes first, asks for a snapshot, then applies the updates whose
// sequence follows the snapshot's. It is a durable subscriber: whenever it may have
// missed something it fetches a new snapshot and reports what changed, so its
// replica converges on the server's state without a hole. It resyncs when
//
//   - its subscriber connection was re-established (whatever was published while it
//     was down is gone);
//   - an update or HUGZ shows a gap in the sequence (only a client of the whole tree
//     can see gaps: a subtree client sees only part of the sequence);
//   - HUGZ is behind its replica: the server restarted;
//   - the publisher was silent for ClientOptions.Timeout.
//
// Before each snapshot it waits for a HUGZ, which proves that the server has its
// subscriptions, so that nothing falls between the snapshot and the first update.
//
// # What it guarantees, and what it does not
//
// A replica converges on the server's state (under its subtree): every key and value
// the server holds, at the server's sequence, once the network lets messages
// through. [ClientOptions.OnUpdate] sees every change of the replica, but across a
// resync it sees the net change of each key, not the values in between: Clone
// replicates state, not a log of events.
//
// The server keeps its state in memory. When it restarts, the state is gone, and
// replicas follow the new, empty server: durability of the state needs Binary Star
// failover between two servers (RFC 12's optional part, not implemented here) or a
// store behind the server. An update a client sends while the server is down, or
// while its collector connection is being re-established, may be lost; Set reports
// only that the update was queued. A subtree client cannot detect an update the
// server's PUB dropped at the high-water mark (the whole-tree client can, by the
// sequence); give it enough RecvHWM and SendHWM, or follow the whole tree.
//
// Input from peers is checked: a malformed message is dropped and counted
// ([Server.Malformed]), and the server holds at most ServerOptions.MaxKeys keys,
// refusing (and counting, [Server.Refused]) updates that would add more. A client
// trusts its server's snapshot.
package clone
