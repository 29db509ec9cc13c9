package socket

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// errHeartbeatTimeout reports a peer that stayed silent after our PING.
var errHeartbeatTimeout = errors.New("socket: heartbeat timeout")

// errBadReply reports a message to a REQ socket without the empty delimiter; like
// libzmq, the connection is dropped as a protocol error.
var errBadReply = &wire.ProtocolError{Code: wire.CodeZMTPUnspecified, Err: errors.New("socket: REQ received a message without an empty delimiter"), Detail: "bad reply envelope"}

// engine moves messages between one pipe and one stream connection. It runs a reader
// goroutine (run) and a writer goroutine, which, without heartbeats, runs only while
// there is something to write (engine_write.go). Neither holds a socket lock while
// doing I/O; they meet the socket only through the pipe's queues.
type engine struct {
	s *Socket
	p *pipe
	c *transport.Conn

	wake chan struct{} // writer: p.out became readable, a PONG is due, or stop
	// Without heartbeats the writer runs on demand (engine_write.go): wstate says
	// whether one runs, writers counts them for run to wait, and a writer that ends
	// signals wexit.
	onDemand bool
	spell    func() // e.writeSpell
	wstate   atomic.Int32
	writers  sync.WaitGroup
	wexit    chan struct{}
	room     chan struct{} // reader: p.in has room again
	stopper                // quit, stop, fail: whichever loop fails first stops both

	frames atomic.Uint64 // frames and commands received, for heartbeat timeouts
	idle   atomic.Bool   // the writer has flushed everything it was given

	pongMu  sync.Mutex
	pongDue bool
	pongCtx [16]byte
	pongLen int

	ttlArmed bool      // reader: a PING's TTL set a read deadline that the next frame clears
	ttlAt    time.Time // when that deadline expires

	// What the reader checks in every message it hands on (see accept).
	countFrames bool // only the heartbeat timeout reads the frame count
	checkReq    bool // REQ: every reply starts with an empty delimiter

	// Reading on the caller's goroutine (direct.go). Whoever reads the connection, the
	// reader goroutine or a Recv reading directly, holds rmu; ttlArmed and ttlAt belong
	// to the holder.
	rmu         sync.Mutex
	directOK    bool            // the connection may be read by Recv (set once)
	noDirect    bool            // under rmu: a message did not fit the read buffer
	wantDirect  atomic.Bool     // a Recv would read directly: the reader parks at its next pause
	resume      chan struct{}   // wakes a parked reader before its lease ends
	directReads atomic.Uint64   // odd while a direct read runs; every one adds two
	leaseHeld   atomic.Bool     // the parked reader waits for the running direct read to end
	directEnded chan struct{}   // tells a reader that waits so that the direct read ended
	dbatch      []Msg           // under rmu: what a direct read decoded
	dlimit      int             // the most messages a direct read decodes at once
	lease       *time.Timer     // the parked reader's; made at its first park
	rawc        syscall.RawConn // for the parked reader's look at unread bytes
	holdParked  atomic.Bool     // tests: a parked reader ignores its lease

	// A direct read waits for bytes with a read deadline that others may move: dmu
	// orders them. Under dmu.
	dmu      sync.Mutex
	dwaiting bool // a direct read waits for bytes
	kicked   bool // something else needs the waiting Recv: give up the wait

	// The write side: the writer goroutine, or a REQ/REP caller writing directly,
	// holds wmu while it writes.
	wmu         sync.Mutex
	wbatch      []Msg  // grows to the largest batch taken; nil until the first
	cmdBuf      []byte // scratch for command frames
	convertSubs bool   // SUB/XSUB to a 3.1 peer: subscriptions become commands
	commandsOut bool   // DISH: every queued frame is a JOIN or LEAVE command body

	// inbound checks each message of a draft type's peer (draftInbound): whether to
	// deliver it, or an error that drops the connection. Nil for the classic types.
	inbound func(Msg) (bool, error)
}

func newEngine(s *Socket, p *pipe, c *transport.Conn) *engine {
	e := &engine{
		s:           s,
		p:           p,
		c:           c,
		wake:        make(chan struct{}, 1),
		room:        make(chan struct{}, 1),
		stopper:     newStopper(c),
		convertSubs: (s.typ == Sub || s.typ == XSub) && p.minor >= 1,
		commandsOut: s.typ == Dish,
		inbound:     draftInbound(s.typ),
		countFrames: s.opts.HeartbeatInterval > 0,
		checkReq:    s.typ == Req,
	}
	// The writer sends the PINGs: it stays when there are any (ZMTP 1.0 and 2.0 have
	// none, as in libzmq).
	if s.opts.HeartbeatInterval <= 0 || c.Peer().Major < 3 {
		e.onDemand = true
		e.wexit = make(chan struct{}, 1)
		e.spell = e.writeSpell
		e.idle.Store(true) // no writer has anything yet
	}
	e.initDirect()
	// The reader goroutine owns the connection from the start: a Recv must not read
	// it before run has set it up.
	e.rmu.Lock()
	return e
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// run drives the connection until it fails or stop is called, and returns the reason.
// It waits for the writer goroutines it starts before returning.
func (e *engine) run() error {
	p := e.p
	// Any bytes at all clear the read deadline a peer's PING TTL set, as in libzmq:
	// a frame that takes longer than the TTL to arrive still proves the peer alive.
	e.c.OnBytes(e.disarmTTL)
	// REQ and REP follow every message they queue with writeDirect, which wakes the
	// writer itself when it cannot write the message at once: a round trip then
	// wakes no writer at all.
	if !e.sendsDirect() {
		p.out.OnReadable(func() {
			if e.s.replyPipe.Load() != p { // see Socket.pushReply
				e.wakeWriter()
			}
		})
	}
	p.in.OnWritable(func() { signal(e.room) })
	var err error
	if e.onDemand {
		// Messages queued before the connection (a pipe that outlives its
		// connections) are written at once; later ones wake the writer as they come.
		if p.out.Len() > 0 {
			e.wakeWriter()
		}
		e.fail(e.readLoop())
		e.endWriters()
		err = e.result()
	} else {
		err = e.runPair(e.readLoop, e.writeLoop)
	}
	p.out.OnReadable(nil)
	// The connection's read buffer and slab go to the next connection. Recv no
	// longer reads a stopped engine; one that was reading has let go of rmu.
	e.rmu.Lock()
	e.c.ReleaseReader()
	e.rmu.Unlock()
	return err
}

// maxReadBatch bounds how many messages the reader hands over at once.
const maxReadBatch = 256

// readBatches holds the arrays readers gather decoded messages in. A reader takes one
// when it decodes a message and gives it back once it has handed everything over and
// the next read may wait, so that an idle connection's reader keeps no array, nor a
// goroutine stack large enough to hold one.
var readBatches = sync.Pool{New: func() any { return new([maxReadBatch]Msg) }}

func (e *engine) readLoop() error {
	defer e.rmu.Unlock() // locked by newEngine
	var batch []Msg      // from readBatches while it holds messages
	defer func() {
		if batch != nil {
			clear(batch)
			readBatches.Put((*[maxReadBatch]Msg)(batch[:maxReadBatch]))
		}
	}()
	for {
		var m Msg
		var err error
		ok := false
		if len(batch) > 0 && len(batch) < maxReadBatch {
			ok, err = e.c.ReadBufferedMsg(&m, e.onCommand)
		}
		if !ok && err == nil {
			// Hand over what has been decoded before the next read might wait for
			// the network: one queue operation and one wake-up per batch, never a
			// delay.
			if len(batch) > 0 {
				if !e.deliverBatch(batch) {
					return errStopped
				}
				clear(batch)
				readBatches.Put((*[maxReadBatch]Msg)(batch[:maxReadBatch]))
				batch = nil
			}
			// A Recv that would rather read itself takes over at this pause.
			if e.wantDirect.Load() && !e.c.Decodable() {
				if !e.park() {
					e.rmu.Lock() // for the deferred Unlock
					return errStopped
				}
				continue
			}
			if e.c.ReadBuffered() == 0 {
				// Wait for input here rather than deep in ReadMsg: the reader of
				// an idle connection then waits with a shallow stack, which the
				// collector shrinks to half.
				if err = e.c.ReadMore(); err == nil {
					continue
				}
			} else {
				err = e.c.ReadMsg(&m, e.onCommand)
			}
		}
		if err != nil {
			select {
			case <-e.quit:
				return errStopped
			default:
			}
			// Messages decoded before the failure still count.
			e.deliverBatch(batch)
			return err
		}
		keep, err := e.accept(&m)
		if err != nil {
			e.deliverBatch(batch)
			return err
		}
		if keep {
			if batch == nil {
				batch = readBatches.Get().(*[maxReadBatch]Msg)[:0]
			}
			batch = append(batch, m)
		}
	}
}

// accept checks a message just read, before it is handed on, and counts it as a sign
// of life: it reports whether to deliver it, or an error that ends the connection.
// The goroutine that holds e.rmu calls it.
func (e *engine) accept(m *Msg) (bool, error) {
	if e.countFrames {
		e.frames.Add(1)
	}
	e.disarmTTL()
	if e.checkReq && !validReply(*m) {
		return false, errBadReply
	}
	if e.inbound != nil {
		keep, err := e.inbound(*m)
		if err != nil {
			return false, err
		}
		if !keep {
			m.Release()
			return false, nil
		}
	}
	return true, nil
}

// deliverBatch queues msgs for the socket in order, waiting while the queue is full.
func (e *engine) deliverBatch(msgs []Msg) bool {
	for len(msgs) > 0 {
		n, full := e.p.in.PushBatch(msgs)
		msgs = msgs[n:]
		if len(msgs) == 0 {
			return true
		}
		if !full { // closed
			return false
		}
		select {
		case <-e.room:
		case <-e.quit:
			return false
		}
	}
	return true
}

// validReply checks the envelope libzmq's REQ session insists on: an empty delimiter
// first (gotcha 14).
func validReply(m Msg) bool {
	return len(m.Frames) >= 2 && len(m.Frames[0]) == 0
}

// deliver queues m for the socket, waiting while the queue is full: that stops reading
// the connection, so TCP pushes back on the peer.
func (e *engine) deliver(m Msg) bool { return pushWaiting(e.p.in, m, e.room, e.quit) }

// disarmTTL clears the read deadline a peer's PING set: any frame, or any bytes of
// one, proves it alive, as in libzmq. The goroutine that holds e.rmu calls it.
func (e *engine) disarmTTL() {
	if e.ttlArmed {
		e.dmu.Lock()
		e.ttlArmed = false
		e.setReadDeadlineLocked()
		e.dmu.Unlock()
	}
}

// armTTL sets the read deadline a peer's PING asks for. The goroutine that holds
// e.rmu calls it.
func (e *engine) armTTL(ttl time.Duration) {
	e.dmu.Lock()
	e.ttlArmed = true
	e.ttlAt = time.Now().Add(ttl)
	e.setReadDeadlineLocked()
	e.dmu.Unlock()
}

func (e *engine) onCommand(cmd wire.Command) error {
	e.frames.Add(1)
	if !cmd.Is(wire.CmdPing) {
		e.disarmTTL()
	}
	switch {
	case cmd.Is(wire.CmdPing):
		ttl, ctx, err := wire.ParsePing(cmd.Data)
		if err != nil {
			return err
		}
		e.pongMu.Lock()
		e.pongLen = copy(e.pongCtx[:], ctx)
		e.pongDue = true
		e.pongMu.Unlock()
		e.wakeWriter()
		if ttl > 0 {
			// The peer asks to be dropped if it then stays silent this long.
			e.armTTL(time.Duration(ttl) * 100 * time.Millisecond)
		} else {
			e.disarmTTL()
		}
	case cmd.Is(wire.CmdSubscribe), cmd.Is(wire.CmdCancel):
		if e.s.typ != Pub && e.s.typ != XPub {
			return nil
		}
		if !e.deliver(subscriptionMsg(cmd.Is(wire.CmdSubscribe), cmd.Data)) {
			return errStopped
		}
	case cmd.Is(wire.CmdJoin), cmd.Is(wire.CmdLeave):
		if e.s.typ == Radio && !e.deliver(joinLeaveFromCommand(cmd)) {
			return errStopped
		}
	}
	// PONG only counts as traffic; anything else after the handshake is ignored, as
	// libzmq does.
	return nil
}

// testHookWriterTook, when set by a test, runs after a writer or writeDirect has taken
// messages from the pipe and before it writes them.
var testHookWriterTook func()

// isProtocolError reports whether err ends a connection for good: libzmq does not
// reconnect after a protocol violation (gotcha 7).
func isProtocolError(err error) bool {
	var pe *wire.ProtocolError
	var peerErr *wire.PeerError
	return errors.As(err, &pe) || errors.As(err, &peerErr)
}

// isCleanClose reports an orderly end of the stream.
func isCleanClose(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, errStopped)
}
