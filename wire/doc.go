// Package wire implements the ZeroMQ Message Transport Protocol, ZMTP 3.0 and
// 3.1 (zeromq RFC 23 and 37), as spoken by libzmq 4.3: the greeting, frames,
// commands, metadata, the handshake, and the NULL, PLAIN (RFC 24) and CURVE
// (RFC 25/26) security mechanisms. With older peers it speaks what libzmq 4.3
// still accepts, ZMTP 2.0 (RFC 15) and ZMTP 1.0 (RFC 13): Handshake sends the
// greeting in libzmq's steps and picks the version from the peer's, and
// afterwards the same Reader and Writer carry the peer's framing (see
// Handshake).
//
// The package does no networking of its own and starts no goroutines. A
// Reader and a Writer wrap the two directions of a byte stream (a TCP or
// IPC connection); Handshake runs the greeting and security exchange over
// them; after that, messages flow with Reader.ReadMsg and Writer.WriteMsg.
//
// # Encoding
//
// Encoders follow the Append/Consume/Parse vocabulary: Append* functions
// append a complete encoding to a caller's slice (AppendFrameHeader,
// AppendReady, AppendPing, Greeting.Append, Metadata.Append), and
// ConsumeFrameHeader, ParseCommand, ParseMetadata and ParseGreeting decode
// from a slice. Parsers return a *ProtocolError for malformed input and never
// panic on it.
//
// # Buffers and ownership
//
// Reader.ReadFrame returns a body that is valid only until the next read.
// Reader.ReadMsg copies bodies out, so a Msg it returns may be kept forever;
// it draws small bodies from shared slabs and larger ones from pools of size
// classes, so it allocates almost nothing per message. Msg.Release returns a
// message's memory: a slab is reused once all its messages are released, a
// large body's buffer at once. Writer.WriteMsg copies small bodies and
// references bodies of 8 KiB or more until Flush, sending them with writev.
//
// Buffers follow the traffic: a Writer of the default size holds its buffer
// only while bytes are queued, and a Reader over an IdleReader (a connection
// with a file descriptor), after ReleaseWhenIdle, gives its buffer back while
// the stream has nothing to read, and its slab once the messages in it are
// released. Both come from pools shared by every connection, so an idle
// connection holds neither.
//
// # Errors
//
// Every violation of the protocol by the peer is a *ProtocolError carrying
// libzmq's ZMQ_PROTOCOL_ERROR_* code and wrapping a sentinel such as
// ErrFrameTooLarge or ErrIncompatibleSocketType. An ERROR command from the
// peer is a *PeerError. As in libzmq, either one means the connection is
// unusable, and a connecting side should not reconnect.
//
// # Security
//
// A mechanism is a Mechanism value given to Handshake in HandshakeConfig;
// roles come from the type, never from the greeting's as-server byte:
// PlainClient and PlainServer, CurveClient and CurveServer. PLAIN and CURVE
// values hold per-connection state, so each connection needs its own (Clone
// a configured one). A server asks its Authenticator, where ZAP plugs in,
// and reports what it accepted through ServerMechanism.Auth.
//
// After a CURVE handshake every frame, data or command, travels as an
// encrypted MESSAGE in a plain data frame, its MORE and COMMAND flags inside
// the box, as libzmq 4.3 does. CurveClient and CurveServer implement
// CodecMechanism; the FrameCodec from Codec seals outgoing frames and opens
// incoming ones without allocating. Give it to Reader.SetCodec and
// Writer.SetCodec after the handshake, and ReadMsg, WriteMsg and WriteFrame
// open and seal on their own, commands included; SetMaxFrame's limit then
// applies to the opened frames (the sealed ones are SealOverhead bytes
// larger). A socket clones its configured mechanism for every connection
// through MechanismCloner.
//
// CURVE's boxes are x/crypto's nacl/box and secretbox. Its key agreements
// call crypto/ecdh's X25519 directly - the implementation x/crypto's
// curve25519 wraps - with each secret key prepared once, then x/crypto's
// HSalsa20, which is box.Precompute's result at half its cost (the wrapper
// derives a public key it does not use on every call). A clone of a clone
// shares the configured secret key prepared, so a handshake costs four
// scalar multiplications on each side, plus one per configured mechanism. A
// peer key of low order is refused.
//
// # Tolerance
//
// The package is as lenient as libzmq where libzmq is lenient: greeting
// padding and the as-server byte are ignored, any major version of 3 or more
// is accepted, reserved frame flag bits are tolerated (and masked off), and a
// command may arrive between the frames of a multipart message.
//
// # Usage
//
//	r := wire.NewReader(conn, 0)
//	w := wire.NewWriter(conn, 0)
//	peer, err := wire.Handshake(r, w, wire.HandshakeConfig{SocketType: wire.Dealer})
//	if err != nil {
//		return err
//	}
//	w.WriteMsg(wire.Msg{Frames: [][]byte{[]byte("hello")}})
//	w.Flush()
//	var m wire.Msg
//	err = r.ReadMsg(&m, func(c wire.Command) error {
//		if c.Is(wire.CmdPing) {
//			_, ctx, err := wire.ParsePing(c.Data)
//			if err != nil {
//				return err
//			}
//			return w.WriteRaw(wire.AppendPong(nil, ctx))
//		}
//		return nil
//	})
//	_ = peer
package wire
