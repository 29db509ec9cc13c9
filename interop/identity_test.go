//go:build cgo

package interop

import (
	"context"
	"fmt"
	"testing"

	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// TestLibzmqRouterSeesOurRoutingID: a libzmq ROUTER addresses our DEALER and REQ by
// Options.RoutingID; without one it generates a 5-byte id starting with a zero byte.
func TestLibzmqRouterSeesOurRoutingID(t *testing.T) {
	for _, typ := range []socket.Type{socket.Dealer, socket.Req} {
		for _, id := range []string{"our-id", ""} {
			for _, tr := range transports {
				name := fmt.Sprintf("our %v with RoutingID %q connects to libzmq ROUTER on %s", typ, id, tr)
				if id == "" {
					name = fmt.Sprintf("our %v without RoutingID connects to libzmq ROUTER on %s", typ, tr)
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					router := newLZ(t, socket.Router)
					o := newOurs(t, typ, socket.Options{RoutingID: []byte(id)})
					o.Connect(t, router.Bind(t, tr))
					body := []string{"hello"}
					if typ == socket.Dealer {
						body = []string{"", "hello"}
					}
					o.Send(t, body...)
					m := router.Recv(t)
					require.Len(t, m, 3, "%q", m)
					if id != "" {
						require.Equal(t, id, string(m[0]))
					} else {
						require.Len(t, m[0], 5, "generated id %x", m[0])
						require.Equal(t, byte(0), m[0][0], "generated id %x", m[0])
					}
					want(t, router, m[1:], "", "hello")
					router.SendBytes(t, m[0], nil, []byte("world"))
					got := o.Recv(t)
					if typ == socket.Dealer {
						want(t, o, got, "", "world")
					} else {
						want(t, o, got, "world")
					}
				})
			}
		}
	}
}

// TestOurRouterSeesLibzmqRoutingID: our ROUTER addresses a libzmq DEALER or REQ by its
// ZMQ_ROUTING_ID.
func TestOurRouterSeesLibzmqRoutingID(t *testing.T) {
	for _, typ := range []socket.Type{socket.Dealer, socket.Req} {
		for _, tr := range transports {
			t.Run(fmt.Sprintf("libzmq %v with ZMQ_ROUTING_ID connects to our ROUTER on %s", typ, tr), func(t *testing.T) {
				t.Parallel()
				router := newOurs(t, socket.Router, socket.Options{})
				l := newLZ(t, typ, func(s *zmq.Socket) error { return s.SetIdentity("lz-id") })
				l.Connect(t, router.Bind(t, tr))
				if typ == socket.Dealer {
					l.Send(t, "", "hello")
				} else {
					l.Send(t, "hello")
				}
				want(t, router, router.Recv(t), "lz-id", "", "hello")
				router.Send(t, "lz-id", "", "world")
				got := l.Recv(t)
				if typ == socket.Dealer {
					want(t, l, got, "", "world")
				} else {
					want(t, l, got, "world")
				}
			})
		}
	}
}

// TestRouterMandatoryUnreachable: our ROUTER with RouterMandatory returns
// ErrHostUnreachable for an id nobody has, and for the id of a libzmq DEALER that has
// gone away (after our monitor reported the disconnection).
func TestRouterMandatoryUnreachable(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our mandatory ROUTER sends to a vanished libzmq DEALER on %s", tr), func(t *testing.T) {
			t.Parallel()
			router := newOurs(t, socket.Router, socket.Options{RouterMandatory: true})
			dealer := newLZ(t, socket.Dealer, func(s *zmq.Socket) error { return s.SetIdentity("gone") })
			dealer.Connect(t, router.Bind(t, tr))

			err := router.s.Send(context.Background(), socket.NewMsgString("nobody", "x"))
			require.ErrorIs(t, err, socket.ErrHostUnreachable, "send to an unknown id")

			dealer.Send(t, "hi")
			want(t, router, router.Recv(t), "gone", "hi")
			router.Send(t, "gone", "reply")
			want(t, dealer, dealer.Recv(t), "reply")

			require.NoError(t, dealer.s.Close())
			router.waitEvent(t, socket.EventDisconnected)
			err = router.s.Send(context.Background(), socket.NewMsgString("gone", "x"))
			require.ErrorIs(t, err, socket.ErrHostUnreachable, "send to a vanished id")
		})
	}
}
