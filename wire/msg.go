package wire

// Msg is one whole ZeroMQ message: one or more frames, sent and received atomically.
//
// On the wire every frame but the last carries the MORE flag. A Msg read by
// Reader.ReadMsg owns its frames: they stay valid after later reads.
type Msg struct {
	Frames [][]byte
}

// Size returns the total number of body bytes in m's frames.
func (m Msg) Size() int {
	n := 0
	for _, f := range m.Frames {
		n += len(f)
	}
	return n
}
