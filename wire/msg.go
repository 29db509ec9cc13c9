package wire

// Msg is one whole ZeroMQ message: one or more frames, sent and received atomically.
//
// On the wire every frame but the last carries the MORE flag. A Msg read by
// Reader.ReadMsg owns its frames: they stay valid after later reads.
//
// A received Msg also remembers, in an unexported field, which memory Release may
// recycle; compare messages by their Frames, not as whole values.
type Msg struct {
	Frames [][]byte

	// claim is set by Reader.ReadMsg on messages whose memory it may recycle: the slab
	// of small bodies the message was carved from, or a chunk without memory
	// (ownedOnly, or the Reader's tag) when its only recyclable memory is bodies with
	// buffers of their own. Any other way of making a Msg, a composite literal
	// included, leaves it nil. The chunk also leads to the connection's Properties.
	// (One pointer keeps Msg at 32 bytes: messages are copied through queues by
	// value, and 40 bytes measured slower.)
	claim *bodyChunk
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
// zeroing and page faults of fresh memory, and garbage collection work. Small bodies
// live in shared 32 KiB slabs; a slab is reused once every message carved from it
// has been released, so a receiver that releases everything makes no garbage at all.
//
// Recycled buffers are not cleared: a body's bytes past its length (up to its
// capacity) may hold an earlier message's.
//
// Release is optional: an unreleased message is ordinary garbage once unreferenced.
// After Release neither m's frames nor any slice of them may be used again, by the
// caller or by anyone the caller gave them to. Release a message once, with its frames
// as received: frames may be dropped from it, but none added or replaced. Tests built
// with the zmqpoison tag check these rules: released bytes are overwritten, and a
// second release of the same message panics. Messages
// made any other way (by the application, or received from an inproc peer, which
// shares the sender's memory) carry no claim on their buffers, and Release only
// empties them.
func (m *Msg) Release() {
	if c := m.claim; c != nil {
		// Only a Reader sets claim, so every frame with a pool class's capacity is a
		// pooled body (routing ids a ROUTER adds are far smaller).
		for _, f := range m.Frames {
			if poisonEnabled && (pooledBody(f) || (c != &ownedOnly && c.holds(f))) {
				poisonRelease(f) // before the pool can hand the buffer out again
			}
			freeBody(f)
		}
		if !c.noRefs {
			c.release()
		}
	}
	*m = Msg{}
}
