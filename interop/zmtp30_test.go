//go:build cgo

package interop

import (
	"fmt"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

// TestZMTP30SubAgainstLibzmqXPub pins libzmq's handling of a ZMTP 3.0 peer: a
// hand-written SUB (greeting minor 0) connects to a libzmq XPUB. libzmq completes the
// handshake, takes the 3.0 message-form subscription "\x01topic" (its application sees
// "\x01topic"), filters by it, and takes "\x00topic" as the cancel.
func TestZMTP30SubAgainstLibzmqXPub(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("raw ZMTP 3.0 SUB connects to libzmq XPUB on %s", tr), func(t *testing.T) {
			t.Parallel()
			xpub := newLZ(t, socket.XPub)
			c := rawDial(t, xpub.Bind(t, tr))
			g, md := rawHandshake(t, c, 0, socket.Sub)
			t.Logf("libzmq greeting: ZMTP %d.%d %s", g.Major, g.Minor, g.Mechanism)
			require.Equal(t, uint8(3), g.Major)
			typ, _ := md.Get(wire.PropSocketType)
			require.Equal(t, "XPUB", string(typ))

			rawWriteMsg(t, c, "\x01topic")
			want(t, xpub, xpub.Recv(t), "\x01topic")
			xpub.Send(t, "other")
			xpub.Send(t, "topic data", "more")
			_, body, _ := rawReadDataFrame(t, c)
			require.Equal(t, "topic data", string(body), "libzmq XPUB must filter by the 3.0 subscription")

			rawWriteMsg(t, c, "\x00topic")
			want(t, xpub, xpub.Recv(t), "\x00topic")
		})
	}
}

// TestZMTP30PubAgainstOurSub: a hand-written PUB listens, and our
// SUB (or XSUB) connects to it. Toward a ZMTP 3.0 peer our subscriber must send
// message-form subscriptions, a data frame "\x01A" (bytes 00 02 01 41) and "\x00A"
// for the cancel, not SUBSCRIBE/CANCEL commands; toward a 3.1 peer, the commands.
// Data from the raw publisher reaches our application.
func TestZMTP30PubAgainstOurSub(t *testing.T) {
	cases := []struct {
		minor       uint8
		sub, cancel []byte
	}{
		{0, []byte{0x00, 0x02, 0x01, 'A'}, []byte{0x00, 0x02, 0x00, 'A'}},
		{1, append([]byte{0x04, 0x0b, 0x09}, "SUBSCRIBEA"...), append([]byte{0x04, 0x08, 0x06}, "CANCELA"...)},
	}
	for _, tc := range cases {
		for _, typ := range []socket.Type{socket.Sub, socket.XSub} {
			for _, tr := range transports {
				t.Run(fmt.Sprintf("our %v connects to a raw ZMTP 3.%d PUB on %s", typ, tc.minor, tr), func(t *testing.T) {
					t.Parallel()
					ln, ep := rawListen(t, tr)
					sub := newOurs(t, typ, socket.Options{})
					sub.Subscribe(t, "A")
					sub.Connect(t, ep)
					c := rawAccept(t, ln)
					g, md := rawHandshake(t, c, tc.minor, socket.Pub)
					require.Equal(t, uint8(3), g.Major)
					require.Equal(t, uint8(1), g.Minor, "we advertise ZMTP 3.1")
					peerType, _ := md.Get(wire.PropSocketType)
					require.Equal(t, typ.String(), string(peerType))

					_, _, raw := rawReadFrame(t, c)
					require.Equal(t, tc.sub, raw, "subscription toward a ZMTP 3.%d peer: % x", tc.minor, raw)

					rawWriteMsg(t, c, "A data", "")
					want(t, sub, sub.Recv(t), "A data", "")

					sub.Unsubscribe(t, "A")
					_, _, raw = rawReadFrame(t, c)
					require.Equal(t, tc.cancel, raw, "cancel toward a ZMTP 3.%d peer: % x", tc.minor, raw)
				})
			}
		}
	}
}
