package socket

import (
	"errors"
	"fmt"

	"github.com/brokerless/zmq/transport/udp"
)

// ErrDgramMsg reports a DGRAM message that is not an address frame and a body frame.
var ErrDgramMsg = errors.New("socket: a DGRAM message is two frames, an address and a body")

// dgramProto is DGRAM (libzmq's draft ZMQ_DGRAM): one udp binding, whose datagrams
// arrive as [sender address, body] and leave as [destination address, body]. The
// address is "IP:PORT" with an IPv4 address; libzmq ends the address frames it makes
// with a NUL byte, which this package neither adds nor requires.
type dgramProto struct {
	noReconnect
	s    *Socket
	pipe *pipe
	out  lbOut
	in   fqIn
}

func (x *dgramProto) attach(p *pipe) error {
	if x.pipe != nil {
		return errors.New("socket: a DGRAM socket has a single udp binding")
	}
	x.pipe = p
	x.out.attach(p)
	x.in.attach(p)
	return nil
}

func (x *dgramProto) detach(p *pipe) {
	if x.pipe == p {
		x.pipe = nil
	}
	x.out.detach(p)
	x.in.detach(p)
}

func (x *dgramProto) readable(p *pipe) { x.in.readable(p) }
func (x *dgramProto) writable(p *pipe) { x.out.writable(p) }

func (x *dgramProto) send(m Msg) error {
	if len(m.Frames) != 2 {
		return ErrDgramMsg
	}
	if _, err := udp.ParseAddr(dgramAddr(m.Frames[0])); err != nil {
		return fmt.Errorf("socket: DGRAM destination %q: %w", m.Frames[0], err)
	}
	if len(m.Frames[1]) > udp.MaxDatagram {
		return fmt.Errorf("socket: DGRAM body of %d bytes: %w", len(m.Frames[1]), udp.ErrTooLarge)
	}
	_, err := x.out.send(x.s, m)
	return err
}

func (x *dgramProto) recv() (Msg, error) {
	m, _, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	return m, nil
}

func (x *dgramProto) canRecv() bool { return x.in.ready(nil, nil) }
func (x *dgramProto) canSend() bool { return x.out.ready(x.s) }

// dgramAddr returns an address frame without the NUL libzmq ends it with.
func dgramAddr(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == 0 {
		b = b[:n-1]
	}
	return b
}
