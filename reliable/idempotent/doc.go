// Package idempotent makes a request handler an idempotent receiver: each request
// carries an id, and a request whose id was seen before gets the reply the first one
// got, without running the handler again. It is the server half of reliable
// request-reply: a client that retries (a Lazy Pirate client, package
// reliable/pirate, or a Majordomo client, package reliable/mdp) cannot tell a lost
// request from a lost reply, so it sends again, and the receiver makes sure the
// effect happens once.
//
//	r := idempotent.New(handle, idempotent.Options{Window: 10000, TTL: time.Minute})
//	worker, err := mdp.NewWorker(broker, "bank.deposit", r.Handle, mdp.WorkerOptions{})
//
// By default the first frame of a request is its id and the handler sees the rest
// ([NewRequest] builds such a request, [NewID] a random id); Options.ID chooses
// another layout. Ids are compared as bytes: the client must make them unique (16
// random bytes are).
//
// # What it guarantees
//
// While an id is remembered, the handler runs at most once for it and succeeds at
// most once: a duplicate that arrives while the first request is still running waits
// for it and gets the same reply; a duplicate that arrives later gets the stored
// reply. A handler that returns an error has its result forgotten, so the retry runs
// it again: the handler must return an error only when it had no effect.
//
// # What it does not
//
// The in-memory [Memory] store remembers the last Window ids for at most TTL. A retry
// that arrives after its id was evicted runs the handler again, so the window must
// outlast the client's retries (a Lazy Pirate client retries for Retries × Timeout).
// Memory forgets everything when the process restarts. A durable [Store] (package
// reliable/titanic offers one on its bbolt file) survives restarts, but the effect
// and the record of the reply are two writes: a crash between them leaves an effect
// applied and not recorded, and the retry applies it again. Only an effect made in
// the same transaction as the record is exactly-once across crashes.
package idempotent
