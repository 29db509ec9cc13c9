package socket_test

import (
	"fmt"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// TestGozmqReqRep: REQ/REP with go-zeromq on either side, both bind directions.
func TestGozmqReqRep(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("REQ", "REP", tr, oursBinds, "↔")+": 50 multipart round trips in lockstep, then a 1 MiB request and reply", func(t *testing.T) {
				req := gzOurs(t, socket.Req, socket.Options{})
				rep := gzTheirs(t, zmq.NewRep)
				gzLink(t, tr, oursBinds, req, rep)
				for i := 0; i < 50; i++ {
					gzOursSend(t, req, gzRequest(i)...)
					require.Equal(t, gzRequest(i), gzTheirsRecv(t, rep), "go-zeromq REP got request %d", i)
					// Replies may hold empty frames: only go-zeromq's request parsing is broken.
					gzTheirsSend(t, rep, "", fmt.Sprintf("rep-%03d", i), "")
					require.Equal(t, []string{"", fmt.Sprintf("rep-%03d", i), ""}, gzOursRecv(t, req), "our REQ got reply %d", i)
				}
				big := gzBig(gzMiB)
				gzOursSend(t, req, "big", big)
				require.Equal(t, []string{"big", big}, gzTheirsRecv(t, rep))
				gzTheirsSend(t, rep, big+"!")
				require.Equal(t, []string{big + "!"}, gzOursRecv(t, req))
			})

			t.Run(gzRoles("REP", "REQ", tr, oursBinds, "↔")+": 50 round trips with empty frames in requests and replies, then 1 MiB", func(t *testing.T) {
				rep := gzOurs(t, socket.Rep, socket.Options{})
				req := gzTheirs(t, zmq.NewReq)
				gzLink(t, tr, oursBinds, rep, req)
				// go-zeromq's REQ Send fails ("no connections available") until its
				// side of the connection is up, and then sends nothing: retry it.
				first := gzMultipart(0)
				gzEventually(t, func() bool { return req.Send(zmq.NewMsgFrom(gzBytes(first)...)) == nil },
					"go-zeromq REQ should get a connection")
				for i := 0; i < 50; i++ {
					if i > 0 {
						gzTheirsSend(t, req, gzMultipart(i)...)
					}
					require.Equal(t, gzMultipart(i), gzOursRecv(t, rep), "our REP got request %d", i)
					reply := []string{fmt.Sprintf("rep-%03d", i), "", ""}
					gzOursSend(t, rep, reply...)
					require.Equal(t, reply, gzTheirsRecv(t, req), "go-zeromq REQ got reply %d", i)
				}
				big := gzBig(gzMiB)
				gzTheirsSend(t, req, big, "")
				require.Equal(t, []string{big, ""}, gzOursRecv(t, rep))
				gzOursSend(t, rep, "", big)
				require.Equal(t, []string{"", big}, gzTheirsRecv(t, req))
			})

			t.Run(gzRoles("REQ", "2×REP", tr, oursBinds, "↔")+": requests alternate between the two REPs (round-robin), each reply comes back", func(t *testing.T) {
				req := gzOurs(t, socket.Req, socket.Options{})
				reps := []zmq.Socket{gzTheirs(t, zmq.NewRep), gzTheirs(t, zmq.NewRep)}
				var ep string
				if oursBinds {
					ep = gzOursBind(t, req, tr)
				}
				for _, r := range reps {
					if oursBinds {
						gzTheirsDial(t, r, ep)
					} else {
						gzOursConnect(t, req, gzTheirsBind(t, r, tr))
					}
				}
				gzPeers(t, req, 2)
				// At most one Recv is outstanding per REP, so none can swallow a request
				// meant for a later read.
				type res struct {
					m   zmq.Msg
					err error
				}
				futs := make([]chan res, len(reps))
				next := func(j int) chan res {
					if futs[j] == nil {
						ch := make(chan res, 1)
						go func(z zmq.Socket) { m, err := z.Recv(); ch <- res{m, err} }(reps[j])
						futs[j] = ch
					}
					return futs[j]
				}
				got := func(j int, r res) []string {
					futs[j] = nil
					require.NoError(t, r.err)
					return gzStrings(r.m.Frames)
				}
				// Whichever REP gets the first request, the next goes to the other one.
				gzOursSend(t, req, "req", "000")
				var first int
				select {
				case r := <-next(0):
					first = 0
					require.Equal(t, []string{"req", "000"}, got(0, r))
				case r := <-next(1):
					first = 1
					require.Equal(t, []string{"req", "000"}, got(1, r))
				case <-time.After(gzWait):
					t.Fatal("no go-zeromq REP received the first request")
				}
				gzTheirsSend(t, reps[first], "rep", "000")
				require.Equal(t, []string{"rep", "000"}, gzOursRecv(t, req))
				for i := 1; i < 10; i++ {
					j := (first + i) % 2
					n := fmt.Sprintf("%03d", i)
					gzOursSend(t, req, "req", n)
					select {
					case r := <-next(j):
						require.Equal(t, []string{"req", n}, got(j, r))
					case <-time.After(gzWait):
						t.Fatalf("request %d did not reach REP %d (round-robin)", i, j)
					}
					gzTheirsSend(t, reps[j], "rep", n)
					require.Equal(t, []string{"rep", n}, gzOursRecv(t, req))
				}
			})

			t.Run(gzRoles("REQ", "ROUTER", tr, oursBinds, "↔")+": go-zeromq ROUTER sees [our routing id, \"\", body] and routes the reply back", func(t *testing.T) {
				req := gzOurs(t, socket.Req, socket.Options{RoutingID: []byte("our-req")})
				router := gzTheirs(t, zmq.NewRouter)
				rp := gzNewPump(t, router)
				gzLink(t, tr, oursBinds, req, router)
				for i := 0; i < 20; i++ {
					gzOursSend(t, req, gzMultipart(i)...)
					got := rp.recv(t)
					require.Equal(t, append([]string{"our-req", ""}, gzMultipart(i)...), got, "request %d", i)
					gzTheirsSend(t, router, "our-req", "", fmt.Sprintf("rep-%03d", i), "")
					require.Equal(t, []string{fmt.Sprintf("rep-%03d", i), ""}, gzOursRecv(t, req), "reply %d", i)
				}
			})

			t.Run(gzRoles("ROUTER", "REQ", tr, oursBinds, "↔")+": our ROUTER sees [go-zeromq's WithID, \"\", body] and routes the reply back", func(t *testing.T) {
				router := gzOurs(t, socket.Router, socket.Options{})
				req := gzTheirs(t, zmq.NewReq, zmq.WithID(zmq.SocketIdentity("gz-req")))
				gzLink(t, tr, oursBinds, router, req)
				first := gzMultipart(0)
				gzEventually(t, func() bool { return req.Send(zmq.NewMsgFrom(gzBytes(first)...)) == nil },
					"go-zeromq REQ should get a connection")
				for i := 0; i < 20; i++ {
					if i > 0 {
						gzTheirsSend(t, req, gzMultipart(i)...)
					}
					require.Equal(t, append([]string{"gz-req", ""}, gzMultipart(i)...), gzOursRecv(t, router), "request %d", i)
					gzOursSend(t, router, "gz-req", "", fmt.Sprintf("rep-%03d", i), "")
					require.Equal(t, []string{fmt.Sprintf("rep-%03d", i), ""}, gzTheirsRecv(t, req), "reply %d", i)
				}
			})

			t.Run(gzRoles("DEALER", "REP", tr, oursBinds, "↔")+": our DEALER adds the delimiter itself; 20 round trips", func(t *testing.T) {
				dealer := gzOurs(t, socket.Dealer, socket.Options{})
				rep := gzTheirs(t, zmq.NewRep)
				gzLink(t, tr, oursBinds, dealer, rep)
				for i := 0; i < 20; i++ {
					gzOursSend(t, dealer, append([]string{""}, gzRequest(i)...)...)
					require.Equal(t, gzRequest(i), gzTheirsRecv(t, rep), "request %d", i)
					gzTheirsSend(t, rep, fmt.Sprintf("rep-%03d", i))
					require.Equal(t, []string{"", fmt.Sprintf("rep-%03d", i)}, gzOursRecv(t, dealer), "reply %d", i)
				}
			})
		}
	}
}
