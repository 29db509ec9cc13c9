package socket

import (
	"net"
	"slices"

	"github.com/brokerless/zmq/wire"
)

// Properties describes the connection a received message came from, as libzmq's
// zmq_msg_gets reads it: Get("Socket-Type"), Get("Identity"), Get("Peer-Address") and
// the application's "X-" properties (Options.Metadata of the peer). Msg.Properties
// returns it for messages received over tcp and ipc; messages from inproc and
// multicast peers have none, as in libzmq. Every message of a connection shares one
// immutable value, so programs that never ask pay nothing.
type Properties = wire.Properties

// connProperties returns the properties every message of a new stream connection
// carries. Peer-Address is addr (see peerAddress). User-Id is the user id the server's
// authenticator gave the peer (wire.AuthReply.UserID), empty for NULL and on clients.
// The metadata the authenticator added comes before the peer's own properties and so
// wins over a property of the same name the peer sent, as in libzmq: a client cannot
// forge what its server's authenticator says about it.
func connProperties(peer wire.Peer, addr string, auth wire.AuthReply) *Properties {
	md := peer.Metadata
	if len(auth.Metadata) > 0 {
		md = append(slices.Clip(auth.Metadata), peer.Metadata...)
	}
	return wire.NewProperties(md, addr, auth.UserID)
}

// peerAddress returns the Peer-Address of a stream connection, also the address of
// its ZAP requests, as libzmq 4.3 reports it: the peer's IP address for tcp, and
// "localhost:UID:GID:PID" for ipc on Linux (the peer process's credentials; the
// peer's socket name, usually empty, elsewhere).
func peerAddress(nc net.Conn) string {
	switch a := nc.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case *net.UnixAddr:
		return unixPeerAddress(nc, a)
	case nil:
		return ""
	default:
		return a.String()
	}
}
