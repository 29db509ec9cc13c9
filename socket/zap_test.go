package socket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// NULL with a ZAP domain asks the handler, with the request frames libzmq sends,
// and the reply's user id and metadata reach the client's messages.
func TestZAPNullWithDomain(t *testing.T) {
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			h := startZAP(t, reg, answerAll("200", "anon", wire.Metadata{{Name: "X-Zone", Value: []byte("lab")}}))
			pull := newSocket(t, Pull, Options{InprocRegistry: reg, ZAPDomain: "global", RoutingID: []byte("srv")})
			push := newSocket(t, Push, Options{})
			connect(t, push, bind(t, pull, tr))
			send(t, push, "hello")
			m := recvMsg(t, pull)
			require.Equal(t, "hello", string(m.Frames[0]))
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, "anon", uid)
			zone, _ := m.Properties().Get("X-Zone")
			require.Equal(t, "lab", zone)
			addr := msgPeerAddress(m)
			require.Equal(t, wantPeerAddress(tr), addr)

			reqs := h.waitRequests(t, 1)
			require.Equal(t, []string{"1.0", "1", "global", addr, "srv", "NULL"}, reqs[0])
			// The client has no domain: it asks nobody, so one request in all.
			require.Len(t, h.Requests(), 1)
		})
	}
}

// Without a domain NULL never asks, even with a handler bound: the fast path.
func TestZAPNullWithoutDomainDoesNotAsk(t *testing.T) {
	reg := inproc.NewRegistry()
	h := startZAP(t, reg, answerAll("400", "", nil))
	pull := newSocket(t, Pull, Options{InprocRegistry: reg})
	push := newSocket(t, Push, Options{InprocRegistry: reg})
	connect(t, push, bind(t, pull, "tcp"))
	send(t, push, "hello")
	require.Equal(t, []string{"hello"}, recvStrings(t, pull))
	require.Empty(t, h.Requests())
	// The fast path hands out the configured mechanism itself.
	require.Equal(t, wire.Null{}, pull.zapMechanism("127.0.0.1", time.Time{}))
}

// NULL with a domain and no handler goes on, unless the domain is enforced.
func TestZAPNullDomainWithoutHandler(t *testing.T) {
	t.Run("lax", func(t *testing.T) {
		pull := newSocket(t, Pull, Options{InprocRegistry: inproc.NewRegistry(), ZAPDomain: "global"})
		push := newSocket(t, Push, Options{})
		connect(t, push, bind(t, pull, "tcp"))
		send(t, push, "hello")
		require.Equal(t, []string{"hello"}, recvStrings(t, pull))
	})
	t.Run("enforced", func(t *testing.T) {
		events := make(chan Event, 64)
		pull := newSocket(t, Pull, Options{InprocRegistry: inproc.NewRegistry(), ZAPDomain: "global", ZAPEnforceDomain: true, Monitor: events})
		push := newSocket(t, Push, Options{Linger: -1})
		connect(t, push, bind(t, pull, "tcp"))
		ev := waitHandshake(t, events)
		require.Equal(t, EventHandshakeFailed, ev.Type, "%v", ev)
		require.ErrorIs(t, ev.Err, ErrNoZAPHandler)
	})
}

// PLAIN asks the handler with the username and password, and the handler's
// decision is the server's: 200 admits with the reply's user id, 400 refuses with
// ERROR 400, and both ends report the status.
func TestZAPPlain(t *testing.T) {
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			h := startZAP(t, reg, checkPlain)
			srvEvents := make(chan Event, 64)
			pull := newSocket(t, Pull, Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, ZAPDomain: "plain", Monitor: srvEvents})
			ep := bind(t, pull, tr)
			sec := plainSecurity()
			push := newSocket(t, Push, Options{Mechanism: sec.client})
			connect(t, push, ep)
			send(t, push, "hello")
			m := recvMsg(t, pull)
			requireUser(t, m, sec)
			reqs := h.waitRequests(t, 1)
			require.Equal(t, []string{"1.0", "1", "plain", msgPeerAddress(m), "", "PLAIN", "admin", "secret"}, reqs[0])

			cliEvents := make(chan Event, 64)
			intruder := newSocket(t, Push, Options{Linger: -1, Monitor: cliEvents,
				Mechanism: &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")}})
			connect(t, intruder, ep)
			ev := waitHandshake(t, cliEvents)
			require.Equal(t, EventHandshakeAuth, ev.Type, "%v", ev)
			require.Equal(t, uint32(400), ev.Code)
			var pe *wire.PeerError
			require.ErrorAs(t, ev.Err, &pe)
			require.Equal(t, "400", pe.Reason)
			ev = waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
			require.Equal(t, uint32(400), ev.Code)
			var ae *wire.AuthError
			require.ErrorAs(t, ev.Err, &ae)
			require.Equal(t, "400", ae.Status)
			require.NotContains(t, ev.Err.Error(), "guess", "no password in errors")
			require.Contains(t, ev.String(), "status=400")
		})
	}
}

// The ZAP status codes: 300 closes without ERROR, 400 and 500 send ERROR with the
// code; the server reports every one as EventHandshakeAuth with the code.
func TestZAPStatusCodes(t *testing.T) {
	for _, status := range []string{"300", "400", "500"} {
		t.Run(status, func(t *testing.T) {
			reg := inproc.NewRegistry()
			startZAP(t, reg, answerAll(status, "", nil))
			srvEvents, cliEvents := make(chan Event, 64), make(chan Event, 64)
			pull := newSocket(t, Pull, Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, Monitor: srvEvents})
			push := newSocket(t, Push, Options{Mechanism: plainSecurity().client, Monitor: cliEvents, Linger: -1, HandshakeInterval: time.Minute})
			connect(t, push, bind(t, pull, "tcp"))

			ev := waitHandshake(t, srvEvents)
			require.Equal(t, EventHandshakeAuth, ev.Type, "%v", ev)
			require.Equal(t, uint32(status[0]-'0')*100, ev.Code)
			var ae *wire.AuthError
			require.ErrorAs(t, ev.Err, &ae)
			require.Equal(t, status, ae.Status)

			ev = waitHandshake(t, cliEvents)
			var pe *wire.PeerError
			if status == "300" {
				// The server hangs up without a word: the client learns nothing more.
				require.Equal(t, EventHandshakeFailed, ev.Type, "%v", ev)
				require.False(t, errors.As(ev.Err, &pe), "%v", ev.Err)
				return
			}
			require.Equal(t, EventHandshakeAuth, ev.Type, "%v", ev)
			require.Equal(t, uint32(status[0]-'0')*100, ev.Code)
			require.ErrorAs(t, ev.Err, &pe)
			require.Equal(t, status, pe.Reason)
		})
	}
}

// NULL refusals work the same way: ERROR with the code for 400, nothing for 300.
func TestZAPNullRefused(t *testing.T) {
	for _, status := range []string{"300", "400"} {
		t.Run(status, func(t *testing.T) {
			reg := inproc.NewRegistry()
			startZAP(t, reg, answerAll(status, "", nil))
			cliEvents := make(chan Event, 64)
			rep := newSocket(t, Rep, Options{InprocRegistry: reg, ZAPDomain: "d"})
			req := newSocket(t, Req, Options{Monitor: cliEvents, Linger: -1, HandshakeInterval: time.Minute})
			connect(t, req, bind(t, rep, "tcp"))
			ev := waitHandshake(t, cliEvents)
			if status == "300" {
				require.Equal(t, EventHandshakeFailed, ev.Type, "%v", ev)
				return
			}
			require.Equal(t, EventHandshakeAuth, ev.Type, "%v", ev)
			require.Equal(t, uint32(400), ev.Code)
		})
	}
}

// CURVE asks when a handler is bound, with the client's proven public key; without
// one it admits every client that knows the server key, unless the domain is
// enforced.
func TestZAPCurve(t *testing.T) {
	server, client := newCurveCert(t), newCurveCert(t)
	curveServer := &wire.CurveServer{PublicKey: server.Public, SecretKey: server.Secret}
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			h := startZAP(t, reg, func(req [][]byte) [][]byte {
				if len(req) == 7 && bytes.Equal(req[6], client.Public[:]) {
					return zapReply("200", "OK", client.Public.String(), nil)
				}
				return zapReply("400", "unknown key", "", nil)
			})
			srvEvents := make(chan Event, 64)
			rep := newSocket(t, Rep, Options{InprocRegistry: reg, Mechanism: curveServer, Monitor: srvEvents})
			ep := bind(t, rep, tr)
			req := newSocket(t, Req, Options{Mechanism: curveClient(client, server.Public)})
			connect(t, req, ep)
			send(t, req, "hi")
			m := recvMsg(t, rep)
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, client.Public.String(), uid)
			reqs := h.waitRequests(t, 1)
			require.Equal(t, []string{"1.0", "1", "", msgPeerAddress(m), "", "CURVE", string(client.Public[:])}, reqs[0])

			stranger := newSocket(t, Req, Options{Mechanism: curveClient(newCurveCert(t), server.Public), Linger: -1})
			connect(t, stranger, ep)
			ev := waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
			require.Equal(t, uint32(400), ev.Code)
		})
	}
	t.Run("no handler", func(t *testing.T) {
		rep := newSocket(t, Rep, Options{InprocRegistry: inproc.NewRegistry(), Mechanism: curveServer, ZAPDomain: "d"})
		req := newSocket(t, Req, Options{Mechanism: curveClient(client, server.Public)})
		connect(t, req, bind(t, rep, "tcp"))
		send(t, req, "hi")
		m := recvMsg(t, rep)
		uid, _ := m.Properties().Get(wire.PropUserID)
		require.Empty(t, uid)
	})
	t.Run("enforced without handler", func(t *testing.T) {
		events := make(chan Event, 64)
		rep := newSocket(t, Rep, Options{InprocRegistry: inproc.NewRegistry(), Mechanism: curveServer, ZAPDomain: "d", ZAPEnforceDomain: true, Monitor: events})
		req := newSocket(t, Req, Options{Mechanism: curveClient(client, server.Public), Linger: -1})
		connect(t, req, bind(t, rep, "tcp"))
		ev := waitHandshake(t, events)
		require.Equal(t, EventHandshakeFailed, ev.Type, "%v", ev)
		require.ErrorIs(t, ev.Err, ErrNoZAPHandler)
	})
	t.Run("enforced with domain", func(t *testing.T) {
		reg := inproc.NewRegistry()
		h := startZAP(t, reg, answerAll("200", "u", nil))
		rep := newSocket(t, Rep, Options{InprocRegistry: reg, Mechanism: curveServer, ZAPDomain: "d", ZAPEnforceDomain: true})
		req := newSocket(t, Req, Options{Mechanism: curveClient(client, server.Public)})
		connect(t, req, bind(t, rep, "tcp"))
		send(t, req, "hi")
		recvMsg(t, rep)
		require.Equal(t, "d", h.waitRequests(t, 1)[0][2])
	})
	t.Run("enforced without domain skips ZAP", func(t *testing.T) {
		// libzmq 4.3.4: ZAP_ENFORCE_DOMAIN with no domain admits without asking.
		reg := inproc.NewRegistry()
		h := startZAP(t, reg, answerAll("400", "", nil))
		rep := newSocket(t, Rep, Options{InprocRegistry: reg, Mechanism: curveServer, ZAPEnforceDomain: true})
		req := newSocket(t, Req, Options{Mechanism: curveClient(client, server.Public)})
		connect(t, req, bind(t, rep, "tcp"))
		send(t, req, "hi")
		recvMsg(t, rep)
		require.Empty(t, h.Requests())
	})
}

// A mechanism's own Authenticate takes precedence: the handler is not asked.
func TestZAPOwnAuthenticatorWins(t *testing.T) {
	reg := inproc.NewRegistry()
	h := startZAP(t, reg, answerAll("400", "", nil))
	sec := plainSecurity()
	pull := newSocket(t, Pull, Options{InprocRegistry: reg, Mechanism: sec.server, ZAPDomain: "d"})
	push := newSocket(t, Push, Options{Mechanism: sec.client})
	connect(t, push, bind(t, pull, "tcp"))
	send(t, push, "hello")
	requireUser(t, recvMsg(t, pull), sec)
	require.Empty(t, h.Requests())
}

// A malformed reply fails that handshake with libzmq's ZAP protocol error code and
// costs nothing else: the client's next attempt, answered properly, gets through.
func TestZAPMalformedReply(t *testing.T) {
	good := zapReply("200", "OK", "u", nil)
	with := func(i int, v string) [][]byte {
		f := append([][]byte(nil), good...)
		f[1+i] = []byte(v)
		return f
	}
	for _, tc := range []struct {
		name  string
		reply [][]byte
		code  uint32
	}{
		{"too few frames", good[:6], wire.CodeZAPMalformedReply},
		{"too many frames", append(append([][]byte(nil), good...), []byte("x")), wire.CodeZAPMalformedReply},
		{"no delimiter", good[1:], wire.CodeZAPMalformedReply},
		{"non-empty delimiter", append([][]byte{[]byte("x")}, good[1:]...), wire.CodeZAPUnspecified},
		{"bad version", with(0, "2.0"), wire.CodeZAPBadVersion},
		{"bad request id", with(1, "2"), wire.CodeZAPBadRequestID},
		{"bad status", with(2, "201"), wire.CodeZAPInvalidStatusCode},
		{"short status", with(2, "20"), wire.CodeZAPInvalidStatusCode},
		{"bad metadata", with(5, "\x05X-Bad\x00\x00\x00\xff"), wire.CodeZAPInvalidMetadata},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := inproc.NewRegistry()
			var once sync.Once
			h := startZAP(t, reg, nil)
			h.setAnswer(func([][]byte) [][]byte {
				reply := good
				once.Do(func() { reply = tc.reply })
				return reply
			})
			srvEvents := make(chan Event, 64)
			pull := newSocket(t, Pull, Options{InprocRegistry: reg, ZAPDomain: "d", Monitor: srvEvents})
			push := newSocket(t, Push, Options{ReconnectInterval: 10 * time.Millisecond})
			connect(t, push, bind(t, pull, "tcp"))
			// The failed handshake's event is not necessarily the first: the server
			// closes the connection before it reports the failure, so the client's
			// retry, 10 ms later, may succeed and be reported first on a loaded
			// machine. Wait for the failure itself; a malformed reply taken for a
			// good one leaves none, and the wait fails.
			ev := waitEvent(t, srvEvents, func(e Event) bool {
				switch e.Type {
				case EventHandshakeAuth, EventHandshakeProtocol, EventHandshakeFailed:
					return true
				}
				return false
			})
			require.Equal(t, EventHandshakeProtocol, ev.Type, "%v", ev)
			require.Equal(t, tc.code, ev.Code)
			require.ErrorIs(t, ev.Err, ErrZAPReply)
			require.Contains(t, ev.String(), fmt.Sprintf("code=%#x", tc.code))
			send(t, push, "hello")
			m := recvMsg(t, pull)
			require.Equal(t, "hello", string(m.Frames[0]))
			uid, _ := m.Properties().Get(wire.PropUserID)
			require.Equal(t, "u", uid)
		})
	}
}

// A handler that never answers fails the handshake within HandshakeInterval, and a
// socket closed while a handshake waits for the handler closes at once.
func TestZAPSilentHandler(t *testing.T) {
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			reg := inproc.NewRegistry()
			h := startZAP(t, reg, func([][]byte) [][]byte { return nil })
			srvEvents := make(chan Event, 64)
			const interval = 200 * time.Millisecond
			pull := newSocket(t, Pull, Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, HandshakeInterval: interval, Monitor: srvEvents})
			push := newSocket(t, Push, Options{Mechanism: plainSecurity().client, Linger: -1, HandshakeInterval: time.Minute})
			start := time.Now()
			connect(t, push, bind(t, pull, tr))
			ev := waitHandshake(t, srvEvents)
			require.Equal(t, EventHandshakeFailed, ev.Type, "%v", ev)
			require.ErrorIs(t, ev.Err, ErrZAPNoReply)
			require.ErrorIs(t, ev.Err, context.DeadlineExceeded)
			require.GreaterOrEqual(t, time.Since(start), interval)
			require.NotEmpty(t, h.Requests())
		})
	}
	t.Run("close", func(t *testing.T) {
		reg := inproc.NewRegistry()
		h := startZAP(t, reg, func([][]byte) [][]byte { return nil })
		pull, err := New(Pull, Options{InprocRegistry: reg, Mechanism: &wire.PlainServer{}, HandshakeInterval: time.Hour})
		require.NoError(t, err)
		push := newSocket(t, Push, Options{Mechanism: plainSecurity().client, Linger: -1})
		connect(t, push, bind(t, pull, "tcp"))
		h.waitRequests(t, 1)
		closed := make(chan error, 1)
		go func() { closed <- pull.Close() }()
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("Close waits for the silent ZAP handler")
		}
	})
}

// Handshakes wait for the handler independently: the handler holds back every
// answer until it has all the clients' requests, which it could never have if
// handshakes waited for it one at a time, and then admits them all.
func TestZAPConcurrentHandshakes(t *testing.T) {
	const clients = 16
	reg := inproc.NewRegistry()
	h := startZAP(t, reg, func([][]byte) [][]byte { return nil })
	pull := newSocket(t, Pull, Options{InprocRegistry: reg, ZAPDomain: "d"})
	ep := bind(t, pull, "tcp")
	for range clients {
		push := newSocket(t, Push, Options{})
		connect(t, push, ep)
		require.NoError(t, push.Send(ctxT(t), NewMsgString("hello")))
	}
	h.waitRequests(t, clients)
	for _, id := range h.RoutingIDs() {
		out := append([][]byte{id}, zapReply("200", "OK", "u", nil)...)
		require.NoError(t, h.s.Send(ctxT(t), Msg{Frames: out}))
	}
	for range clients {
		require.Equal(t, []string{"hello"}, recvStrings(t, pull))
	}
}

// FuzzParseZAPReply: whatever a handler sends, parsing gives an accepted reply, a
// refusal with a valid status, or a protocol error with a ZAP code; it never panics.
func FuzzParseZAPReply(f *testing.F) {
	f.Add([]byte("\x00\x031.0\x011\x03200\x02OK\x01u\x00"))
	f.Add([]byte("\x00\x031.0\x011\x03400\x00\x00\x00"))
	f.Add([]byte("\x00\x031.0\x011\x03200\x00\x00\x09\x05X-Bad\x00\x00\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// data holds length-prefixed frames.
		var frames [][]byte
		for len(data) > 0 {
			n := min(int(data[0]), len(data)-1)
			frames = append(frames, data[1:1+n])
			data = data[1+n:]
		}
		reply, err := parseZAPReply(frames)
		if err == nil {
			require.Len(t, frames, 7)
			require.Equal(t, "200", string(frames[3]))
			require.Equal(t, string(frames[5]), reply.UserID)
			return
		}
		var ae *wire.AuthError
		if errors.As(err, &ae) {
			require.Contains(t, []string{"300", "400", "500"}, ae.Status)
			return
		}
		var pe *wire.ProtocolError
		require.ErrorAs(t, err, &pe)
		require.ErrorIs(t, err, ErrZAPReply)
		require.Equal(t, wire.CodeZAPUnspecified, pe.Code&0xf0000000)
	})
}
