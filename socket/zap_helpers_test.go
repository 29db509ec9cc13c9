package socket

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// zapHandler is a ZAP handler written for the tests: a ROUTER bound at ZAPEndpoint
// in a private registry, which records every request and answers it with what
// answer returns: the frames after the routing id, normally the empty delimiter
// and the six ZAP frames, though a test of malformed replies sends others; nil
// sends nothing.
type zapHandler struct {
	s      *Socket
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	answer   func(req [][]byte) [][]byte
	requests [][]string // each request's frames after the empty delimiter
	ids      [][]byte   // each request's routing id
	bad      []string   // requests whose envelope was not [routing id, ""]
}

// startZAP binds a test ZAP handler in reg.
func startZAP(t testing.TB, reg *inproc.Registry, answer func(req [][]byte) [][]byte) *zapHandler {
	t.Helper()
	s, err := New(Router, Options{InprocRegistry: reg, Linger: -1})
	require.NoError(t, err)
	require.NoError(t, s.Bind(ZAPEndpoint))
	ctx, cancel := context.WithCancel(context.Background())
	h := &zapHandler{s: s, cancel: cancel, answer: answer}
	h.wg.Go(func() { h.serve(ctx) })
	t.Cleanup(h.close)
	return h
}

func (h *zapHandler) serve(ctx context.Context) {
	for {
		m, err := h.s.Recv(ctx)
		if err != nil {
			return
		}
		h.mu.Lock()
		if len(m.Frames) < 2 || len(m.Frames[1]) != 0 {
			h.bad = append(h.bad, string(m.Frames[0]))
			h.mu.Unlock()
			continue
		}
		req := make([]string, 0, len(m.Frames)-2)
		for _, f := range m.Frames[2:] {
			req = append(req, string(f))
		}
		h.requests = append(h.requests, req)
		h.ids = append(h.ids, m.Frames[0])
		answer := h.answer
		h.mu.Unlock()
		reply := answer(m.Frames[2:])
		if reply == nil {
			continue
		}
		out := append([][]byte{m.Frames[0]}, reply...)
		if err := h.s.Send(ctx, Msg{Frames: out}); err != nil {
			return
		}
	}
}

// setAnswer changes how the handler answers from now on.
func (h *zapHandler) setAnswer(answer func(req [][]byte) [][]byte) {
	h.mu.Lock()
	h.answer = answer
	h.mu.Unlock()
}

// Requests returns the requests received so far.
func (h *zapHandler) Requests() [][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]string(nil), h.requests...)
}

// RoutingIDs returns the routing ids of the requests received so far, for a test
// that answers them itself.
func (h *zapHandler) RoutingIDs() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.ids...)
}

// waitRequests waits until at least n requests have arrived and returns them.
func (h *zapHandler) waitRequests(t testing.TB, n int) [][]string {
	t.Helper()
	var reqs [][]string
	require.Eventually(t, func() bool {
		reqs = h.Requests()
		return len(reqs) >= n
	}, 10*time.Second, time.Millisecond, "waiting for %d ZAP requests", n)
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Empty(t, h.bad, "requests without the empty delimiter")
	return reqs
}

func (h *zapHandler) close() {
	h.cancel()
	h.wg.Wait()
	h.s.Close()
}

// zapReply returns the empty delimiter and the six frames of a reply to request id
// "1".
func zapReply(status, text, userID string, md wire.Metadata) [][]byte {
	return [][]byte{{}, []byte("1.0"), []byte("1"), []byte(status), []byte(text), []byte(userID), md.Append(nil)}
}

// answerAll answers every request with status, user id and metadata.
func answerAll(status, userID string, md wire.Metadata) func([][]byte) [][]byte {
	return func([][]byte) [][]byte { return zapReply(status, "test", userID, md) }
}

// checkPlain accepts user "admin" with password "secret" as user id "admin" and
// refuses anyone else with 400, as a ZAP handler for PLAIN does.
func checkPlain(req [][]byte) [][]byte {
	if len(req) == 8 && string(req[5]) == "PLAIN" && string(req[6]) == "admin" && string(req[7]) == "secret" {
		return zapReply("200", "OK", "admin", wire.Metadata{{Name: "X-Role", Value: []byte("root")}})
	}
	return zapReply("400", "bad password", "", nil)
}

// waitHandshake waits for the first handshake result on events: success, or a
// failure (auth, protocol or no detail).
func waitHandshake(t testing.TB, events <-chan Event) Event {
	t.Helper()
	return waitEvent(t, events, func(e Event) bool {
		switch e.Type {
		case EventHandshakeSucceeded, EventHandshakeAuth, EventHandshakeProtocol, EventHandshakeFailed:
			return true
		}
		return false
	})
}

// msgPeerAddress returns the Peer-Address of a received message: the address the
// server's ZAP request named.
func msgPeerAddress(m Msg) string {
	addr, _ := m.Properties().Get(wire.PropPeerAddress)
	return addr
}

// wantPeerAddress is the Peer-Address, and ZAP address, of a client of this process
// on transport tr, as libzmq gives it: the IP for tcp; for ipc on Linux the client's
// credentials, elsewhere its socket name (an unnamed client's is empty).
func wantPeerAddress(tr string) string {
	switch {
	case tr == "tcp" || tr == "ws": // a ws peer is a tcp connection
		return "127.0.0.1"
	case runtime.GOOS == "linux":
		return fmt.Sprintf("localhost:%d:%d:%d", os.Getuid(), os.Getgid(), os.Getpid())
	}
	return ""
}

// credsNULL are the credentials of a NULL request.
var credsNULL = wire.Credentials{Mechanism: "NULL"}
