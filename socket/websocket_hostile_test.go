package socket_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// wsHostile is a REP bound to ws with a short handshake bound and a frame limit, and
// a healthy REQ of ours connected to it. Every hostile client must cost only its
// own connection: the REQ keeps getting replies.
type wsHostile struct {
	rep, req *socket.Socket
	hostPort string
	served   sync.WaitGroup
}

const wsHandshake = 300 * time.Millisecond

func newWSHostile(t *testing.T) *wsHostile {
	t.Helper()
	h := &wsHostile{}
	var err error
	h.rep, err = socket.New(socket.Rep, socket.Options{HandshakeInterval: wsHandshake, MaxMsgSize: 1024})
	require.NoError(t, err)
	t.Cleanup(func() { h.rep.Close(); h.served.Wait() })
	require.NoError(t, h.rep.Bind("ws://127.0.0.1:*/zmq"))
	ep := h.rep.LastEndpoint()
	h.hostPort = strings.TrimSuffix(strings.TrimPrefix(ep, "ws://"), "/zmq")
	h.req, err = socket.New(socket.Req, socket.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { h.req.Close() })
	require.NoError(t, h.req.Connect(ep))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.served.Go(func() {
		for {
			m, err := h.rep.Recv(ctx)
			if err != nil {
				return
			}
			if h.rep.Send(ctx, m) != nil {
				return
			}
		}
	})
	h.roundTrip(t)
	return h
}

// roundTrip checks that the healthy REQ still gets its echo.
func (h *wsHostile) roundTrip(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hstWait)
	defer cancel()
	require.NoError(t, h.req.Send(ctx, socket.NewMsgString("ping")))
	m, err := h.req.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, "ping", string(m.Frames[0]))
}

type wsRaw struct {
	nc net.Conn
	br *bufio.Reader
}

// raw opens a TCP connection and writes request, a raw HTTP request.
func (h *wsHostile) raw(t *testing.T, request string) *wsRaw {
	t.Helper()
	nc, err := net.Dial("tcp", h.hostPort)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(hstWait)))
	_, err = io.WriteString(nc, request)
	require.NoError(t, err)
	return &wsRaw{nc: nc, br: bufio.NewReader(nc)}
}

func upgradeRequest(path string, protos ...string) string {
	req := "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	for _, p := range protos {
		req += "Sec-WebSocket-Protocol: " + p + "\r\n"
	}
	return req + "\r\n"
}

func (r *wsRaw) status(t *testing.T) int {
	t.Helper()
	resp, err := http.ReadResponse(r.br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// upgraded opens a ZWS2.0/NULL connection and sends a REQ's READY, so that the
// server's engine runs.
func (h *wsHostile) upgraded(t *testing.T) *wsRaw {
	t.Helper()
	r := h.raw(t, upgradeRequest("/zmq", "ZWS2.0/NULL"))
	require.Equal(t, http.StatusSwitchingProtocols, r.status(t))
	ready := []byte{0x02, 5, 'R', 'E', 'A', 'D', 'Y', 11}
	ready = append(ready, "Socket-Type"...)
	ready = append(ready, 0, 0, 0, 3, 'R', 'E', 'Q')
	r.frame(t, 0x80|byte(ws.OpBinary), true, ready)
	return r
}

// frame writes one frame: b0 is its first byte (FIN, opcode), masked or not.
func (r *wsRaw) frame(t *testing.T, b0 byte, masked bool, payload []byte) {
	t.Helper()
	hdr := ws.Header{Fin: b0&0x80 != 0, OpCode: ws.OpCode(b0 & 0x0f), Length: int64(len(payload)), Masked: masked}
	p := append([]byte(nil), payload...)
	if masked {
		hdr.Mask = ws.NewMask()
		ws.Cipher(p, hdr.Mask, 0)
	}
	require.NoError(t, ws.WriteHeader(r.nc, hdr))
	_, err := r.nc.Write(p)
	require.NoError(t, err)
}

// closedWith reads frames until a close frame, checks its status code, and then
// expects the connection to end.
func (r *wsRaw) closedWith(t *testing.T, code ws.StatusCode) {
	t.Helper()
	for {
		//lint:ignore SA1019 test reads frames from a peer the test controls; its frames are small
		f, err := ws.ReadFrame(r.br)
		require.NoError(t, err, "want a close frame with %d", code)
		if f.Header.OpCode == ws.OpClose {
			got, _ := ws.ParseCloseFrameData(f.Payload)
			require.Equal(t, code, got)
			break
		}
	}
	r.ended(t)
}

// ended expects the server to close the connection: an end of stream, or a reset
// when the server closed with bytes of the bad frame still unread (the kernel then
// answers with RST instead of FIN, which the client may see after the close frame).
func (r *wsRaw) ended(t *testing.T) {
	t.Helper()
	_, err := io.Copy(io.Discard, r.br)
	if errors.Is(err, syscall.ECONNRESET) {
		return
	}
	require.NoError(t, err, "the server must close the connection (EOF), not leave it open")
}

func TestWSHostile(t *testing.T) {
	check := hstLeakCheck(t)
	h := newWSHostile(t)
	t.Run("PlainHTTP", func(t *testing.T) {
		r := h.raw(t, "GET /zmq HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		require.Equal(t, http.StatusUpgradeRequired, r.status(t))
		h.roundTrip(t)
	})
	t.Run("WrongPath", func(t *testing.T) {
		r := h.raw(t, upgradeRequest("/other", "ZWS2.0/NULL"))
		require.Equal(t, http.StatusNotFound, r.status(t))
		h.roundTrip(t)
	})
	t.Run("UnknownSubprotocol", func(t *testing.T) {
		r := h.raw(t, upgradeRequest("/zmq", "chat", "ZWS2.0/CURVE"))
		require.Equal(t, http.StatusBadRequest, r.status(t))
		r = h.raw(t, upgradeRequest("/zmq"))
		require.Equal(t, http.StatusBadRequest, r.status(t))
		h.roundTrip(t)
	})
	t.Run("OversizedFrame", func(t *testing.T) {
		r := h.upgraded(t)
		// A header announcing a terabyte: refused from the header alone.
		hdr := []byte{0x82, 0x80 | 127}
		hdr = binary.BigEndian.AppendUint64(hdr, 1<<40)
		hdr = append(hdr, 1, 2, 3, 4)
		_, err := r.nc.Write(hdr)
		require.NoError(t, err)
		r.closedWith(t, ws.StatusMessageTooBig)
		h.roundTrip(t)
	})
	t.Run("FragmentedMessage", func(t *testing.T) {
		r := h.upgraded(t)
		r.frame(t, byte(ws.OpBinary), true, []byte{0x00, 'a'}) // no FIN
		r.closedWith(t, ws.StatusPolicyViolation)
		h.roundTrip(t)
	})
	t.Run("UnmaskedClientFrame", func(t *testing.T) {
		r := h.upgraded(t)
		r.frame(t, 0x80|byte(ws.OpBinary), false, []byte{0x00, 'a'})
		r.closedWith(t, ws.StatusProtocolError)
		h.roundTrip(t)
	})
	t.Run("FragmentedControlFrame", func(t *testing.T) {
		r := h.upgraded(t)
		r.frame(t, byte(ws.OpPing), true, []byte("p")) // no FIN
		r.closedWith(t, ws.StatusProtocolError)
		h.roundTrip(t)
	})
	t.Run("TextMessage", func(t *testing.T) {
		r := h.upgraded(t)
		r.frame(t, 0x80|byte(ws.OpText), true, []byte("hello"))
		r.closedWith(t, ws.StatusUnsupportedData)
		h.roundTrip(t)
	})
	t.Run("Slowloris", func(t *testing.T) {
		// Half a request header, then silence: the server hangs up after its
		// handshake bound.
		start := time.Now()
		r := h.raw(t, "GET /zmq HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web")
		h.roundTrip(t)
		r.ended(t)
		require.GreaterOrEqual(t, time.Since(start), wsHandshake/2)
	})
	t.Run("SilentAfterUpgrade", func(t *testing.T) {
		// The upgrade is done but READY never comes.
		r := h.raw(t, upgradeRequest("/zmq", "ZWS2.0/NULL"))
		require.Equal(t, http.StatusSwitchingProtocols, r.status(t))
		h.roundTrip(t)
		r.ended(t)
	})
	t.Run("UpgradeFlood", func(t *testing.T) {
		// A bounded flood of upgrades that never finish their handshake: each
		// holds only its own connection until the handshake bound.
		const n = 64
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				nc, err := net.Dial("tcp", h.hostPort)
				if err != nil {
					errs <- err
					return
				}
				defer nc.Close()
				nc.SetDeadline(time.Now().Add(hstWait))
				req := upgradeRequest("/zmq", "ZWS2.0/NULL")
				if i%2 == 1 {
					req = req[:len(req)/2] // half of them stall in the request
				}
				if _, err := io.WriteString(nc, req); err != nil {
					errs <- err
					return
				}
				if _, err := io.Copy(io.Discard, nc); err != nil {
					errs <- fmt.Errorf("flood connection %d not closed by the server: %w", i, err)
				}
			})
		}
		h.roundTrip(t)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		h.roundTrip(t)
	})
	h.req.Close()
	h.rep.Close()
	h.served.Wait()
	check()
}
