// Package soak runs the library for a long time under load and faults and
// checks what came out. It builds three network namespaces joined by veth
// links (producers, devices, consumers) and runs three scenarios side by
// side, each with processes of ours and of libzmq at both ends: PUSH into a
// zmqdevice streamer and PULL behind it, PUB into a forwarder and SUB behind
// it, and REQ clients through a queue to REP workers. On a schedule it kills
// processes with SIGKILL and restarts them, cuts links with nft drop rules
// and restores them, and restarts the devices.
//
// Every message carries its stream (one producer incarnation), a sequence
// number and its send time; consumers report each message they receive. The
// Checker then proves, from those records alone, that nothing was duplicated,
// that each stream kept its order at each consumer, that every message lost
// is explained by a killed process and stays within what that process could
// hold (its high-water marks and kernel buffers), and that traffic resumed
// within a bound after every fault. Memory and goroutine samples of the
// long-lived processes must stay flat, and no process may panic.
//
// The package is driven by internal/soak/cmd/soak (make soak), which writes
// the figures into SOAK.md.
package soak
