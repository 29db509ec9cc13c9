package socket

import (
	"encoding/binary"
	"errors"
	"net"
	"sync/atomic"

	"github.com/brokerless/zmq/wire"
)

// Stream is libzmq's ZMQ_STREAM: a socket for raw byte-stream peers (tcp and ipc) that
// speak no ZMTP, such as HTTP clients. Every received message is two frames, the
// connection's routing id and the bytes that arrived; a connection that opens or
// closes is announced by a message whose second frame is empty. A sent message is the
// routing id followed by the bytes to write; a message whose only frame after the id is
// empty closes that connection once what was queued before it is written.
const Stream = wire.Stream

// streamReadSize is the most a STREAM connection reads into one message.
const streamReadSize = 64 << 10

// rawLink carries a STREAM pipe over a raw connection: a reader turns whatever bytes
// arrive into messages, and a writer writes queued messages as they are. It implements
// link.
type rawLink struct {
	s  *Socket
	p  *pipe
	nc net.Conn

	wake    chan struct{} // writer: p.out became readable, or stop
	room    chan struct{} // reader: p.in has room again
	stopper               // quit, stop, fail
	idle    atomic.Bool
	bufs    net.Buffers
}

func newRawLink(s *Socket, p *pipe, nc net.Conn) *rawLink {
	return &rawLink{s: s, p: p, nc: nc, wake: make(chan struct{}, 1), room: make(chan struct{}, 1), stopper: newStopper(nc)}
}

func (l *rawLink) drained() bool { return l.idle.Load() }
func (l *rawLink) writeDirect()  {}

// run moves bytes until the connection ends or stop is called, and returns why.
func (l *rawLink) run() error {
	p := l.p
	p.out.OnReadable(func() { signal(l.wake) })
	p.in.OnWritable(func() { signal(l.room) })
	err := l.runPair(l.readLoop, l.writeLoop)
	p.out.OnReadable(nil)
	return err
}

func (l *rawLink) readLoop() error {
	buf := make([]byte, streamReadSize)
	for {
		n, err := l.nc.Read(buf)
		if n > 0 {
			data := make([]byte, n)
			copy(data, buf[:n])
			if !pushWaiting(l.p.in, Msg{Frames: [][]byte{data}}, l.room, l.quit) {
				return errStopped
			}
		}
		if err != nil {
			return err
		}
	}
}

func (l *rawLink) writeLoop() error {
	var batch []Msg
	for {
		l.idle.Store(false)
		batch = l.p.out.PopAll(batch[:0])
		for i, m := range batch {
			batch[i] = Msg{}
			if len(m.Frames) == 1 && len(m.Frames[0]) == 0 {
				return errStopped // the application closed the connection
			}
			l.bufs = append(l.bufs[:0], m.Frames...)
			if _, err := l.bufs.WriteTo(l.nc); err != nil {
				return err
			}
		}
		if len(batch) > 0 {
			continue
		}
		if l.p.out.Len() == 0 {
			l.idle.Store(true)
			if l.s.closing.Load() {
				l.s.wake()
			}
		}
		select {
		case <-l.wake:
		case <-l.quit:
			return errStopped
		}
	}
}

// serveRaw runs a STREAM connection: the pipe is announced, carries bytes until the
// connection ends, and is announced again as it goes.
func (s *Socket) serveRaw(nc net.Conn, endpoint string, b *binding, conn *connecter) (established bool, err error) {
	s.mu.Lock()
	if s.closed || (b != nil && b.unbound) {
		s.mu.Unlock()
		nc.Close()
		return false, ErrClosed
	}
	p := newPipe(s, endpoint)
	p.conn = conn
	p.bind = b
	p.peerType = Stream
	l := newRawLink(s, p, nc)
	p.link = l
	// The connection's first message announces it.
	p.in.PushForce(Msg{Frames: [][]byte{{}}})
	if !s.attachLocked(p) {
		s.unlockStop()
		return false, ErrPeerRefused
	}
	if b != nil {
		b.pipes[p] = struct{}{}
	}
	s.mu.Unlock()
	err = l.run()
	s.mu.Lock()
	if !p.dead {
		// Its last message says it is gone; the fair queue delivers it after the rest.
		p.in.PushForce(Msg{Frames: [][]byte{{}}})
	}
	p.link = nil
	s.detachLocked(p)
	s.unlockStop()
	s.emitDisconnected(endpoint, nc, err)
	return true, err
}

// streamProto routes by routing id like ROUTER, over raw connections.
type streamProto struct {
	noReconnect
	s    *Socket
	in   fqIn
	ids  map[string]*pipe
	next uint32
}

func (x *streamProto) attach(p *pipe) error {
	if x.ids == nil {
		x.ids = make(map[string]*pipe)
	}
	// libzmq's generated ids: a zero byte, then a 32-bit counter.
	for {
		x.next++
		id := make([]byte, 5)
		binary.BigEndian.PutUint32(id[1:], x.next)
		if _, taken := x.ids[string(id)]; !taken {
			p.routingID = id
			x.ids[string(id)] = p
			break
		}
	}
	x.in.attach(p)
	return nil
}

func (x *streamProto) detach(p *pipe) {
	if x.ids[string(p.routingID)] == p {
		delete(x.ids, string(p.routingID))
	}
	x.in.detach(p)
}

func (x *streamProto) readable(p *pipe) { x.in.readable(p) }
func (x *streamProto) writable(p *pipe) {}

func (x *streamProto) recv() (Msg, error) {
	m, p, ok := x.in.recv()
	if !ok {
		return Msg{}, errWouldBlock
	}
	frames := x.s.frames(1 + len(m.Frames))
	frames = append(frames, x.s.copyBytes(p.routingID))
	frames = append(frames, m.Frames...)
	m.Frames = frames
	return m, nil
}

func (x *streamProto) send(m Msg) error {
	if len(m.Frames) < 2 {
		return errStreamNoData
	}
	p, ok := x.ids[string(m.Frames[0])]
	if !ok || p.dead {
		return ErrHostUnreachable
	}
	body := Msg{Frames: m.Frames[1:]}
	if ok, _ := p.out.Push(body); ok {
		return nil
	}
	return x.s.whenFull(body, func() *pipe { return p })
}

// errStreamNoData reports a STREAM message without a frame after the routing id.
var errStreamNoData = errors.New("socket: a STREAM message needs a routing id and a data frame")
