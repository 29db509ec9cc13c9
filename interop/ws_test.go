//go:build cgo

package interop

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
)

// These tests pin down, frame by frame, the facts of libzmq 4.3.4's ZWS 2.0 that
// transport/ws relies on, with a WebSocket peer written frame by frame.

// zwsReady is a ZWS READY command from a socket of type typ.
func zwsReady(typ string) []byte {
	b := append([]byte{0x02, 5}, "READY"...)
	b = append(b, 11)
	b = append(b, "Socket-Type"...)
	b = append(b, 0, 0, 0, byte(len(typ)))
	return append(b, typ...)
}

func writeMasked(t *testing.T, nc net.Conn, op ws.OpCode, payload []byte) {
	t.Helper()
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, append([]byte(nil), payload...)))
	require.NoError(t, ws.WriteFrame(nc, f))
}

// TestWSLibzmqServerFrames: libzmq's ws server takes ZWS2.0/NULL, sends READY (without
// waiting for ours) as a binary message flagged 0x02, and its heartbeat PING is a WebSocket ping with an
// empty payload.
func TestWSLibzmqServerFrames(t *testing.T) {
	router := newLZ(t, socket.Router,
		func(s *zmq.Socket) error { return s.SetHeartbeatIvl(hbInterval) })
	ep := router.Bind(t, "ws")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	d := ws.Dialer{Protocols: []string{"ZWS2.0/NULL"}}
	nc, br, hs, err := d.Dial(ctx, ep)
	require.NoError(t, err)
	defer nc.Close()
	require.Equal(t, "ZWS2.0/NULL", hs.Protocol)
	require.NoError(t, nc.SetDeadline(time.Now().Add(wait)))
	// libzmq may send its READY at once, before ours: then the upgrade's reader
	// holds its first bytes.
	var r io.Reader = nc
	if br != nil {
		r = br
	}

	//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
	f, err := ws.ReadFrame(r)
	require.NoError(t, err)
	require.Equal(t, ws.OpBinary, f.Header.OpCode)
	require.False(t, f.Header.Masked)
	require.Equal(t, byte(0x02), f.Payload[0], "READY carries the COMMAND flag 0x02")
	cmd, err := wire.ParseCommand(f.Payload[1:])
	require.NoError(t, err)
	require.True(t, cmd.Is(wire.CmdReady))

	writeMasked(t, nc, ws.OpBinary, zwsReady("DEALER"))
	for {
		//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
		f, err = ws.ReadFrame(r)
		require.NoError(t, err, "want a ping from libzmq's heartbeat")
		if f.Header.OpCode == ws.OpPing {
			break
		}
	}
	require.Empty(t, f.Payload, "libzmq's PING carries no TTL or context over ws")
}

// TestWSLibzmqClientFrames: libzmq's ws client offers "ZWS2.0/NULL,ZWS2.0", masks its
// frames, and a SUB sends its subscription as a data message whose body starts with
// 1, not as a SUBSCRIBE command.
func TestWSLibzmqClientFrames(t *testing.T) {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	sub := newLZ(t, socket.Sub)
	sub.Connect(t, "ws://"+nl.Addr().String()+"/feed")
	nc, err := nl.Accept()
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.SetDeadline(time.Now().Add(wait)))
	var offered, path string
	u := ws.Upgrader{
		ProtocolCustom: func(p []byte) (string, bool) { offered = string(p); return "ZWS2.0/NULL", true },
		OnRequest:      func(uri []byte) error { path = string(uri); return nil },
	}
	_, err = u.Upgrade(nc)
	require.NoError(t, err)
	require.Equal(t, "ZWS2.0/NULL,ZWS2.0", offered)
	require.Equal(t, "/feed", path)

	require.NoError(t, ws.WriteFrame(nc, ws.NewBinaryFrame(zwsReady("PUB"))))
	//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
	f, err := ws.ReadFrame(nc)
	require.NoError(t, err)
	require.True(t, f.Header.Masked, "client frames are masked")
	ws.Cipher(f.Payload, f.Header.Mask, 0)
	require.Equal(t, byte(0x02), f.Payload[0])

	sub.Subscribe(t, "topic")
	//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
	f, err = ws.ReadFrame(nc)
	require.NoError(t, err)
	require.True(t, f.Header.Masked)
	ws.Cipher(f.Payload, f.Header.Mask, 0)
	require.Equal(t, "\x00\x01topic", string(f.Payload), "flags 0, then 1 and the topic")
}
