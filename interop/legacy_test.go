//go:build cgo

package interop

// Hand-written ZMTP 2.0 and 1.0 peers against libzmq 4.3 and against our sockets, side
// by side: libzmq cannot be made to speak an old version itself, but it still serves
// old peers, so what it sends them is the reference. The two servers must send the
// same bytes (greeting, identity frame, framing) and deliver the same messages.

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// legacySig is a signature whose padding is the 1.0 length of an identity of idLen
// bytes, as libzmq sends it.
func legacySig(idLen int) []byte {
	return append(binary.BigEndian.AppendUint64([]byte{0xFF}, uint64(idLen)+1), 0x7F)
}

// legacyFrames encodes frames as one message, in 2.0 framing or, with v1, 1.0 framing.
func legacyFrames(v1 bool, frames ...string) []byte {
	var b []byte
	for i, f := range frames {
		flags := byte(0)
		if i < len(frames)-1 {
			flags = wire.FlagMore
		}
		if v1 {
			b = wire.AppendV1FrameHeader(b, flags, uint64(len(f)))
		} else {
			b = wire.AppendFrameHeader(b, flags, len(f))
		}
		b = append(b, f...)
	}
	return b
}

// legacyRead reads exactly n bytes.
func legacyRead(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err, "after %d bytes", n)
	return b
}

// legacyServer makes the server under test: libzmq's or ours, with routing id id.
type legacyServer struct {
	name string
	make func(t *testing.T, typ socket.Type, id string) peer
}

var legacyServers = []legacyServer{
	{"libzmq", func(t *testing.T, typ socket.Type, id string) peer {
		return newLZ(t, typ, func(s *zmq.Socket) error {
			if id == "" {
				return nil
			}
			return s.SetIdentity(id)
		})
	}},
	{"ours", func(t *testing.T, typ socket.Type, id string) peer {
		return newOurs(t, typ, socket.Options{RoutingID: []byte(id)})
	}},
}

// legacyCase is one conversation with a hand-written old peer. run returns every byte
// the server sent the peer, to be compared between the servers.
type legacyCase struct {
	name   string
	server socket.Type
	id     string // the server's routing id
	run    func(t *testing.T, srv peer, c net.Conn) []byte
}

var legacyCases = []legacyCase{
	{
		name: "ZMTP 2.0 DEALER with identity old-dealer to a ROUTER", server: socket.Router, id: "srv",
		run: func(t *testing.T, srv peer, c net.Conn) []byte {
			_, err := c.Write(append(append(legacySig(10), 0x01, byte(socket.Dealer)), legacyFrames(false, "old-dealer")...))
			require.NoError(t, err)
			got := legacyRead(t, c, 12+2+3) // greeting, identity frame "srv"
			_, err = c.Write(legacyFrames(false, "", "request", string(make([]byte, 300))))
			require.NoError(t, err)
			want(t, srv, srv.Recv(t), "old-dealer", "", "request", string(make([]byte, 300)))
			srv.Send(t, "old-dealer", "", "reply")
			return append(got, legacyRead(t, c, 2+2+5)...)
		},
	},
	{
		name: "ZMTP 2.0 SUB to a PUB: its subscription message filters", server: socket.Pub,
		run: func(t *testing.T, srv peer, c net.Conn) []byte {
			_, err := c.Write(append(append(legacySig(0), 0x01, byte(socket.Sub)), legacyFrames(false, "")...))
			require.NoError(t, err)
			got := legacyRead(t, c, 12+2)
			_, err = c.Write(legacyFrames(false, "\x01A"))
			require.NoError(t, err)
			// Publish until a message arrives: the first must be an A.
			return append(got, legacyPublishUntil(t, srv, c, 2+3, "B-x", "A-y")...)
		},
	},
	{
		name: "unversioned ZMTP 1.0 PUSH with identity old to a PULL", server: socket.Pull, id: "pl",
		run: func(t *testing.T, srv peer, c net.Conn) []byte {
			_, err := c.Write(append(legacyFrames(true, "old"), legacyFrames(true, "one", string(make([]byte, 254)))...))
			require.NoError(t, err)
			got := legacyRead(t, c, 10+2) // our identity: its header is the signature
			want(t, srv, srv.Recv(t), "one", string(make([]byte, 254)))
			return got
		},
	},
	{
		name: "unversioned ZMTP 1.0 SUB, which never subscribes, to a PUB", server: socket.Pub,
		run: func(t *testing.T, srv peer, c net.Conn) []byte {
			_, err := c.Write(legacyFrames(true, ""))
			require.NoError(t, err)
			got := legacyRead(t, c, 10)
			return append(got, legacyPublishUntil(t, srv, c, 2+3, "A-y")...)
		},
	},
	{
		name: "revision 0 (1.0 framing) PUSH to a PULL", server: socket.Pull,
		run: func(t *testing.T, srv peer, c net.Conn) []byte {
			_, err := c.Write(append(append(legacySig(0), 0x00, byte(socket.Push)), legacyFrames(true, "")...))
			require.NoError(t, err)
			got := legacyRead(t, c, 12+2)
			_, err = c.Write(legacyFrames(true, "rev0", string(make([]byte, 300))))
			require.NoError(t, err)
			want(t, srv, srv.Recv(t), "rev0", string(make([]byte, 300)))
			return got
		},
	},
}

// legacyPublishUntil publishes msgs from srv, over and over, until n bytes reach c.
func legacyPublishUntil(t *testing.T, srv peer, c net.Conn, n int, msgs ...string) []byte {
	t.Helper()
	got := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(wait))
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			b = []byte("error: " + err.Error())
		}
		got <- b
	}()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(wait)
	for {
		for _, m := range msgs {
			srv.Send(t, m)
		}
		select {
		case b := <-got:
			return b
		case <-tick.C:
		case <-deadline:
			t.Fatal("nothing was published to the old subscriber")
		}
	}
}

func TestLegacyPeersLibzmqAndOurs(t *testing.T) {
	for _, lc := range legacyCases {
		t.Run(lc.name, func(t *testing.T) {
			sent := map[string][]byte{}
			for _, s := range legacyServers {
				t.Run(s.name, func(t *testing.T) {
					srv := s.make(t, lc.server, lc.id)
					c := rawDial(t, srv.Bind(t, "tcp"))
					sent[s.name] = lc.run(t, srv, c)
				})
			}
			require.Len(t, sent, 2)
			require.Equal(t, fmt.Sprintf("% x", sent["libzmq"]), fmt.Sprintf("% x", sent["ours"]),
				"we send an old peer other bytes than libzmq does")
		})
	}
}
