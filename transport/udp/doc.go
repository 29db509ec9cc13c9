// Package udp implements ZeroMQ's udp:// transport, which carries RADIO/DISH and DGRAM
// messages as single UDP datagrams, in the format libzmq 4.3 uses.
//
// There is no connection, greeting or handshake below a udp:// endpoint: a RADIO
// sends each message as one datagram to the endpoint's address, and whoever listens
// there receives it. Groups are not announced either: a DISH joins groups locally and
// filters what arrives (libzmq's dish does the same for udp), and a RADIO sends every
// message whatever the group.
//
// # Datagrams
//
// A RADIO/DISH datagram is one byte holding the group's length (0 to 255), the group,
// and the body filling the rest of the datagram. A DGRAM datagram is the body alone;
// the peer's address travels beside it, as the "IP:PORT" text libzmq puts in the
// first frame of a DGRAM message. A datagram holds at most [MaxDatagram] bytes, as in
// libzmq, which neither sends nor reads more.
//
// # Endpoints
//
//	udp://HOST:PORT            unicast: the address to bind (DISH, DGRAM), "*" for any,
//	                           or the destination to send to (RADIO)
//	udp://IFACE;GROUP:PORT     IPv4 multicast: the group, on the interface named by
//	                           IFACE (a name such as "eth0", or one of its IPv4 addresses)
//
// libzmq also accepts a multicast group without an interface, letting the kernel pick
// one; this package insists on an explicit interface, so that multicast never leaves
// on a network nobody chose. Only IPv4 is supported, as in libzmq's udp engine.
//
// # Hostile input
//
// Any host may send a datagram to a bound port. A datagram that is too short for the
// length it claims, longer than MaxDatagram, or whose body exceeds the receiver's
// MaxMsgSize is dropped and counted in [Stats]; it costs nothing but itself, and the
// memory a [Conn] holds is one datagram buffer whatever arrives.
package udp
