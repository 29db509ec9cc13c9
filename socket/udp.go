package socket

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/udp"
)

// udpLink runs a udp:// socket under a pipe: a send loop moving the pipe's queued
// messages into datagrams (RADIO, DGRAM) and a receive loop queuing the datagrams that
// arrive (DISH, DGRAM). There is no connection: the link lives until its binding or
// connecter goes, and a datagram the network refuses costs only itself. It implements
// link.
type udpLink struct {
	conn     *udp.Conn
	quit     chan struct{}
	stopOnce sync.Once
	busy     atomic.Bool // the send loop holds messages it has not handed to the network
	wake     chan struct{}
	tooLarge atomic.Uint64 // messages not sent because they do not fit in a datagram
}

func (l *udpLink) stop() {
	l.stopOnce.Do(func() {
		close(l.quit)
		l.conn.Close()
	})
}

func (l *udpLink) drained() bool { return !l.busy.Load() }
func (l *udpLink) writeDirect()  {}

// addStats adds the datagrams the link dropped to st.
func (l *udpLink) addStats(st *Stats) {
	cs := l.conn.Stats()
	st.Drops.Malformed += cs.Malformed
	st.Drops.Oversized += cs.Oversized + l.tooLarge.Load()
}

// errNotDatagram is a queued message that is not two frames; DGRAM's Send and RADIO's
// SendGroup let none through.
var errNotDatagram = errors.New("socket: not a datagram message")

// udpRoles says what a socket of type t does on a udp:// endpoint, as libzmq: DISH
// binds to receive, RADIO connects to send, DGRAM binds to do both.
func udpRoles(t Type) (send, recv, bind, connect bool) {
	switch {
	case t == Dgram:
		return true, true, true, false
	case t == Radio:
		return true, false, false, true
	case t == Dish:
		return false, true, true, false
	}
	return false, false, false, false
}

// udpScheme is the row of udp://.
var udpScheme = scheme{
	bind: func(s *Socket, b *binding, e transport.Endpoint) error {
		return s.openUDP(e, b, nil)
	},
	connect: func(s *Socket, c *connecter) error {
		close(c.done) // no dial loop
		return s.openUDP(c.ep, nil, c)
	},
	allows: func(t Type) bool {
		send, recv, _, _ := udpRoles(t)
		return send || recv
	},
}

// openUDP opens the udp socket of e and attaches it as a pipe, made by the binding b
// or the connecter conn.
func (s *Socket) openUDP(e transport.Endpoint, b *binding, conn *connecter) error {
	send, recv, canBind, canConnect := udpRoles(s.typ)
	if b != nil && !canBind {
		return fmt.Errorf("%w: %s sockets connect udp endpoints, they cannot bind them", ErrTransportNotAllowed, s.typ)
	}
	if conn != nil && !canConnect {
		return fmt.Errorf("%w: %s sockets bind udp endpoints, they cannot connect them", ErrTransportNotAllowed, s.typ)
	}
	ep, err := udp.ParseEndpoint(e.Addr, b != nil)
	if err != nil {
		return err
	}
	opts := udp.Options{Hops: s.opts.MulticastHops, NoLoopback: !s.opts.MulticastLoop, MaxMsgSize: s.opts.MaxMsgSize}
	var uc *udp.Conn
	endpoint := ""
	if b != nil {
		if uc, err = udp.Listen(ep, opts); err != nil {
			return err
		}
		ep.Addr = uc.LocalAddr() // with the port "*" chose
		b.endpoint = transport.SchemeUDP + "://" + ep.String()
		endpoint = b.endpoint
	} else {
		if uc, err = udp.Dial(ep, opts); err != nil {
			return err
		}
		endpoint = conn.endpoint
	}
	l := &udpLink{conn: uc, quit: make(chan struct{}), wake: make(chan struct{}, 1)}
	// Joins and leaves stay local when the pipe does not send: the DISH filters what
	// arrives.
	return s.attachDatagramPipe(l, endpoint, b, conn, l.wake, send, func(p *pipe) {
		if send {
			s.wg.Go(func() { s.udpSendLoop(p, l) })
		}
		if recv {
			s.wg.Go(func() { s.udpRecvLoop(p, l) })
		}
	})
}

// udpSendLoop turns each queued message into a datagram.
func (s *Socket) udpSendLoop(p *pipe, l *udpLink) {
	batch := make([]Msg, 0, 64)
	for {
		l.busy.Store(true)
		batch = p.out.PopAll(batch[:0])
		if len(batch) > 0 {
			for _, m := range batch {
				if err := s.writeDatagram(l, m); err != nil {
					if errors.Is(err, net.ErrClosed) {
						l.busy.Store(false)
						clear(batch)
						return
					}
					if errors.Is(err, udp.ErrTooLarge) || errors.Is(err, udp.ErrGroupTooLong) {
						l.tooLarge.Add(1)
					}
					// Any other refusal (no route, a full buffer) loses this datagram
					// only, as UDP may; the Conn counts it.
				}
			}
			clear(batch)
			continue
		}
		l.busy.Store(false)
		if s.closing.Load() {
			s.wake()
		}
		select {
		case <-l.wake:
		case <-l.quit:
			return
		}
	}
}

// writeDatagram sends m: a DGRAM's address and body, or a RADIO's group and body.
func (s *Socket) writeDatagram(l *udpLink, m Msg) error {
	if len(m.Frames) != 2 {
		return errNotDatagram
	}
	if s.typ == Dgram {
		dst, err := udp.ParseAddr(dgramAddr(m.Frames[0]))
		if err != nil {
			return err
		}
		return l.conn.WriteRaw(m.Frames[1], dst)
	}
	return l.conn.WriteGroup(m.Frames[0], m.Frames[1])
}

// udpRecvLoop queues every datagram that arrives, waiting while the pipe's queue is
// full (the kernel then drops what overflows its buffer).
func (s *Socket) udpRecvLoop(p *pipe, l *udpLink) {
	room := make(chan struct{}, 1)
	p.in.OnWritable(func() { signal(room) })
	dish, _ := s.proto.(*dishProto)
	for {
		var m Msg
		if s.typ == Dgram {
			body, from, err := l.conn.ReadRaw()
			if err != nil {
				return
			}
			// One allocation holds the address text and the body.
			buf := make([]byte, 0, 21+len(body))
			buf = udp.AppendAddr(buf, from)
			n := len(buf)
			buf = append(buf, body...)
			m = Msg{Frames: [][]byte{buf[:n:n], buf[n:]}}
		} else {
			group, body, _, err := l.conn.ReadGroup()
			if err != nil {
				return
			}
			if dish != nil && !dish.wants(group) {
				s.stats.dropFiltered.Add(1) // as the DISH would, without taking room
				continue
			}
			buf := make([]byte, len(group)+len(body))
			n := copy(buf, group)
			copy(buf[n:], body)
			m = Msg{Frames: [][]byte{buf[:n:n], buf[n:]}}
		}
		if !pushWaiting(p.in, m, room, l.quit) {
			return
		}
	}
}
