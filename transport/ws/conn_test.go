package ws_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport"
	tws "github.com/brokerless/zmq/transport/ws"
	"github.com/brokerless/zmq/wire"
)

// acceptHandshake accepts one connection on ln and runs a DEALER's handshake on it.
func acceptHandshake(ln transport.Listener) <-chan any {
	ch := make(chan any, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			ch <- err
			return
		}
		c, err := tws.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Dealer, Identity: []byte("srv")}, 10*time.Second)
		if err != nil {
			ch <- err
			return
		}
		ch <- c
	}()
	return ch
}

func accepted(t *testing.T, ch <-chan any) *transport.Conn {
	t.Helper()
	select {
	case v := <-ch:
		c, ok := v.(*transport.Conn)
		require.True(t, ok, "accept and handshake: %v", v)
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
		return nil
	}
}

// TestServerWire checks every frame a ws server sends and takes, as RFC 45 and
// libzmq 4.3.4 have them, against a client written frame by frame.
func TestServerWire(t *testing.T) {
	ln, addr := listen(t, tws.Transport{}, "/feed")
	ch := acceptHandshake(ln)
	// libzmq's client offers both; we pick the mechanism's.
	c := dialRaw(t, addr, "/feed", "ZWS2.0/NULL,ZWS2.0")
	require.Equal(t, 101, c.resp.StatusCode)
	require.Equal(t, "ZWS2.0/NULL", c.resp.Header.Get("Sec-WebSocket-Protocol"))

	// No greeting: READY first, unmasked, with the COMMAND flag 0x02.
	f := c.read()
	require.Equal(t, ws.OpBinary, f.Header.OpCode)
	require.True(t, f.Header.Fin)
	require.False(t, f.Header.Masked, "server frames are not masked")
	require.Equal(t, byte(0x02), f.Payload[0])
	cmd, err := wire.ParseCommand(f.Payload[1:])
	require.NoError(t, err)
	require.True(t, cmd.Is(wire.CmdReady))
	md, err := wire.ParseMetadata(cmd.Data)
	require.NoError(t, err)
	typ, _ := md.Get(wire.PropSocketType)
	require.Equal(t, "DEALER", string(typ))

	c.send(ws.OpBinary, true, true, readyFrame("ROUTER"))
	srv := accepted(t, ch)
	require.Equal(t, wire.Router, srv.Peer().SocketType)

	// A two-frame message: MORE (0x01) on the first frame only.
	require.NoError(t, srv.WriteMsg(wire.Msg{Frames: [][]byte{[]byte("a"), make([]byte, 300)}}))
	require.NoError(t, srv.WriteCommandFrame(wire.AppendPing(nil, 7, nil)))
	require.NoError(t, srv.Flush())
	f = c.read()
	require.Equal(t, []byte{0x01, 'a'}, f.Payload)
	f = c.read()
	require.Len(t, f.Payload, 301)
	require.Equal(t, byte(0x00), f.Payload[0])
	// A ZMTP PING is a WebSocket ping with no payload, as in libzmq.
	f = c.read()
	require.Equal(t, ws.OpPing, f.Header.OpCode)
	require.Empty(t, f.Payload)

	// The client's masked frames: a message, then a ping the server's engine
	// answers with a pong echoing its payload.
	c.send(ws.OpBinary, true, true, []byte{0x01, 'x'})
	c.send(ws.OpBinary, true, true, []byte{0x00, 'y', 'z'})
	c.send(ws.OpPing, true, true, []byte("ctx"))
	var m wire.Msg
	var pings [][]byte
	require.NoError(t, srv.ReadMsg(&m, nil))
	require.Equal(t, [][]byte{[]byte("x"), []byte("yz")}, m.Frames)
	go func() { // the ping follows the message
		srv.ReadMsg(&m, func(cmd wire.Command) error {
			if cmd.Is(wire.CmdPing) {
				_, ctx, _ := wire.ParsePing(cmd.Data)
				pings = append(pings, append([]byte(nil), ctx...))
				srv.WriteCommandFrame(wire.AppendPong(nil, ctx))
				srv.Flush()
			}
			return nil
		})
	}()
	f = c.read()
	require.Equal(t, ws.OpPong, f.Header.OpCode)
	require.Equal(t, "ctx", string(f.Payload))

	// A close from the client is echoed, and the server's reader sees EOF.
	c.send(ws.OpClose, true, true, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	f = c.read()
	require.Equal(t, ws.OpClose, f.Header.OpCode)
	code, _ := ws.ParseCloseFrameData(f.Payload)
	require.Equal(t, ws.StatusNormalClosure, code)
}

// TestBareProtocol checks bare ZWS2.0, the browsers' subprotocol: each side's
// routing id is its first message, and there is no READY.
func TestBareProtocol(t *testing.T) {
	ln, addr := listen(t, tws.Transport{}, "/")
	ch := acceptHandshake(ln)
	c := dialRaw(t, addr, "/", "ZWS2.0")
	require.Equal(t, 101, c.resp.StatusCode)
	require.Equal(t, "ZWS2.0", c.resp.Header.Get("Sec-WebSocket-Protocol"))
	f := c.read()
	require.Equal(t, []byte{0x00, 's', 'r', 'v'}, f.Payload, "the server's routing id")
	c.send(ws.OpBinary, true, true, []byte{0x00, 'b', 'r'})
	srv := accepted(t, ch)
	require.Equal(t, "br", string(srv.Peer().Identity))
	c.send(ws.OpBinary, true, true, []byte{0x00, 'h', 'i'})
	var m wire.Msg
	require.NoError(t, srv.ReadMsg(&m, nil))
	require.Equal(t, [][]byte{[]byte("hi")}, m.Frames)

	// Our Close starts the close handshake with a normal close frame.
	require.NoError(t, srv.Close())
	f = c.read()
	require.Equal(t, ws.OpClose, f.Header.OpCode)
	code, _ := ws.ParseCloseFrameData(f.Payload)
	require.Equal(t, ws.StatusNormalClosure, code)
}

// TestClientMasks checks that Dial's connection masks every frame, READY included,
// and offers the mechanism's subprotocol.
func TestClientMasks(t *testing.T) {
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer nl.Close()
	type result struct {
		frames []ws.Frame
		proto  string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		nc, err := nl.Accept()
		if err != nil {
			r.err = err
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		u := ws.Upgrader{ProtocolCustom: func(p []byte) (string, bool) {
			r.proto = string(p)
			return r.proto, true
		}}
		if _, r.err = u.Upgrade(nc); r.err != nil {
			return
		}
		for range 2 {
			//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
			f, err := ws.ReadFrame(nc)
			if err != nil {
				r.err = err
				return
			}
			r.frames = append(r.frames, f)
		}
	}()
	go func() {
		nc, err := tws.Transport{}.Dial(t.Context(), nl.Addr().String()+"/x", transport.Options{})
		if err != nil {
			return
		}
		defer nc.Close()
		// The frames are ZMTP's; the connection turns them into ZWS.
		nc.Write(wire.AppendFrameHeader(nil, wire.FlagCommand, 6))
		nc.Write([]byte("\x05READY"))
		nc.Write(append(wire.AppendFrameHeader(nil, wire.FlagMore, 2), "hi"...))
		io.Copy(io.Discard, nc)
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no frames")
	}
	require.NoError(t, r.err)
	require.Contains(t, r.proto, "ZWS2.0/NULL")
	require.Len(t, r.frames, 2)
	for _, f := range r.frames {
		require.True(t, f.Header.Masked, "client frames are masked")
		ws.Cipher(f.Payload, f.Header.Mask, 0)
	}
	require.Equal(t, "\x02\x05READY", string(r.frames[0].Payload))
	require.Equal(t, "\x01hi", string(r.frames[1].Payload))
}

// TestDialRefused checks the error of an upgrade the server refuses.
func TestDialRefused(t *testing.T) {
	_, addr := listen(t, tws.Transport{}, "/right")
	_, err := tws.Transport{}.Dial(t.Context(), addr+"/wrong", transport.Options{})
	require.ErrorIs(t, err, tws.ErrUpgrade)
	require.Contains(t, err.Error(), "404")
	_, err = tws.Transport{Mechanism: "PLAIN"}.Dial(t.Context(), addr+"/right", transport.Options{})
	require.ErrorIs(t, err, tws.ErrUpgrade)
	require.Contains(t, err.Error(), "400")
	require.False(t, errors.Is(err, net.ErrClosed))
}

// TestClientLargeFrame sends a frame far larger than the connection's buffer from a
// client: it arrives whole, and the client's write buffer stays at its size.
func TestClientLargeFrame(t *testing.T) {
	ln, addr := listen(t, tws.Transport{}, "/big")
	ch := acceptHandshake(ln)
	nc, err := tws.Transport{}.Dial(t.Context(), addr+"/big", transport.Options{})
	require.NoError(t, err)
	cli, err := tws.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Dealer}, 10*time.Second)
	require.NoError(t, err)
	defer cli.Close()
	srv := accepted(t, ch)
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	sent := make(chan error, 1)
	go func() {
		if err := cli.WriteMsg(wire.Msg{Frames: [][]byte{[]byte("head"), big}}); err != nil {
			sent <- err
			return
		}
		sent <- cli.Flush()
	}()
	var m wire.Msg
	require.NoError(t, srv.NetConn().SetReadDeadline(time.Now().Add(10*time.Second)))
	require.NoError(t, srv.ReadMsg(&m, nil))
	require.NoError(t, <-sent)
	require.Len(t, m.Frames, 2)
	require.Equal(t, "head", string(m.Frames[0]))
	require.Equal(t, big, m.Frames[1])
	require.LessOrEqual(t, tws.WriteBufferCap(nc), 64<<10+64, "the client's write buffer grew")
}
