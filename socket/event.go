package socket

import (
	"fmt"
	"time"
)

// EventType names a connection event. The values are libzmq's ZMQ_EVENT_* bits, so they
// can be compared with numbers from libzmq's socket monitor.
type EventType uint32

// Connection events, reported through Options.Monitor.
const (
	EventConnected          EventType = 0x0001 // a dial succeeded
	EventConnectDelayed     EventType = 0x0002 // a dial has started and not yet finished (each attempt)
	EventConnectRetried     EventType = 0x0004 // a dial failed or a connection was lost; a retry is scheduled (Event.Retry)
	EventListening          EventType = 0x0008 // Bind succeeded
	EventBindFailed         EventType = 0x0010 // Bind failed
	EventAccepted           EventType = 0x0020 // an incoming connection was accepted
	EventAcceptFailed       EventType = 0x0040 // Accept returned an error
	EventClosed             EventType = 0x0080 // a listener or connection was closed
	EventDisconnected       EventType = 0x0200 // an established session ended
	EventMonitorStopped     EventType = 0x0400 // the socket closed; no more events follow
	EventHandshakeFailed    EventType = 0x0800 // the handshake failed without a protocol reason (timeout, EOF)
	EventHandshakeSucceeded EventType = 0x1000 // ZMTP and security handshake done
	EventHandshakeProtocol  EventType = 0x2000 // the handshake failed on a protocol violation (Event.Err says which)
	EventHandshakeAuth      EventType = 0x4000 // the peer's credentials were refused
)

// String returns the libzmq-style name of the event.
func (t EventType) String() string {
	switch t {
	case EventConnected:
		return "CONNECTED"
	case EventConnectDelayed:
		return "CONNECT_DELAYED"
	case EventConnectRetried:
		return "CONNECT_RETRIED"
	case EventListening:
		return "LISTENING"
	case EventBindFailed:
		return "BIND_FAILED"
	case EventAccepted:
		return "ACCEPTED"
	case EventAcceptFailed:
		return "ACCEPT_FAILED"
	case EventClosed:
		return "CLOSED"
	case EventDisconnected:
		return "DISCONNECTED"
	case EventMonitorStopped:
		return "MONITOR_STOPPED"
	case EventHandshakeFailed:
		return "HANDSHAKE_FAILED_NO_DETAIL"
	case EventHandshakeSucceeded:
		return "HANDSHAKE_SUCCEEDED"
	case EventHandshakeProtocol:
		return "HANDSHAKE_FAILED_PROTOCOL"
	case EventHandshakeAuth:
		return "HANDSHAKE_FAILED_AUTH"
	case EventMulticastLoss:
		return "MULTICAST_LOSS"
	}
	return fmt.Sprintf("EventType(%#x)", uint32(t))
}

// Event reports something that happened to one of a socket's endpoints or connections.
type Event struct {
	Type     EventType
	Endpoint string        // the endpoint as bound or connected, resolved where known
	Remote   string        // the peer's address, for accepted and connected streams
	Err      error         // the reason, for failures and disconnections
	Retry    time.Duration // the wait before the next dial, for EventConnectRetried
	// Code is the number libzmq's monitor gives with a failed handshake: for
	// EventHandshakeAuth the ZAP status code (300, 400 or 500; 0 when the refusal
	// carries none), for EventHandshakeProtocol the ZMQ_PROTOCOL_ERROR_* value
	// (wire.CodeCryptographic, wire.CodeMechanismMismatch, wire.CodeZAPBadVersion
	// and the others). Err says the same in words, and errors.As reads the details:
	// a *wire.AuthError (our authenticator refused), a *wire.PeerError (the peer
	// sent ERROR) or a *wire.ProtocolError.
	Code uint32
}

// String describes the event in one line, for logs.
func (e Event) String() string {
	s := e.Type.String() + " " + e.Endpoint
	if e.Remote != "" {
		s += " remote=" + e.Remote
	}
	if e.Retry > 0 {
		s += " retry=" + e.Retry.String()
	}
	switch {
	case e.Code == 0:
	case e.Type == EventHandshakeAuth:
		s += fmt.Sprintf(" status=%d", e.Code)
	default:
		s += fmt.Sprintf(" code=%#x", e.Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (s *Socket) emit(e Event) {
	if s.opts.Monitor == nil {
		return
	}
	select {
	case s.opts.Monitor <- e:
	default:
		s.stats.eventsDropped.Add(1)
	}
}
