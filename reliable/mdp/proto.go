package mdp

import (
	"context"
	"errors"
	"time"
)

// The protocol headers of MDP 0.1: the third frame of every message between a
// client and the broker, and between a worker and the broker.
const (
	ClientHeader = "MDPC01"
	WorkerHeader = "MDPW01"
)

// The worker commands of MDP 0.1, each the frame after WorkerHeader.
const (
	CmdReady      = "\x01" // worker to broker: [service]
	CmdRequest    = "\x02" // broker to worker: [client, "", body...]
	CmdReply      = "\x03" // worker to broker: [client, "", body...]
	CmdHeartbeat  = "\x04" // either way, no body
	CmdDisconnect = "\x05" // either way, no body
)

// MMI (RFC 8): services whose names start with MMIPrefix are answered by the broker
// itself. MMIService asks whether a service has workers; its reply is "200" (yes),
// "404" (no); any other MMI service is answered "501".
const (
	MMIPrefix         = "mmi."
	MMIService        = "mmi.service"
	MMIFound          = "200"
	MMINotFound       = "404"
	MMINotImplemented = "501"
)

// Defaults used where an options field is zero. They are the guide's values.
const (
	DefaultHeartbeatInterval = 2500 * time.Millisecond
	DefaultLiveness          = 3
	DefaultReconnectInterval = 2500 * time.Millisecond
	DefaultTimeout           = 2500 * time.Millisecond
	DefaultRetries           = 3
	DefaultMaxQueued         = 10000
)

// Errors of package mdp.
var (
	// ErrNoReply is returned by Client.Request when no reply came after every
	// attempt. The request may or may not have been served.
	ErrNoReply = errors.New("mdp: no reply")
	// ErrProtocol is returned by Client.Request for a reply that is not an MDP 0.1
	// client reply for the service asked.
	ErrProtocol = errors.New("mdp: malformed reply")
	// ErrRunning is returned by a second call of Broker.Run or Worker.Run.
	ErrRunning = errors.New("mdp: already running")
)

// done is a context that has ended: Recv with it returns at once when nothing waits.
var done = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()
