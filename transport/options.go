package transport

import (
	"strconv"
	"time"
)

// Options tunes the connections a stream transport makes. The zero value
// leaves every setting at the operating system's default, as libzmq does with
// its -1 defaults. Transports ignore options that do not apply to them (ipc
// has no keep-alive).
type Options struct {
	// KeepAlive selects TCP keep-alive (ZMQ_TCP_KEEPALIVE): the OS default,
	// on, or off.
	KeepAlive KeepAlive

	// KeepAliveIdle is how long a connection stays idle before the first
	// probe (ZMQ_TCP_KEEPALIVE_IDLE). Zero or negative leaves the OS default.
	// It applies only when KeepAlive is KeepAliveOn. The kernel counts whole
	// seconds; durations are rounded up.
	KeepAliveIdle time.Duration

	// KeepAliveInterval is the time between probes (ZMQ_TCP_KEEPALIVE_INTVL).
	// Zero or negative leaves the OS default. It applies only when KeepAlive
	// is KeepAliveOn.
	KeepAliveInterval time.Duration

	// KeepAliveCount is how many unanswered probes drop the connection
	// (ZMQ_TCP_KEEPALIVE_CNT). Zero or negative leaves the OS default. It
	// applies only when KeepAlive is KeepAliveOn.
	KeepAliveCount int

	// TOS sets the IP type-of-service byte (DSCP and ECN bits) of outgoing packets
	// (ZMQ_TOS): IP_TOS on IPv4 connections, IPV6_TCLASS on IPv6 ones. Zero leaves the
	// system's default. Listeners set it on every accepted connection.
	TOS int

	// BindToDevice binds connections and listeners to the named network interface
	// (ZMQ_BINDTODEVICE, Linux's SO_BINDTODEVICE): packets are sent and accepted only
	// through it. Empty means any interface. It usually needs CAP_NET_RAW.
	BindToDevice string
}

// KeepAlive is the TCP keep-alive mode of [Options].
type KeepAlive int

const (
	// KeepAliveDefault leaves SO_KEEPALIVE as the operating system sets it
	// (ZMQ_TCP_KEEPALIVE = -1). Note that this differs from package net,
	// which turns keep-alive on by default.
	KeepAliveDefault KeepAlive = iota
	// KeepAliveOn enables keep-alive probes (ZMQ_TCP_KEEPALIVE = 1).
	KeepAliveOn
	// KeepAliveOff disables keep-alive probes (ZMQ_TCP_KEEPALIVE = 0).
	KeepAliveOff
)

// String returns "default", "on" or "off".
func (k KeepAlive) String() string {
	switch k {
	case KeepAliveDefault:
		return "default"
	case KeepAliveOn:
		return "on"
	case KeepAliveOff:
		return "off"
	}
	return "KeepAlive(" + strconv.Itoa(int(k)) + ")"
}
