// Package titanic implements Titanic (RFC 9), the ZeroMQ guide's disconnected
// reliability: store-and-forward for Majordomo requests, so that a client and the
// service it calls need not be up at the same time.
//
// A [Titanic] registers three services with a Majordomo broker (package
// reliable/mdp), and a [Client] (the guide's ticlient) calls them:
//
//   - titanic.request [service, body...]: store the request, answer [200, uuid];
//   - titanic.reply [uuid]: answer [200, reply...] once the service replied, [300]
//     while the request is pending, [400] for an unknown or closed request;
//   - titanic.close [uuid]: forget the request and its reply, answer [200].
//
// A malformed request is answered [500]. The uuid is 32 hexadecimal characters, as
// in the guide's titanic. A dispatcher sends each pending request, oldest first, to
// its service through the broker (after asking mmi.service whether it has a worker),
// and stores the reply; a request that gets none is tried again every
// RetryInterval.
//
// # Storage
//
// Requests and replies live in one bbolt file ([FileName], opened with [Open]), an
// embedded B+tree store with a single writer and ACID transactions, committed with
// fsync. It was chosen over an append-only log of our own because Titanic's state is
// a small mutable table (requests come and go by uuid, a reply replaces the pending
// state, a close deletes both): with a log we would have had to write compaction,
// crash-safe truncation of a torn tail and an index, all of which bbolt has had in
// production use (etcd, Consul) for years, in pure Go and with no server. Each
// request is stored in one transaction, with its place in the dispatch queue, before
// titanic.request answers 200; a reply is stored and the request taken off the queue
// in one transaction.
//
// # What it guarantees
//
// A request acknowledged with 200 survives a crash or restart of the Titanic
// process and of the broker: it is on disk, and a new Titanic on the same directory
// dispatches it. A stored reply stays until titanic.close. [Store.Dedup] offers the
// same file to an idempotent receiver (package reliable/idempotent).
//
// # What it does not
//
// Titanic delivers at least once, not exactly once. A service whose reply is lost
// (the worker, the broker or Titanic dying between the service's work and the
// stored reply) gets the request again: make services idempotent, for instance with
// package reliable/idempotent. A client whose titanic.request acknowledgement is
// lost retries and stores the request twice, under two uuids. Requests are
// dispatched one at a time, so a slow service delays the others. Nothing is ever
// expired: a client that never calls titanic.close leaves its request and reply on
// disk.
package titanic
