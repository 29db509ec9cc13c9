package device

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/brokerless/zmq/socket"
)

// Stats is a snapshot of a device's counters, in the order of libzmq's STATISTICS
// reply.
type Stats struct {
	Frontend, Backend SideStats
}

// SideStats counts the traffic of one side of a device. As in libzmq, every frame of a
// multipart message counts as one message, and bytes are the sum of the frame sizes.
type SideStats struct {
	MsgsIn   uint64 // frames received from this side's socket
	BytesIn  uint64
	MsgsOut  uint64 // frames sent to this side's socket
	BytesOut uint64

	// Dropped counts whole messages this side's socket refused to take
	// (socket.ErrHostUnreachable, socket.ErrQueueFull), which the device skipped. It is
	// not part of the STATISTICS reply.
	Dropped uint64
}

type counters struct {
	msgsIn, bytesIn, msgsOut, bytesOut, dropped atomic.Uint64
}

func (c *counters) received(m socket.Msg) {
	c.msgsIn.Add(uint64(len(m.Frames)))
	c.bytesIn.Add(frameBytes(m))
}

func (c *counters) sent(frames, bytes uint64) {
	c.msgsOut.Add(frames)
	c.bytesOut.Add(bytes)
}

func (c *counters) unsent(frames, bytes uint64) {
	c.msgsOut.Add(-frames)
	c.bytesOut.Add(-bytes)
}

func (c *counters) snapshot() SideStats {
	return SideStats{
		MsgsIn:   c.msgsIn.Load(),
		BytesIn:  c.bytesIn.Load(),
		MsgsOut:  c.msgsOut.Load(),
		BytesOut: c.bytesOut.Load(),
		Dropped:  c.dropped.Load(),
	}
}

func frameBytes(m socket.Msg) uint64 {
	var n uint64
	for _, f := range m.Frames {
		n += uint64(len(f))
	}
	return n
}

// Stats returns a snapshot of the device's counters. A message is counted in before
// it is forwarded and out before the destination socket takes it, so once a peer has
// received a message the counters include it. The counters are read one at a time
// while traffic flows, so a snapshot taken under load may be a few messages apart
// between its fields.
func (d *Device) Stats() Stats {
	return Stats{Frontend: d.front.snapshot(), Backend: d.back.snapshot()}
}

// Msg encodes s as libzmq's STATISTICS reply: eight frames, each a uint64 in host byte
// order.
func (s Stats) Msg() socket.Msg {
	vals := [8]uint64{
		s.Frontend.MsgsIn, s.Frontend.BytesIn, s.Frontend.MsgsOut, s.Frontend.BytesOut,
		s.Backend.MsgsIn, s.Backend.BytesIn, s.Backend.MsgsOut, s.Backend.BytesOut,
	}
	buf := make([]byte, 8*len(vals))
	frames := make([][]byte, len(vals))
	for i, v := range vals {
		b := buf[8*i : 8*i+8 : 8*i+8]
		binary.NativeEndian.PutUint64(b, v)
		frames[i] = b
	}
	return socket.Msg{Frames: frames}
}

// ParseStats decodes a STATISTICS reply from a device of this package or from libzmq
// on a machine of the same byte order.
func ParseStats(m socket.Msg) (Stats, error) {
	if len(m.Frames) != 8 {
		return Stats{}, fmt.Errorf("device: statistics reply has %d frames, want 8", len(m.Frames))
	}
	var v [8]uint64
	for i, f := range m.Frames {
		if len(f) != 8 {
			return Stats{}, fmt.Errorf("device: statistics frame %d has %d bytes, want 8", i, len(f))
		}
		v[i] = binary.NativeEndian.Uint64(f)
	}
	return Stats{
		Frontend: SideStats{MsgsIn: v[0], BytesIn: v[1], MsgsOut: v[2], BytesOut: v[3]},
		Backend:  SideStats{MsgsIn: v[4], BytesIn: v[5], MsgsOut: v[6], BytesOut: v[7]},
	}, nil
}
