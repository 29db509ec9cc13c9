package socket

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/wire"

	"github.com/stretchr/testify/require"
)

func TestReqRep(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		ep := bind(t, rep, tr)
		req := newSocket(t, Req, Options{})
		connect(t, req, ep)
		for i := 0; i < 10; i++ {
			// Empty frames inside the body survive in both directions.
			send(t, req, "ping", "", fmt.Sprint(i))
			require.Equal(t, []string{"ping", "", fmt.Sprint(i)}, recvStrings(t, rep))
			send(t, rep, "", "pong")
			require.Equal(t, []string{"", "pong"}, recvStrings(t, req))
		}
	})
}

func TestReqStrictAlternation(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		ep := bind(t, rep, tr)
		req := newSocket(t, Req, Options{})
		connect(t, req, ep)
		ctx := context.Background()

		_, err := req.Recv(ctx)
		require.ErrorIs(t, err, ErrState, "REQ receive before any request")
		require.ErrorIs(t, rep.Send(ctx, NewMsgString("x")), ErrState, "REP reply before any request")

		send(t, req, "one")
		require.ErrorIs(t, req.Send(ctx, NewMsgString("two")), ErrState, "REQ second request before the reply")
		recvStrings(t, rep)
		_, err = rep.Recv(ctxT(t))
		require.ErrorIs(t, err, ErrState, "REP second receive before replying")
		send(t, rep, "reply")
		require.Equal(t, []string{"reply"}, recvStrings(t, req))
		send(t, req, "three")
		require.Equal(t, []string{"three"}, recvStrings(t, rep))
	})
}

func TestReqLoadBalancesOverReps(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		req := newSocket(t, Req, Options{})
		reps := make([]*Socket, 3)
		for i := range reps {
			reps[i] = newSocket(t, Rep, Options{})
			connect(t, req, bind(t, reps[i], tr))
		}
		waitPeers(t, req, 3)
		got := make([]int, len(reps))
		for i := 0; i < 2*len(reps); i++ {
			send(t, req, fmt.Sprint(i))
			// Find the REP that got request i, polling them in turn until one has it.
			who := -1
			deadline := time.Now().Add(10 * time.Second)
			for who < 0 {
				require.True(t, time.Now().Before(deadline), "request %d not delivered", i)
				for j, rep := range reps {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
					m, err := rep.Recv(ctx)
					cancel()
					if err == nil {
						require.Equal(t, fmt.Sprint(i), string(m.Frames[0]))
						who = j
						require.NoError(t, rep.Send(ctxT(t), NewMsg(m.Frames[0])))
						break
					}
				}
			}
			got[who]++
			require.Equal(t, []string{fmt.Sprint(i)}, recvStrings(t, req))
		}
		// Round-robin: two full rounds give each REP exactly two requests.
		require.Equal(t, []int{2, 2, 2}, got)
	})
}

func TestDealerToRepEnvelope(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		rep := newSocket(t, Rep, Options{})
		ep := bind(t, rep, tr)
		dealer := newSocket(t, Dealer, Options{})
		connect(t, dealer, ep)
		// A DEALER must add the delimiter itself; a message without one is dropped.
		send(t, dealer, "no-delimiter")
		send(t, dealer, "", "body", "", "tail")
		require.Equal(t, []string{"body", "", "tail"}, recvStrings(t, rep))
		send(t, rep, "answer")
		require.Equal(t, []string{"", "answer"}, recvStrings(t, dealer))
		require.Equal(t, uint64(1), rep.Stats().Drops.Malformed)
	})
}

func TestRouterToReq(t *testing.T) {
	run(t, func(t *testing.T, tr string) {
		router := newSocket(t, Router, Options{})
		ep := bind(t, router, tr)
		req := newSocket(t, Req, Options{RoutingID: []byte("client-1")})
		connect(t, req, ep)
		send(t, req, "hello")
		require.Equal(t, []string{"client-1", "", "hello"}, recvStrings(t, router))
		send(t, router, "client-1", "", "world")
		require.Equal(t, []string{"world"}, recvStrings(t, req))
	})
}

// A REP never blocks on a reply, even when the requester stops reading and the
// replies are written on the caller's goroutine.
func TestRepSendNeverBlocksOnSlowReader(t *testing.T) {
	rep := newSocket(t, Rep, Options{SendHWM: Unlimited})
	ep := bind(t, rep, "tcp")
	nc, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	require.NoError(t, err)
	c, err := transport.Handshake(nc, wire.HandshakeConfig{SocketType: wire.Req}, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()

	const n = 1500
	reply := make([]byte, 10<<10) // under the direct-write limit, 15 MB in all, more than the socket buffers hold
	go func() {
		for i := 0; i < n; i++ {
			if c.WriteMsg(wire.Msg{Frames: [][]byte{{}, []byte("q")}}) != nil || c.Flush() != nil {
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		_, err := rep.Recv(ctxT(t))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		require.NoError(t, rep.Send(ctx, NewMsg(reply)), "reply %d", i)
		cancel()
	}
}
