package socket

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// requireUser checks the properties an authenticated client's message carries on the
// server.
func requireUser(t testing.TB, m Msg, sec security) {
	t.Helper()
	uid, ok := m.Properties().Get(wire.PropUserID)
	require.True(t, ok, "User-Id")
	require.Equal(t, sec.userID, uid)
	role, ok := m.Properties().Get("X-Role")
	require.True(t, ok, "authenticator metadata")
	require.Equal(t, "root", role)
}

func recvMsg(t testing.TB, s *Socket) Msg {
	t.Helper()
	m, err := s.Recv(ctxT(t))
	require.NoError(t, err)
	return m
}

func TestSecurityReqRep(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				rep := newSocket(t, Rep, Options{Mechanism: sec.server})
				req := newSocket(t, Req, Options{Mechanism: sec.client})
				connect(t, req, bind(t, rep, tr))
				for i := range 3 {
					send(t, req, "ping", string(rune('a'+i)))
					m := recvMsg(t, rep)
					require.Equal(t, [][]byte{[]byte("ping"), {byte('a' + i)}}, m.Frames)
					requireUser(t, m, sec)
					send(t, rep, "pong")
					require.Equal(t, []string{"pong"}, recvStrings(t, req))
				}
			})
		}
	}
}

func TestSecurityDealerRouter(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				router := newSocket(t, Router, Options{Mechanism: sec.server})
				dealer := newSocket(t, Dealer, Options{Mechanism: sec.client, RoutingID: []byte("d1")})
				connect(t, dealer, bind(t, router, tr))
				send(t, dealer, "hello", "world")
				m := recvMsg(t, router)
				require.Equal(t, []string{"d1", "hello", "world"}, []string{string(m.Frames[0]), string(m.Frames[1]), string(m.Frames[2])})
				requireUser(t, m, sec)
				send(t, router, "d1", "back")
				require.Equal(t, []string{"back"}, recvStrings(t, dealer))
			})
		}
	}
}

func TestSecurityPushPull(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				// The client binds this time: roles come from the mechanism.
				push := newSocket(t, Push, Options{Mechanism: sec.client})
				pull := newSocket(t, Pull, Options{Mechanism: sec.server})
				connect(t, pull, bind(t, push, tr))
				for i := range 100 {
					require.NoError(t, push.Send(ctxT(t), NewMsg([]byte{byte(i)})))
				}
				for i := range 100 {
					m := recvMsg(t, pull)
					require.Equal(t, [][]byte{{byte(i)}}, m.Frames)
					requireUser(t, m, sec)
					m.Release()
				}
			})
		}
	}
}

// pubSubUntil publishes topic-prefixed messages until sub receives one: subscriptions
// travel asynchronously.
func pubSubUntil(t testing.TB, pub, sub *Socket, topic string) Msg {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		require.NoError(t, pub.Send(ctxT(t), NewMsgString("other", "x")))
		require.NoError(t, pub.Send(ctxT(t), NewMsgString(topic, "body")))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			return m
		}
	}
	t.Fatal("no message reached the subscriber")
	return Msg{}
}

func TestSecurityPubSub(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				pub := newSocket(t, Pub, Options{Mechanism: sec.server})
				sub := newSocket(t, Sub, Options{Mechanism: sec.client})
				connect(t, sub, bind(t, pub, tr))
				require.NoError(t, sub.Subscribe([]byte("weather")))
				m := pubSubUntil(t, pub, sub, "weather")
				require.Equal(t, "weather", string(m.Frames[0]))
				// The filter holds: only "weather" arrives.
				send(t, pub, "other", "y")
				send(t, pub, "weather", "last")
				require.Equal(t, []string{"weather", "last"}, lastOf(t, sub, "last"))
			})
		}
	}
}

// lastOf receives until a message whose last frame is want, and checks that every
// message on the way is on the subscribed topic.
func lastOf(t testing.TB, s *Socket, want string) []string {
	t.Helper()
	for {
		got := recvStrings(t, s)
		require.Equal(t, "weather", got[0])
		if got[len(got)-1] == want {
			return got
		}
	}
}

// TestSecurityCurveEncrypts watches the bytes between a CURVE publisher and subscriber:
// neither the subscription nor the messages travel in clear, while with PLAIN they do.
func TestSecurityCurveEncrypts(t *testing.T) {
	for _, sec := range securities(t) {
		t.Run(sec.name, func(t *testing.T) {
			pub := newSocket(t, Pub, Options{Mechanism: sec.server})
			sub := newSocket(t, Sub, Options{Mechanism: sec.client})
			tp := newTap(t, tcpAddr(bind(t, pub, "tcp")))
			connect(t, sub, tp.Endpoint())
			require.NoError(t, sub.Subscribe([]byte("weather-topic")))
			pubSubUntil(t, pub, sub, "weather-topic")
			seen := tp.Bytes()
			clear := sec.name == "PLAIN"
			require.Equal(t, clear, bytes.Contains(seen, []byte("weather-topic")), "topic in clear")
			require.Equal(t, clear, bytes.Contains(seen, []byte("SUBSCRIBE")), "SUBSCRIBE in clear")
			require.Equal(t, clear, bytes.Contains(seen, []byte("Socket-Type")), "metadata in clear")
		})
	}
}

func TestSecurityWrongPassword(t *testing.T) {
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			sec := plainSecurity()
			srvEvents, cliEvents := make(chan Event, 64), make(chan Event, 64)
			pull := newSocket(t, Pull, Options{Mechanism: sec.server, Monitor: srvEvents})
			push := newSocket(t, Push, Options{Mechanism: &wire.PlainClient{Username: []byte("admin"), Password: []byte("guess")}, Monitor: cliEvents})
			connect(t, push, bind(t, pull, tr))
			ev := waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
			var pe *wire.PeerError
			require.ErrorAs(t, ev.Err, &pe)
			require.Equal(t, "400", pe.Reason)
			ev = waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
			require.ErrorIs(t, ev.Err, wire.ErrAuthRefused)
			// Nothing gets through. (Without a peer the send may block: PUSH waits for one.)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_ = push.Send(ctx, NewMsgString("sneak"))
			expectNothing(t, pull, 200*time.Millisecond)
		})
	}
}

// A PLAIN server with neither an Authenticate nor a ZAP handler fails every
// handshake, as libzmq does (HANDSHAKE_FAILED_NO_DETAIL).
func TestSecurityPlainWithoutAuthenticatorRefuses(t *testing.T) {
	srvEvents := make(chan Event, 64)
	reg := inproc.NewRegistry()
	pull := newSocket(t, Pull, Options{Mechanism: &wire.PlainServer{}, Monitor: srvEvents, InprocRegistry: reg})
	// Linger -1: the refused message must not hold Close while the client retries.
	push := newSocket(t, Push, Options{Mechanism: plainSecurity().client, Linger: -1})
	connect(t, push, bind(t, pull, "tcp"))
	ev := waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeFailed })
	require.ErrorIs(t, ev.Err, ErrNoZAPHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = push.Send(ctx, NewMsgString("sneak"))
	expectNothing(t, pull, 200*time.Millisecond)
}

func TestSecurityCurveUnknownClientRefused(t *testing.T) {
	sec := curveSecurity(t)
	srvEvents, cliEvents := make(chan Event, 64), make(chan Event, 64)
	rep := newSocket(t, Rep, Options{Mechanism: sec.server, Monitor: srvEvents})
	stranger := curveClient(newCurveCert(t), sec.client.(*wire.CurveClient).ServerKey)
	req := newSocket(t, Req, Options{Mechanism: stranger, Monitor: cliEvents})
	connect(t, req, bind(t, rep, "tcp"))
	ev := waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
	var pe *wire.PeerError
	require.ErrorAs(t, ev.Err, &pe)
	ev = waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeAuth })
	require.ErrorIs(t, ev.Err, wire.ErrAuthRefused)
}

func TestSecurityCurveWrongServerKey(t *testing.T) {
	for _, tr := range secTransports {
		t.Run(tr, func(t *testing.T) {
			sec := curveSecurity(t)
			srvEvents, cliEvents := make(chan Event, 64), make(chan Event, 64)
			// A long handshake interval: the events must come from the failure, not a
			// timeout.
			rep := newSocket(t, Rep, Options{Mechanism: sec.server, Monitor: srvEvents, HandshakeInterval: time.Minute})
			wrong := curveClient(newCurveCert(t), newCurveCert(t).Public)
			req := newSocket(t, Req, Options{Mechanism: wrong, Monitor: cliEvents, HandshakeInterval: time.Minute})
			connect(t, req, bind(t, rep, tr))
			ev := waitEvent(t, srvEvents, func(e Event) bool { return e.Type == EventHandshakeProtocol })
			require.ErrorIs(t, ev.Err, wire.ErrCrypto)
			require.Equal(t, wire.CodeCryptographic, ev.Code)
			ev = waitEvent(t, cliEvents, func(e Event) bool { return e.Type == EventHandshakeFailed })
			require.ErrorIs(t, ev.Err, wire.ErrServerHungUp)
			require.ErrorContains(t, ev.Err, "wrong server key")
		})
	}
}

func TestSecurityCurveManyClients(t *testing.T) {
	server := newCurveCert(t)
	keys := map[string]bool{}
	var clients []*Socket
	router := newSocket(t, Router, Options{Mechanism: &wire.CurveServer{PublicKey: server.Public, SecretKey: server.Secret,
		Authenticate: func(c wire.Credentials) (wire.AuthReply, error) {
			return wire.AuthReply{UserID: string(c.PublicKey)}, nil
		}}})
	ep := bind(t, router, "tcp")
	for i := range 4 {
		c := newCurveCert(t)
		keys[string(c.Public[:])] = true
		d := newSocket(t, Dealer, Options{Mechanism: curveClient(c, server.Public), RoutingID: []byte{'d', byte('0' + i)}})
		connect(t, d, ep)
		clients = append(clients, d)
	}
	for _, d := range clients {
		send(t, d, "hi")
	}
	users := map[string]bool{}
	for range clients {
		m := recvMsg(t, router)
		uid, ok := m.Properties().Get(wire.PropUserID)
		require.True(t, ok)
		users[uid] = true
		require.NoError(t, router.Send(ctxT(t), NewMsg(m.Frames[0], []byte("re"))))
	}
	require.Equal(t, keys, users)
	for _, d := range clients {
		require.Equal(t, []string{"re"}, recvStrings(t, d))
	}
}

// TestSecurityCurveHeartbeats idles a CURVE connection with fast heartbeats: PINGs
// and PONGs travel sealed, and the connection stays up.
func TestSecurityCurveHeartbeats(t *testing.T) {
	sec := curveSecurity(t)
	// The timeout and TTL are generous for a loaded machine; the interval is short.
	hb := Options{HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 2 * time.Second, HeartbeatTTL: 3 * time.Second}
	srvOpts, cliOpts := hb, hb
	srvEvents, cliEvents := make(chan Event, 256), make(chan Event, 256)
	srvOpts.Mechanism, srvOpts.Monitor = sec.server, srvEvents
	cliOpts.Mechanism, cliOpts.Monitor = sec.client, cliEvents
	rep := newSocket(t, Rep, srvOpts)
	req := newSocket(t, Req, cliOpts)
	tp := newTap(t, tcpAddr(bind(t, rep, "tcp")))
	connect(t, req, tp.Endpoint())
	send(t, req, "one")
	require.Equal(t, []string{"one"}, recvStrings(t, rep))
	send(t, rep, "two")
	require.Equal(t, []string{"two"}, recvStrings(t, req))

	// Wait until at least 40 sealed heartbeat commands have crossed while idle.
	base := tp.Len()
	deadline := time.Now().Add(20 * time.Second)
	for tp.Len() < base+40*wire.SealOverhead && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling the byte count, with a deadline
	}
	require.GreaterOrEqual(t, tp.Len(), base+40*wire.SealOverhead, "heartbeats flowed")
	require.False(t, bytes.Contains(tp.Bytes(), []byte("PING")), "PING in clear")
	for _, ch := range []chan Event{srvEvents, cliEvents} {
	drain:
		for {
			select {
			case e := <-ch:
				require.NotEqual(t, EventDisconnected, e.Type, "connection lost: %v", e.Err)
			default:
				break drain
			}
		}
	}
	send(t, req, "three")
	require.Equal(t, []string{"three"}, recvStrings(t, rep))
}

func TestSecurityLargeMultipart(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
				odd := append(bytes.Clone(big), "xyz"...)
				pull := newSocket(t, Pull, Options{Mechanism: sec.server, MaxMsgSize: int64(len(odd))})
				push := newSocket(t, Push, Options{Mechanism: sec.client})
				connect(t, push, bind(t, pull, tr))
				for range 3 {
					require.NoError(t, push.Send(ctxT(t), NewMsg(big, []byte("mid"), odd, nil)))
				}
				for range 3 {
					m := recvMsg(t, pull)
					require.Len(t, m.Frames, 4)
					require.True(t, bytes.Equal(big, m.Frames[0]))
					require.Equal(t, "mid", string(m.Frames[1]))
					require.True(t, bytes.Equal(odd, m.Frames[2]))
					require.Empty(t, m.Frames[3])
					m.Release()
				}
			})
		}
	}
}

// TestSecurityMaxMsgSizeIsPlaintext checks that MaxMsgSize counts the decrypted frame:
// a frame of exactly the limit passes though its sealed form is larger, one byte more
// ends the connection.
func TestSecurityMaxMsgSizeIsPlaintext(t *testing.T) {
	sec := curveSecurity(t)
	events := make(chan Event, 64)
	pull := newSocket(t, Pull, Options{Mechanism: sec.server, MaxMsgSize: 1000, Monitor: events})
	push := newSocket(t, Push, Options{Mechanism: sec.client})
	connect(t, push, bind(t, pull, "tcp"))
	require.NoError(t, push.Send(ctxT(t), NewMsg(make([]byte, 1000))))
	m := recvMsg(t, pull)
	require.Len(t, m.Frames[0], 1000)
	require.NoError(t, push.Send(ctxT(t), NewMsg(make([]byte, 1001))))
	ev := waitEvent(t, events, func(e Event) bool { return e.Type == EventDisconnected })
	require.ErrorIs(t, ev.Err, wire.ErrFrameTooLarge)
}

func TestSecurityReconnectAfterServerRestart(t *testing.T) {
	for _, sec := range securities(t) {
		for _, tr := range secTransports {
			t.Run(sec.name+"/"+tr, func(t *testing.T) {
				rep, err := New(Rep, Options{Mechanism: sec.server})
				require.NoError(t, err)
				ep := bind(t, rep, tr)
				events := make(chan Event, 256)
				req := newSocket(t, Req, Options{Mechanism: sec.client, ReconnectInterval: 20 * time.Millisecond, Monitor: events})
				connect(t, req, ep)
				send(t, req, "first")
				require.Equal(t, []string{"first"}, recvStrings(t, rep))
				send(t, rep, "ok")
				require.Equal(t, []string{"ok"}, recvStrings(t, req))
				require.NoError(t, rep.Close())

				// The same configuration serves the new server: each connection clones it.
				rep2 := newSocket(t, Rep, Options{Mechanism: sec.server})
				deadline := time.Now().Add(10 * time.Second)
				for {
					err := rep2.Bind(ep)
					if err == nil {
						break
					}
					require.True(t, time.Now().Before(deadline), "rebind %s: %v", ep, err)
					time.Sleep(20 * time.Millisecond) // the old listener's address is being freed
				}
				// Send once the client has lost the old server and handshaken with the new one,
				// so that the request cannot go to the dying connection.
				waitEvent(t, events, func(e Event) bool { return e.Type == EventDisconnected })
				waitEvent(t, events, func(e Event) bool { return e.Type == EventHandshakeSucceeded })
				send(t, req, "second")
				m := recvMsg(t, rep2)
				require.Equal(t, "second", string(m.Frames[0]))
				requireUser(t, m, sec)
				send(t, rep2, "ok2")
				require.Equal(t, []string{"ok2"}, recvStrings(t, req))
			})
		}
	}
}

func TestSecurityMechanismMismatch(t *testing.T) {
	// A CURVE client cannot talk to a NULL server: the greeting's mechanisms differ.
	events := make(chan Event, 64)
	pull := newSocket(t, Pull, Options{Monitor: events})
	push := newSocket(t, Push, Options{Mechanism: curveSecurity(t).client})
	connect(t, push, bind(t, pull, "tcp"))
	ev := waitEvent(t, events, func(e Event) bool { return e.Type == EventHandshakeProtocol })
	require.True(t, errors.Is(ev.Err, wire.ErrMechanismMismatch), "%v", ev.Err)
	require.Equal(t, wire.CodeMechanismMismatch, ev.Code, "ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH")
}

// TestSecurityCurveTamperedMessage flips one bit of a CURVE message in flight: the
// receiver drops the connection with an error matching wire.ErrCrypto, and does not
// deliver the message.
func TestSecurityCurveTamperedMessage(t *testing.T) {
	sec := curveSecurity(t)
	events := make(chan Event, 64)
	rep := newSocket(t, Rep, Options{Mechanism: sec.server})
	req := newSocket(t, Req, Options{Mechanism: sec.client, Monitor: events})
	tp := newTap(t, tcpAddr(bind(t, rep, "tcp")))
	connect(t, req, tp.Endpoint())
	send(t, req, "one")
	require.Equal(t, []string{"one"}, recvStrings(t, rep))
	tp.Corrupt()
	send(t, rep, "forged")
	ev := waitEvent(t, events, func(e Event) bool { return e.Type == EventDisconnected })
	require.ErrorIs(t, ev.Err, wire.ErrCrypto)
	expectNothing(t, req, 100*time.Millisecond)
}

// TestSecurityAuthMetadataWins: a client that sends the property its server's
// authenticator sets cannot override it.
func TestSecurityAuthMetadataWins(t *testing.T) {
	for _, sec := range securities(t) {
		t.Run(sec.name, func(t *testing.T) {
			pull := newSocket(t, Pull, Options{Mechanism: sec.server})
			push := newSocket(t, Push, Options{Mechanism: sec.client, Metadata: map[string]string{"X-Role": "forged", "X-Other": "kept"}})
			connect(t, push, bind(t, pull, "tcp"))
			send(t, push, "hi")
			m := recvMsg(t, pull)
			requireUser(t, m, sec) // X-Role is still "root"
			other, ok := m.Properties().Get("X-Other")
			require.True(t, ok)
			require.Equal(t, "kept", other)
		})
	}
}
