package socket

import "sync/atomic"

// Stats is a snapshot of a socket's counters.
type Stats struct {
	MsgsSent, BytesSent uint64 // messages and bytes accepted by Send
	MsgsRecv, BytesRecv uint64 // messages and bytes returned by Recv

	// Drops counts messages discarded by flow control or routing, by reason.
	Drops Drops

	Peers         int    // connections (and inproc pipes) attached now
	EventsDropped uint64 // monitor events that did not fit in Options.Monitor

	// MulticastLost counts multicast packets (pgm, epgm) that were lost for good: not
	// repaired within the recovery interval. Each loss also costs the message it was
	// part of, and is reported as an EventMulticastLoss.
	MulticastLost uint64
}

// Drops counts discarded messages by reason.
type Drops struct {
	HWM         uint64 // dropped because a queue was full (PUB, XPUB, ROUTER, REP, XSUB, PolicyDropNewest, a multicast receiver)
	Oldest      uint64 // evicted from a full queue by PolicyDropOldest
	Unroutable  uint64 // ROUTER or REP messages for a peer that is unknown or gone
	NoPeers     uint64 // published with no matching subscriber
	Filtered    uint64 // received by SUB or DISH but not matching a subscription or joined group
	Malformed   uint64 // received messages without a valid envelope (REQ, REP), multipart ones for a draft type, bad JOINs, udp datagrams shorter than their group length
	Disconnects uint64 // queued messages lost when a connection or socket went away
	Conflated   uint64 // replaced in a queue by a newer message (Options.Conflate)
	// Oversized counts udp datagrams dropped for being too large: received ones over
	// MaxMsgSize or the datagram limit, and sent ones that do not fit in a datagram.
	Oversized uint64
}

// statsLink is a link with counters of its own, which Stats adds to the socket's.
type statsLink interface {
	addStats(st *Stats)
}

// traffic counts messages and bytes one way.
type traffic struct{ msgs, bytes uint64 }

// counters are updated from any goroutine; Send and Recv's own counts are in
// Socket.sent and Socket.recvd.
type counters struct {
	dropHWM, dropOldest, dropUnroutable      atomic.Uint64
	dropNoPeers, dropFiltered, dropMalformed atomic.Uint64
	dropDisconnect, dropConflated            atomic.Uint64
	eventsDropped                            atomic.Uint64
}

// Stats returns a snapshot of the socket's counters.
func (s *Socket) Stats() Stats {
	c := &s.stats
	st := Stats{
		Drops: Drops{
			HWM:         c.dropHWM.Load(),
			Oldest:      c.dropOldest.Load(),
			Unroutable:  c.dropUnroutable.Load(),
			NoPeers:     c.dropNoPeers.Load(),
			Filtered:    c.dropFiltered.Load(),
			Malformed:   c.dropMalformed.Load(),
			Disconnects: c.dropDisconnect.Load(),
			Conflated:   c.dropConflated.Load(),
		},
		EventsDropped: c.eventsDropped.Load(),
	}
	s.mu.Lock()
	st.Peers = len(s.pipes)
	st.Drops.HWM += s.goneStats.Drops.HWM
	st.Drops.Malformed += s.goneStats.Drops.Malformed
	st.Drops.Oversized += s.goneStats.Drops.Oversized
	st.MulticastLost += s.goneStats.MulticastLost
	for p := range s.pipes {
		if l, ok := p.link.(statsLink); ok {
			l.addStats(&st)
		}
	}
	st.MsgsSent, st.BytesSent = s.sent.msgs, s.sent.bytes
	st.MsgsRecv, st.BytesRecv = s.recvd.msgs, s.recvd.bytes
	s.mu.Unlock()
	return st
}
