// Package ws is the ZeroMQ WebSocket transport, ws:// and wss://: ZWS 2.0 (RFC 45)
// as libzmq 4.3.4 speaks it, for libzmq peers and for browsers.
//
// An endpoint is "ws://HOST:PORT/PATH" (or wss://), where HOST:PORT is in tcp's
// syntax, so a listener takes "*" and a wildcard port, and PATH defaults to "/".
// A listener serves the HTTP upgrade with net/http; the WebSocket framing is
// github.com/gobwas/ws, a frame-level library that lets each frame be read and
// written straight from the connection's buffers (bench/wslib measures it against
// coder/websocket).
//
// The subprotocol names the security mechanism: ZWS2.0/NULL, ZWS2.0/PLAIN or
// ZWS2.0/CURVE, whose handshake is ZMTP's without the greeting, or the bare ZWS2.0
// that browsers offer, whose handshake is each side's routing id sent as its first
// message. Every ZeroMQ frame is one binary WebSocket message whose first byte holds
// the MORE (0x01) and COMMAND (0x02) flags. ZMTP's PING and PONG travel as WebSocket
// ping and pong frames, and SUB sockets send their subscriptions as messages
// starting with 1 or 0, as libzmq does. Clients mask their frames and servers do
// not; a frame masked the wrong way, a fragmented message, a text message or a
// control frame longer than 125 bytes ends the connection with a close frame and a
// *wire.ProtocolError.
//
// [Conn] presents the connection as a byte stream of ZMTP frames, so the ZMTP codec
// and the socket's stream engine run over it unchanged; [Handshake] replaces the
// greeting-based [transport.Handshake]. On the message path the Conn is a
// [transport.FramedConn]: the ZMTP writer encodes each frame as a ZWS message straight
// into its own buffer (a client masks it there, a word at a time) and sends many per
// system call, and Read unmasks small messages while it copies them out of its read
// buffer.
package ws
