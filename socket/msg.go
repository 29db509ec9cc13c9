package socket

import "github.com/brokerless/zmq/wire"

// Msg is one whole message: one or more frames, sent and received atomically. There is
// no MORE flag in this API; a multipart message is a Msg with several frames.
//
// Send takes ownership of the frames: the caller must not modify them afterwards,
// because inproc peers and PUB subscribers may share them without copying. A received
// Msg belongs to the caller. A receiver that is done with a message may call its
// Release method, so that later messages are read into the same memory instead of new
// memory: large bodies get buffers of their own, which go back to a pool, and small
// ones share slabs, which go back once every message carved from them is released.
// See wire.Msg.Release for the rules.
type Msg = wire.Msg

// NewMsg returns a message made of the given frames.
func NewMsg(frames ...[]byte) Msg { return Msg{Frames: frames} }

// NewMsgString returns a message whose frames are the given strings.
func NewMsgString(frames ...string) Msg {
	m := Msg{Frames: make([][]byte, len(frames))}
	for i, f := range frames {
		m.Frames[i] = []byte(f)
	}
	return m
}
