package wire

// Msg is one whole ZeroMQ message: one or more frames, sent and received atomically.
//
// On the wire every frame but the last carries the MORE flag. A Msg read by
// Reader.ReadMsg owns its frames: they stay valid after later reads.
type Msg struct {
	Frames [][]byte

	// owned is set by Reader.ReadMsg when some of the bodies have buffers of their own
	// that nothing else refers to, so Release may recycle them. Any other way of making
	// a Msg, a composite literal included, leaves it false.
	owned bool
}

// Size returns the total number of body bytes in m's frames.
func (m Msg) Size() int {
	n := 0
	for _, f := range m.Frames {
		n += len(f)
	}
	return n
}

// Release tells the library that the caller is done with a received message, and
// empties m. Bodies that ReadMsg gave buffers of their own (those over 4 KiB, up to
// 1 MiB) go back to a pool, and later large messages are read into them instead of
// into new memory: for a receiver of large messages this saves an allocation, the
// zeroing and page faults of fresh memory, and garbage collection work.
//
// Release is optional: an unreleased message is ordinary garbage once unreferenced.
// After Release neither m's frames nor any slice of them may be used again, by the
// caller or by anyone the caller gave them to. Messages made any other way (by the
// application, or received from an inproc peer, which shares the sender's memory)
// carry no claim on their buffers, and Release only empties them.
func (m *Msg) Release() {
	if m.owned {
		for _, f := range m.Frames {
			freeBody(f)
		}
	}
	m.Frames = nil
	m.owned = false
}
