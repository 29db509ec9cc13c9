package socket

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/pgm"
)

// EventMulticastLoss reports multicast data that could not be repaired: the message in
// progress from that publisher was dropped and its stream resumed at the next message.
// It has no libzmq counterpart, so its value lies above libzmq's event bits.
const EventMulticastLoss EventType = 0x8000_0000

// mcastLink runs a multicast sender (PUB, XPUB) or receiver (SUB, XSUB) under a pipe:
// one goroutine moves messages between the pipe's queues and the pgm engine. It
// implements link.
type mcastLink struct {
	snd      *pgm.Sender
	rcv      *pgm.Receiver
	cancel   context.CancelFunc
	stopOnce sync.Once
	busy     atomic.Bool // the sender holds messages it has not handed to the network
	wake     chan struct{}
}

func (l *mcastLink) stop() {
	l.stopOnce.Do(func() {
		l.cancel()
		if l.snd != nil {
			l.snd.Close()
		}
		if l.rcv != nil {
			l.rcv.Close()
		}
	})
}

func (l *mcastLink) drained() bool { return !l.busy.Load() }
func (l *mcastLink) writeDirect()  {}

// addStats adds the receiver's losses and queue drops to st.
func (l *mcastLink) addStats(st *Stats) {
	if l.rcv == nil {
		return
	}
	rs := l.rcv.Stats()
	st.Drops.HWM += rs.Dropped
	st.MulticastLost += rs.Lost
}

// multicastScheme is the row of pgm and epgm: binding and connecting both join the
// group, and only the publish-subscribe types may use it.
var multicastScheme = scheme{
	bind: func(s *Socket, b *binding, e transport.Endpoint) error {
		return s.joinMulticast(e, b.endpoint, b, nil)
	},
	connect: func(s *Socket, c *connecter) error {
		close(c.done) // no dial loop
		return s.joinMulticast(c.ep, c.endpoint, nil, c)
	},
	allows: func(t Type) bool {
		switch t {
		case Pub, XPub, Sub, XSub:
			return true
		}
		return false
	},
}

func (s *Socket) pgmOptions(endpoint string) pgm.Options {
	return pgm.Options{
		Rate:             s.opts.MulticastRate * 1000,
		RecoveryInterval: s.opts.RecoveryInterval,
		Hops:             s.opts.MulticastHops,
		MaxTPDU:          s.opts.MulticastMaxTPDU,
		Loopback:         s.opts.MulticastLoop,
		MaxMsgSize:       s.opts.MaxMsgSize,
		RecvQueue:        s.opts.RecvHWM,
		OnLoss: func(ev pgm.LossEvent) {
			s.emit(Event{Type: EventMulticastLoss, Endpoint: endpoint,
				Err: fmt.Errorf("socket: %d multicast packets from %v lost for good", ev.Packets, ev.Source)})
		},
	}
}

// joinMulticast opens a pgm sender or receiver for e and attaches it as a pipe, made
// by the binding b or the connecter conn.
func (s *Socket) joinMulticast(e transport.Endpoint, endpoint string, b *binding, conn *connecter) error {
	ep, err := pgm.ParseEndpoint(e.Scheme, e.Addr)
	if err != nil {
		return err
	}
	opts := s.pgmOptions(endpoint)
	ctx, cancel := context.WithCancel(s.ctx)
	l := &mcastLink{cancel: cancel, wake: make(chan struct{}, 1)}
	if s.typ == Pub || s.typ == XPub {
		l.snd, err = pgm.NewSender(ep, opts)
	} else {
		l.rcv, err = pgm.NewReceiver(ep, opts)
	}
	if err != nil {
		cancel()
		return err
	}
	// Subscriptions stay local on a receiver: SUB filters what arrives.
	return s.attachDatagramPipe(l, endpoint, b, conn, l.wake, l.snd != nil, func(p *pipe) {
		if l.snd != nil {
			s.wg.Go(func() { s.mcastSendLoop(ctx, p, l) })
		} else {
			s.wg.Go(func() { s.mcastRecvLoop(ctx, p, l) })
		}
	})
}

// mcastSendLoop hands queued messages to the pgm sender, which paces them at the rate.
func (s *Socket) mcastSendLoop(ctx context.Context, p *pipe, l *mcastLink) {
	batch := make([]Msg, 0, 64)
	for {
		l.busy.Store(true)
		batch = p.out.PopAll(batch[:0])
		if len(batch) > 0 {
			// Small messages share packets, as libzmq packs them.
			err := l.snd.SendBatch(batch)
			clear(batch)
			if err != nil {
				// A sender that cannot send is gone for good: detach it, so that its
				// queue neither grows nor holds up Close, and tell the monitor.
				l.busy.Store(false)
				if ctx.Err() == nil {
					s.emit(Event{Type: EventDisconnected, Endpoint: p.endpoint, Err: err})
				}
				s.noteDead(p)
				return
			}
			continue
		}
		l.busy.Store(false)
		if s.closing.Load() {
			s.wake()
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return
		}
	}
}

// mcastRecvLoop queues every message the pgm receiver assembles, waiting while the
// socket's queue is full (the receiver then drops and counts, as a SUB at its HWM).
func (s *Socket) mcastRecvLoop(ctx context.Context, p *pipe, l *mcastLink) {
	room := make(chan struct{}, 1)
	p.in.OnWritable(func() { signal(room) })
	for {
		m, err := l.rcv.Recv(ctx)
		if err != nil {
			return
		}
		if !pushWaiting(p.in, m, room, ctx.Done()) {
			return
		}
	}
}
