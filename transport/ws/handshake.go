package ws

import (
	"errors"
	"net"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"
)

// ErrNotWebSocket reports a connection given to Handshake that did not come from
// this package's Listener or Dial.
var ErrNotWebSocket = errors.New("ws: not a WebSocket connection")

// errRoutingID reports a bare ZWS2.0 peer whose first message is no routing id.
var errRoutingID = errors.New("ws: first message is not a routing id")

// Handshake runs the ZeroMQ handshake over nc, a *Conn from Accept or Dial, within
// timeout, and returns the message-level connection (see transport.HandshakeWith).
// With a mechanism's subprotocol (ZWS2.0/NULL, /PLAIN, /CURVE) it is ZMTP's handshake
// without the greeting: the mechanism's commands, READY and its metadata. With bare
// ZWS2.0 each side sends its routing id (cfg.Identity, possibly empty) as its first
// message and nothing else: the peer announces no socket type, so none is checked,
// and the Peer has the zero SocketType. Either way the Peer is ZMTP 3.0:
// subscriptions travel as messages, as libzmq sends them over WebSocket.
func Handshake(nc net.Conn, cfg wire.HandshakeConfig, timeout time.Duration) (*transport.Conn, error) {
	c, ok := nc.(*Conn)
	if !ok {
		nc.Close()
		return nil, ErrNotWebSocket
	}
	hs := wire.HandshakeCommands
	if c.Protocol() == ProtocolBare {
		hs = handshakeBare
	}
	tc, err := transport.HandshakeWith(nc, cfg, timeout, hs)
	if err != nil {
		return nil, err
	}
	// Pings and pongs are WebSocket control frames, outside the mechanism even
	// with CURVE, as in libzmq.
	tc.SetClearHeartbeats()
	return tc, nil
}

// handshakeBare exchanges routing ids, the handshake of bare ZWS2.0.
func handshakeBare(r *wire.Reader, w *wire.Writer, cfg wire.HandshakeConfig) (wire.Peer, error) {
	if len(cfg.Identity) > 255 {
		return wire.Peer{}, errors.New("wire: identity longer than 255 bytes")
	}
	id := cfg.Identity
	if id == nil {
		id = []byte{}
	}
	if err := w.WriteMsg(wire.Msg{Frames: [][]byte{id}}); err != nil {
		return wire.Peer{}, err
	}
	if err := w.Flush(); err != nil {
		return wire.Peer{}, err
	}
	var m wire.Msg
	if err := r.ReadMsg(&m, nil); err != nil {
		return wire.Peer{}, err
	}
	if len(m.Frames) != 1 || len(m.Frames[0]) > 255 {
		return wire.Peer{}, &wire.ProtocolError{Code: wire.CodeZMTPUnspecified, Err: errRoutingID, Detail: "want one frame of at most 255 bytes"}
	}
	return wire.Peer{Major: 3, Minor: 0, Identity: append([]byte{}, m.Frames[0]...)}, nil
}
