package transport

import (
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/brokerless/zmq/internal/fdio"
	"github.com/brokerless/zmq/wire"
)

// Conn is a ZMTP connection over a byte stream whose handshake is done: it
// reads and writes whole messages. Build one with [Handshake].
//
// One goroutine may read (ReadMsg) while another writes (WriteMsg,
// WriteCommandFrame, Flush); neither side is safe for concurrent use with
// itself. Close may be called from any goroutine and unblocks both.
type Conn struct {
	nc   net.Conn
	r    *wire.Reader
	w    *wire.Writer
	peer wire.Peer
	raw  syscall.RawConn // for non-blocking writes; nil if nc has no file descriptor

	// writeNonBlocking's arguments and results, kept here so that its callback is
	// made once and a write allocates nothing.
	nbBuf   []byte
	nbN     int
	nbErr   error
	nbWrite func(fd uintptr) bool
	nbFlush func([]byte) (int, error)

	onBytes func() // see OnBytes; called by the reading goroutine

	sealed  bool           // the mechanism protects every frame (CURVE): see Handshake
	clearHB bool           // sealed, but PING and PONG travel in clear: see SetClearHeartbeats
	auth    wire.AuthReply // what the server's authenticator accepted
}

// connReader hands the stream to the frame decoder and tells the Conn when bytes arrive.
type connReader struct{ c *Conn }

func (r connReader) Read(b []byte) (int, error) {
	n, err := r.c.nc.Read(b)
	if n > 0 && r.c.onBytes != nil {
		r.c.onBytes()
	}
	return n, err
}

// Handshake runs the ZMTP handshake (greeting, security mechanism, metadata;
// see [wire.Handshake]) over nc and returns the message-level connection. The
// peer may speak ZMTP 3.x, 2.0 or 1.0 ([Conn.Peer] says which); the Conn then
// reads and writes in its framing. To a peer below 3.0, send no command frames.
// The handshake must finish within timeout, enforced with a deadline on nc
// that is cleared afterwards; a timeout of zero or less means no limit.
//
// cfg.Mechanism serves this connection only (PLAIN and CURVE values hold
// per-connection state; see wire.MechanismCloner). When it is a
// wire.CodecMechanism (CURVE), the Conn seals every frame it writes and opens
// every frame it reads with the mechanism's codec, commands included, so that
// ReadMsg, WriteMsg and WriteCommandFrame are used as over NULL; the choice is
// made once, here. When it is a wire.ServerMechanism, [Conn.Auth] returns what
// its authenticator accepted.
//
// Handshake takes ownership of nc: on error it closes nc and returns the
// cause, a *net.OpError with a timeout, a *wire.ProtocolError, a
// *wire.PeerError (refused by the peer) or a *wire.AuthError (a client
// refused by our authenticator) among others.
func Handshake(nc net.Conn, cfg wire.HandshakeConfig, timeout time.Duration) (*Conn, error) {
	return HandshakeWith(nc, cfg, timeout, wire.Handshake)
}

// FramedConn is a connection that carries ZMTP frames in a framing of its own, such
// as a WebSocket under ZWS 2.0 (package ws). A Conn over one encodes every frame
// with its Framer straight into the Conn's write buffer, so that a frame is encoded
// once and many go out in one write, and writes the encoded bytes with WriteFramed
// (Flush) and TryWriteFramed (TryFlush) rather than Write.
type FramedConn interface {
	net.Conn
	// Framer returns the framing of the connection's frames. It is called once,
	// and then only from the goroutine that writes.
	Framer() wire.Framer
	// WriteFramed writes p, bytes the Framer produced: whole frames, except that
	// the first may be the rest of one cut short by TryWriteFramed.
	WriteFramed(p []byte) (int, error)
	// TryWriteFramed writes as much of p as the connection takes without waiting,
	// possibly nothing, and reports how much.
	TryWriteFramed(p []byte) (int, error)
}

// framedWriter hands what the Writer flushes to a FramedConn.
type framedWriter struct{ fc FramedConn }

func (w framedWriter) Write(p []byte) (int, error) { return w.fc.WriteFramed(p) }

// HandshakeFunc runs a handshake over the two directions of one connection and
// returns what the peer announced: [wire.Handshake], or for a transport that agrees
// on the mechanism before any frame, such as WebSocket, [wire.HandshakeCommands].
type HandshakeFunc func(r *wire.Reader, w *wire.Writer, cfg wire.HandshakeConfig) (wire.Peer, error)

// HandshakeWith is [Handshake] with the handshake itself run by hs, for transports
// whose connections carry ZMTP frames without its greeting. Everything else, the
// deadline, the sealing of frames after CURVE and the ownership of nc, is as in
// Handshake.
func HandshakeWith(nc net.Conn, cfg wire.HandshakeConfig, timeout time.Duration, hs HandshakeFunc) (*Conn, error) {
	c := &Conn{nc: nc}
	if fc, ok := nc.(FramedConn); ok {
		c.w = wire.NewWriter(framedWriter{fc}, 0)
		c.w.SetFramer(fc.Framer())
		c.nbFlush = fc.TryWriteFramed
	} else {
		c.w = wire.NewWriter(nc, 0)
	}
	c.r = wire.NewReader(newConnReader(c), 0)
	if timeout > 0 {
		if err := nc.SetDeadline(time.Now().Add(timeout)); err != nil {
			nc.Close()
			return nil, err
		}
	}
	peer, err := hs(c.r, c.w, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if timeout > 0 {
		if err := nc.SetDeadline(time.Time{}); err != nil {
			nc.Close()
			return nil, err
		}
	}
	c.peer = peer
	// From now on everything read is copied out of the read buffer, which can then
	// go back to its pool while the connection is idle.
	c.r.ReleaseWhenIdle()
	if cm, ok := cfg.Mechanism.(wire.CodecMechanism); ok {
		if codec := cm.Codec(); codec != nil {
			c.r.SetCodec(codec)
			c.w.SetCodec(codec)
			c.sealed = true
		}
	}
	if sm, ok := cfg.Mechanism.(wire.ServerMechanism); ok {
		_, c.auth = sm.Auth()
	}
	return c, nil
}

// Auth returns what the local server's authenticator accepted for this peer
// (its user id and metadata); the zero AuthReply for a client, or with NULL.
func (c *Conn) Auth() wire.AuthReply { return c.auth }

// SetClearHeartbeats makes a sealed connection write its PING and PONG commands in
// clear and accept them in clear (see wire.Reader.SetClearHeartbeats), for a
// transport that carries heartbeats outside the mechanism: ZWS 2.0 turns them into
// WebSocket ping and pong frames. It does nothing to a connection that is not
// sealed. Call it before the first read or write.
func (c *Conn) SetClearHeartbeats() {
	if c.sealed {
		c.clearHB = true
		c.r.SetClearHeartbeats(true)
	}
}

// Sealed reports whether the connection's frames are protected by the
// mechanism's codec (CURVE).
func (c *Conn) Sealed() bool { return c.sealed }

// Peer returns what the peer announced in the handshake: its ZMTP version,
// socket type, identity and other metadata.
func (c *Conn) Peer() wire.Peer { return c.peer }

// OnBytes registers f to be called, on the goroutine calling ReadMsg, every time bytes
// arrive from the network, whole frames or not: heartbeat logic uses it to count any
// traffic as a sign of life. Call it before ReadMsg, not concurrently with it.
func (c *Conn) OnBytes(f func()) { c.onBytes = f }

// SetMaxFrame limits the size of inbound frames; a larger one fails ReadMsg
// with a *wire.ProtocolError wrapping wire.ErrFrameTooLarge before anything
// is allocated for it (ZMQ_MAXMSGSIZE). n <= 0 means no limit, the default.
// Over a sealed connection the limit applies to the opened frame, and the
// sealed one may be wire.SealOverhead bytes larger.
// Call it before ReadMsg, not concurrently with it.
func (c *Conn) SetMaxFrame(n int64) { c.r.SetMaxFrame(n) }

// ReadMsg reads the next whole data message into m. Its frames stay valid
// after later reads. Command frames that arrive before or between the frames
// (PING, SUBSCRIBE...) are passed to onCommand, whose Command is valid only
// during the call; a nil onCommand ignores them. See [wire.Reader.ReadMsg].
// A clean close by the peer between messages returns io.EOF.
func (c *Conn) ReadMsg(m *wire.Msg, onCommand func(wire.Command) error) error {
	return c.r.ReadMsg(m, onCommand)
}

// WriteMsg queues m. Nothing may reach the peer before [Conn.Flush]. Large
// frame bodies are referenced, not copied, so m's frames must not be
// modified until Flush returns.
func (c *Conn) WriteMsg(m wire.Msg) error { return c.w.WriteMsg(m) }

// WriteCommandFrame queues frame, a complete pre-encoded command frame such
// as the output of wire.AppendPing or wire.AppendSubscription. Like WriteMsg
// it is buffered until Flush. Over a sealed connection the command is sealed
// like any frame.
func (c *Conn) WriteCommandFrame(frame []byte) error {
	if c.sealed {
		flags, size, n, err := wire.ConsumeFrameHeader(frame)
		if err != nil {
			return err
		}
		if n == 0 || size != uint64(len(frame)-n) || flags&wire.FlagCommand == 0 {
			return errNotCommandFrame
		}
		if c.clearHB {
			if cmd, err := wire.ParseCommand(frame[n:]); err == nil && (cmd.Is(wire.CmdPing) || cmd.Is(wire.CmdPong)) {
				return c.w.WriteRaw(frame)
			}
		}
		return c.w.WriteFrame(flags, frame[n:])
	}
	return c.w.WriteRaw(frame)
}

// errNotCommandFrame reports a WriteCommandFrame argument that is not one whole
// command frame.
var errNotCommandFrame = errors.New("transport: WriteCommandFrame needs exactly one command frame")

// ReadBufferedMsg reads the next message if it is already whole in the buffer and
// reports true, or reports false and reads nothing (see [wire.Reader.ReadBufferedMsg]).
// Over a sealed connection it opens the frames that are whole, and may report false
// having kept a message's first frames for the next read.
func (c *Conn) ReadBufferedMsg(m *wire.Msg, onCommand func(wire.Command) error) (bool, error) {
	return c.r.ReadBufferedMsg(m, onCommand)
}

// Decodable reports whether the next ReadBufferedMsg makes progress without reading
// from the network: a whole message is buffered (MsgBuffered), or over a sealed
// connection, where the end of a message is sealed inside it, a whole frame.
func (c *Conn) Decodable() bool {
	if c.sealed {
		return c.r.FrameBuffered()
	}
	return c.r.MsgBuffered()
}

// MsgBuffered reports whether the next ReadMsg can return without waiting for the
// network: a whole message is already buffered. Over a sealed connection it reports
// false, since where a message ends is sealed inside its frames.
func (c *Conn) MsgBuffered() bool { return c.r.MsgBuffered() }

// ReadMore reads from the connection once, adding what arrives to the buffered bytes
// without decoding any of it (see wire.Reader.ReadMore): a goroutine that waits for a
// message this way may give up, on a deadline, without disturbing the stream. A
// timeout is not sticky; wire.ErrBufferFull means the next message does not fit the
// buffer, and only ReadMsg can read it.
func (c *Conn) ReadMore() error { return c.r.ReadMore() }

// ReleaseReader gives the read buffer and body slab back to their pools once the
// connection is no longer read (see wire.Reader.Release); later reads fail. Call it
// after the last read has returned, not concurrently with one.
func (c *Conn) ReleaseReader() { c.r.Release() }

// ReadBuffered returns how many bytes have been read from the connection and not
// yet decoded.
func (c *Conn) ReadBuffered() int { return c.r.Buffered() }

// ReadCommands passes the whole command frames at the head of the buffered bytes to
// onCommand and stops before anything else, without reading (see
// wire.Reader.ReadCommands).
func (c *Conn) ReadCommands(onCommand func(wire.Command) error) error {
	return c.r.ReadCommands(onCommand)
}

// Flush writes everything queued to the connection.
func (c *Conn) Flush() error { return c.w.Flush() }

// Close closes the underlying connection without flushing: queued output is
// dropped. Blocked reads and writes return errors.
func (c *Conn) Close() error { return c.nc.Close() }

// NetConn returns the underlying connection, for its addresses and
// deadlines. Reading or writing it directly corrupts the stream.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Buffered returns how many bytes are queued for writing and not yet written.
func (c *Conn) Buffered() int { return c.w.Buffered() }

// TryFlush writes as much of what is queued as the connection takes without waiting,
// and reports whether everything went. What is left stays queued for the next
// TryFlush or Flush. Over a FramedConn it writes with TryWriteFramed; over another
// connection without a file descriptor (or on a system where TryFlush cannot write
// one, Windows) it writes nothing and reports false.
func (c *Conn) TryFlush() (bool, error) {
	if c.nbFlush == nil && c.raw == nil {
		if !fdio.Supported {
			return false, nil
		}
		if sc, ok := c.nc.(syscall.Conn); ok {
			c.raw, _ = sc.SyscallConn()
		}
		if c.raw == nil {
			return false, nil
		}
	}
	if c.nbFlush == nil {
		c.nbFlush = c.writeNonBlocking
	}
	return c.w.FlushSome(c.nbFlush)
}

// writeNonBlocking writes b with one system call on the connection's non-blocking
// descriptor: a full socket buffer takes part of b or none of it, without an error.
func (c *Conn) writeNonBlocking(b []byte) (int, error) {
	if c.nbWrite == nil {
		c.nbWrite = func(fd uintptr) bool {
			c.nbN, c.nbErr = fdio.Write(fd, c.nbBuf)
			return true // never wait for the descriptor to become writable
		}
	}
	c.nbBuf = b
	err := c.raw.Write(c.nbWrite)
	c.nbBuf = nil
	n, werr := max(c.nbN, 0), c.nbErr
	if errors.Is(werr, syscall.EAGAIN) || errors.Is(werr, syscall.EINTR) {
		werr = nil
	}
	if err != nil {
		return n, err
	}
	if werr != nil {
		return n, &net.OpError{Op: "write", Net: c.nc.LocalAddr().Network(), Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: werr}
	}
	return n, nil
}

// SetProperties makes every message read from now on carry p, the properties of this
// connection (see wire.Msg.Properties). Call it before the first ReadMsg.
func (c *Conn) SetProperties(p *wire.Properties) { c.r.SetProperties(p) }
