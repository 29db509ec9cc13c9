package socket_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// gzRouterSendWhenRoutable sends m from our ROUTER (RouterMandatory) as soon as the peer
// named by m[0] is attached, retrying while the routing id is unknown.
func gzRouterSendWhenRoutable(t testing.TB, router *socket.Socket, m ...string) {
	t.Helper()
	var last error
	gzEventually(t, func() bool {
		last = router.Send(gzCtx(t, gzWait), socket.NewMsg(gzBytes(m)...))
		if errors.Is(last, socket.ErrHostUnreachable) {
			return false
		}
		require.NoError(t, last)
		return true
	}, fmt.Sprintf("our ROUTER should learn routing id %q", m[0]))
}

// TestGozmqDealerRouter: DEALER/ROUTER (and DEALER with REP, DEALER/DEALER,
// ROUTER/ROUTER) with go-zeromq, routing ids both ways, both bind directions.
func TestGozmqDealerRouter(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("ROUTER", "DEALER", tr, oursBinds, "↔")+": go-zeromq WithID is our routing id; 100 multipart messages each way with empty frames, then 1 MiB", func(t *testing.T) {
				router := gzOurs(t, socket.Router, socket.Options{RouterMandatory: true})
				dealer := gzTheirs(t, zmq.NewDealer, zmq.WithID(zmq.SocketIdentity("gz-dealer")))
				dp := gzNewPump(t, dealer)
				gzLink(t, tr, oursBinds, router, dealer)
				// A go-zeromq DEALER drops what it sends before its side of the
				// connection is up, so our ROUTER speaks first.
				gzRouterSendWhenRoutable(t, router, "gz-dealer", "hello")
				require.Equal(t, []string{"hello"}, dp.recv(t))
				for i := 0; i < 100; i++ {
					gzTheirsSend(t, dealer, gzMultipart(i)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, append([]string{"gz-dealer"}, gzMultipart(i)...), gzOursRecv(t, router), "message %d", i)
				}
				for i := 0; i < 100; i++ {
					gzOursSend(t, router, append([]string{"gz-dealer"}, gzMultipart(i)...)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), dp.recv(t), "reply %d", i)
				}
				big := gzBig(gzMiB)
				gzTheirsSend(t, dealer, "", big)
				require.Equal(t, []string{"gz-dealer", "", big}, gzOursRecv(t, router))
				gzOursSend(t, router, "gz-dealer", big, "")
				require.Equal(t, []string{big, ""}, dp.recv(t))
				// An unknown routing id is reported, not silently dropped.
				err := router.Send(gzCtx(t, gzWait), socket.NewMsgString("nobody", "x"))
				require.ErrorIs(t, err, socket.ErrHostUnreachable)
			})

			t.Run(gzRoles("DEALER", "ROUTER", tr, oursBinds, "↔")+": Options.RoutingID is go-zeromq's routing id; 100 multipart messages each way with empty frames, then 1 MiB", func(t *testing.T) {
				dealer := gzOurs(t, socket.Dealer, socket.Options{RoutingID: []byte("our-dealer")})
				router := gzTheirs(t, zmq.NewRouter)
				rp := gzNewPump(t, router)
				gzLink(t, tr, oursBinds, dealer, router)
				for i := 0; i < 100; i++ {
					gzOursSend(t, dealer, gzMultipart(i)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, append([]string{"our-dealer"}, gzMultipart(i)...), rp.recv(t), "message %d", i)
				}
				for i := 0; i < 100; i++ {
					gzTheirsSend(t, router, append([]string{"our-dealer"}, gzMultipart(i)...)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), gzOursRecv(t, dealer), "reply %d", i)
				}
				big := gzBig(gzMiB)
				gzOursSend(t, dealer, big, "")
				require.Equal(t, []string{"our-dealer", big, ""}, rp.recv(t))
				gzTheirsSend(t, router, "our-dealer", "", big)
				require.Equal(t, []string{"", big}, gzOursRecv(t, dealer))
			})

			t.Run(gzRoles("ROUTER", "DEALER", tr, oursBinds, "↔")+": go-zeromq DEALER without WithID is known by its 36-byte UUID, and replies reach it", func(t *testing.T) {
				router := gzOurs(t, socket.Router, socket.Options{})
				dealer := gzTheirs(t, zmq.NewDealer)
				dp := gzNewPump(t, dealer)
				gzLink(t, tr, oursBinds, router, dealer)
				// The first message can be lost while go-zeromq's side of the connection
				// is not up yet (when it binds), so probe until one arrives.
				var id string
				gzPublishUntil(t, "go-zeromq DEALER probe",
					func() { gzTheirsSend(t, dealer, "probe") },
					func(d time.Duration) ([]string, bool) {
						m, ok := gzOursTryRecv(t, router, d)
						if ok {
							require.Len(t, m, 2)
							id = m[0]
							return m[1:], true
						}
						return nil, false
					},
					"probe", gzUnexpected(t, "our ROUTER"))
				require.Len(t, id, 36, "go-zeromq sends a UUID as its Identity")
				gzOursSend(t, router, id, "", "reply")
				require.Equal(t, []string{"", "reply"}, dp.recv(t))
			})

			t.Run(gzRoles("DEALER", "ROUTER", tr, oursBinds, "↔")+": our DEALER without RoutingID gets a go-zeromq-made id that routes replies back", func(t *testing.T) {
				dealer := gzOurs(t, socket.Dealer, socket.Options{})
				router := gzTheirs(t, zmq.NewRouter)
				rp := gzNewPump(t, router)
				gzLink(t, tr, oursBinds, dealer, router)
				gzOursSend(t, dealer, "", "hello")
				m := rp.recv(t)
				require.Len(t, m, 3)
				require.NotEmpty(t, m[0], "go-zeromq ROUTER names an anonymous peer")
				require.Equal(t, []string{"", "hello"}, m[1:])
				gzTheirsSend(t, router, m[0], "", "reply")
				require.Equal(t, []string{"", "reply"}, gzOursRecv(t, dealer))
			})

			t.Run(gzRoles("DEALER", "3×ROUTER", tr, oursBinds, "→")+": 300 messages round-robin, 100 to each ROUTER in strict rotation", func(t *testing.T) {
				const k, n = 3, 300
				dealer := gzOurs(t, socket.Dealer, socket.Options{RoutingID: []byte("lb-dealer")})
				pumps := make([]*gzPump, k)
				var ep string
				if oursBinds {
					ep = gzOursBind(t, dealer, tr)
				}
				for j := range pumps {
					r := gzTheirs(t, zmq.NewRouter)
					pumps[j] = gzNewPump(t, r)
					if oursBinds {
						gzTheirsDial(t, r, ep)
					} else {
						gzOursConnect(t, dealer, gzTheirsBind(t, r, tr))
					}
				}
				gzPeers(t, dealer, k)
				for i := 0; i < n; i++ {
					gzOursSend(t, dealer, strconv.Itoa(i))
				}
				gzCheckRoundRobin(t, n, k, func(j int) []string {
					m := pumps[j].recv(t)
					require.Len(t, m, 2)
					require.Equal(t, "lb-dealer", m[0])
					return m[1:]
				})
			})

			t.Run(gzRoles("REP", "DEALER", tr, oursBinds, "↔")+": go-zeromq DEALER's envelope with empty frames in the body; 20 round trips", func(t *testing.T) {
				rep := gzOurs(t, socket.Rep, socket.Options{})
				dealer := gzTheirs(t, zmq.NewDealer)
				dp := gzNewPump(t, dealer)
				gzLink(t, tr, oursBinds, rep, dealer)
				// Our REP cannot speak first, and go-zeromq's DEALER drops what it sends
				// before its side of the connection is up: send probes until one lands.
				ack := func(m []string) bool {
					if len(m) == 2 && m[0] == "probe" {
						gzOursSend(t, rep, "probe-ack")
						return true
					}
					return false
				}
				gzPublishUntil(t, "go-zeromq DEALER probe",
					func() { gzTheirsSend(t, dealer, "", "probe", "x") },
					func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, rep, d) },
					"probe",
					func(m []string) { t.Fatalf("unexpected request %q", m) })
				gzOursSend(t, rep, "probe-ack")
				for i := 0; i < 20; i++ {
					gzTheirsSend(t, dealer, append([]string{""}, gzMultipart(i)...)...)
					for {
						m := gzOursRecv(t, rep)
						if ack(m) {
							continue
						}
						require.Equal(t, gzMultipart(i), m, "request %d", i)
						break
					}
					gzOursSend(t, rep, fmt.Sprintf("rep-%03d", i), "", "")
					for {
						m := dp.recv(t)
						if len(m) == 2 && m[1] == "probe-ack" {
							continue
						}
						require.Equal(t, []string{"", fmt.Sprintf("rep-%03d", i), "", ""}, m, "reply %d", i)
						break
					}
				}
			})

			t.Run(gzRoles("DEALER", "DEALER", tr, oursBinds, "↔")+": 100 multipart messages each way with empty frames", func(t *testing.T) {
				ours := gzOurs(t, socket.Dealer, socket.Options{})
				theirs := gzTheirs(t, zmq.NewDealer)
				tp := gzNewPump(t, theirs)
				gzLink(t, tr, oursBinds, ours, theirs)
				for i := 0; i < 100; i++ {
					gzOursSend(t, ours, gzMultipart(i)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), tp.recv(t), "message %d", i)
				}
				// go-zeromq received, so its side of the connection is up.
				for i := 0; i < 100; i++ {
					gzTheirsSend(t, theirs, gzMultipart(i)...)
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), gzOursRecv(t, ours), "reply %d", i)
				}
			})

			t.Run(gzRoles("ROUTER", "ROUTER", tr, oursBinds, "↔")+": both routing ids known up front; 20 messages each way", func(t *testing.T) {
				ours := gzOurs(t, socket.Router, socket.Options{RoutingID: []byte("our-router"), RouterMandatory: true})
				theirs := gzTheirs(t, zmq.NewRouter, zmq.WithID(zmq.SocketIdentity("gz-router")))
				tp := gzNewPump(t, theirs)
				gzLink(t, tr, oursBinds, ours, theirs)
				gzRouterSendWhenRoutable(t, ours, "gz-router", "hello", "")
				require.Equal(t, []string{"our-router", "hello", ""}, tp.recv(t))
				for i := 0; i < 20; i++ {
					gzTheirsSend(t, theirs, append([]string{"our-router"}, gzMultipart(i)...)...)
					require.Equal(t, append([]string{"gz-router"}, gzMultipart(i)...), gzOursRecv(t, ours), "message %d", i)
					gzOursSend(t, ours, "gz-router", strconv.Itoa(i))
					require.Equal(t, []string{"our-router", strconv.Itoa(i)}, tp.recv(t), "reply %d", i)
				}
			})
		}
	}
}

// gzCheckRoundRobin receives n/k messages from each of k peers (recv(j) returns the
// body of the next message of peer j: one frame holding the sequence number) and
// checks strict round-robin: every message exactly once, and each peer's numbers
// increasing in steps of k.
func gzCheckRoundRobin(t testing.TB, n, k int, recv func(j int) []string) {
	t.Helper()
	seen := make(map[int]int, n)
	for j := 0; j < k; j++ {
		prev := -1
		for c := 0; c < n/k; c++ {
			m := recv(j)
			require.Len(t, m, 1)
			i, err := strconv.Atoi(m[0])
			require.NoError(t, err)
			if other, dup := seen[i]; dup {
				t.Fatalf("message %d delivered to peers %d and %d", i, other, j)
			}
			seen[i] = j
			if prev >= 0 {
				require.Equal(t, prev+k, i, "peer %d: message after %d should be %d (strict round-robin)", j, prev, prev+k)
			}
			prev = i
		}
	}
	require.Len(t, seen, n)
}
