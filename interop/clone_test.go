//go:build cgo

package interop

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/brokerless/zmq/reliable/clone"
	"github.com/brokerless/zmq/socket"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// The Clone peers here are written from RFC 12 and the guide's kvmsg on libzmq
// sockets, not from our package: a kvmsg is [key, sequence (8 bytes big-endian),
// uuid, properties, body]; a snapshot is asked with [ICANHAZ?, subtree] on a DEALER
// and ends with a KTHXBAI kvmsg carrying the sequence; clients PUSH updates with
// sequence 0 and SUB to the server's updates.

func kvFrames(key string, seq int64, props, body string) [][]byte {
	s := make([]byte, 8)
	binary.BigEndian.PutUint64(s, uint64(seq))
	return [][]byte{[]byte(key), s, []byte("0123456789abcdef"), []byte(props), []byte(body)}
}

func kvSeq(f [][]byte) int64 { return int64(binary.BigEndian.Uint64(f[1])) }

// A libzmq client (clonecli5's sockets) against our server: snapshot of a subtree,
// an update through the collector, and the sequenced update on the publisher.
func TestCloneLibzmqClientOurServer(t *testing.T) {
	srv, err := clone.NewServer(clone.ServerOptions{Snapshot: "tcp://127.0.0.1:*", Publisher: "tcp://127.0.0.1:*",
		Collector: "tcp://127.0.0.1:*", Heartbeat: 50 * time.Millisecond})
	require.NoError(t, err)
	defer srv.Close()
	for i := range 10 {
		require.NoError(t, srv.Set(t.Context(), fmt.Sprintf("/i/%d", i), []byte("v"), 0))
		require.NoError(t, srv.Set(t.Context(), fmt.Sprintf("/other/%d", i), []byte("v"), 0))
	}
	snapEP, pubEP, collEP := srv.Endpoints()
	require.Eventually(t, func() bool { return srv.Sequence() == 20 }, wait, time.Millisecond)

	sub := newLZ(t, socket.Sub, func(s *zmq.Socket) error { return s.SetSubscribe("/i/") })
	sub.Connect(t, pubEP)
	dealer := newLZ(t, socket.Dealer)
	dealer.Connect(t, snapEP)
	dealer.Send(t, "ICANHAZ?", "/i/")
	keys := 0
	for {
		m := dealer.Recv(t)
		require.Len(t, m, 5)
		if string(m[0]) == "KTHXBAI" {
			require.Equal(t, int64(20), kvSeq(m))
			require.Equal(t, "/i/", string(m[4]))
			break
		}
		require.Contains(t, string(m[0]), "/i/")
		keys++
	}
	require.Equal(t, 10, keys)

	push := newLZ(t, socket.Push)
	push.Connect(t, collEP)
	// Until the subscription reaches the server, an update may be published to no one;
	// send new keys until one comes back, then check its frames.
	for i := 0; ; i++ {
		push.SendBytes(t, kvFrames(fmt.Sprintf("/i/new%d", i), 0, "ttl=60\n", "hello")...)
		m, ok := sub.TryRecv(t, 100*time.Millisecond)
		if !ok {
			require.Less(t, i, 50, "no update came back")
			continue
		}
		require.Len(t, m, 5)
		require.Equal(t, fmt.Sprintf("/i/new%d", i), string(m[0]))
		require.Equal(t, int64(21+i), kvSeq(m))
		require.Equal(t, "0123456789abcdef", string(m[2]))
		expiry, err := strconv.ParseInt(string(m[3][len("ttl="):len(m[3])-1]), 10, 64)
		require.NoError(t, err, "%q", m[3])
		require.InDelta(t, time.Now().Add(time.Minute).UnixMilli(), expiry, 10000)
		require.Equal(t, "hello", string(m[4]))
		break
	}
}

// lzCloneServer is a Clone server written from RFC 12 on libzmq sockets, like the
// guide's clonesrv5 (no HUGZ): a ROUTER for snapshots, a PUB for updates and a PULL
// collector. It runs on its own goroutine until stop is closed.
func lzCloneServer(t *testing.T, stop <-chan struct{}) (snapEP, pubEP, collEP string, done <-chan error) {
	router := newLZ(t, socket.Router)
	pub := newLZ(t, socket.Pub)
	pull := newLZ(t, socket.Pull)
	snapEP, pubEP, collEP = router.Bind(t, "tcp"), pub.Bind(t, "tcp"), pull.Bind(t, "tcp")
	errc := make(chan error, 1)
	go func() {
		errc <- func() error {
			state := map[string][][]byte{"/s/preset": kvFrames("/s/preset", 1, "", "p")}
			seq := int64(1)
			p := zmq.NewPoller()
			p.Add(router.s, zmq.POLLIN)
			p.Add(pull.s, zmq.POLLIN)
			for {
				select {
				case <-stop:
					return nil
				default:
				}
				ready, err := p.Poll(20 * time.Millisecond)
				if err != nil {
					return err
				}
				for _, r := range ready {
					m, err := r.Socket.RecvMessageBytes(0)
					if err != nil {
						return err
					}
					if r.Socket == router.s {
						id := m[0]
						for _, kv := range state {
							if _, err := router.s.SendMessage(id, kv); err != nil {
								return err
							}
						}
						if _, err := router.s.SendMessage(id, kvFrames("KTHXBAI", seq, "", string(m[2]))); err != nil {
							return err
						}
						continue
					}
					seq++
					binary.BigEndian.PutUint64(m[1], uint64(seq))
					state[string(m[0])] = m
					if _, err := pub.s.SendMessage(m); err != nil {
						return err
					}
				}
			}
		}()
	}()
	return snapEP, pubEP, collEP, errc
}

// Our client against the libzmq server: snapshot, then its own update coming back
// sequenced. The server sends no HUGZ, which costs the client one Timeout per sync.
func TestCloneOurClientLibzmqServer(t *testing.T) {
	stop := make(chan struct{})
	snapEP, pubEP, collEP, done := lzCloneServer(t, stop)
	defer func() {
		close(stop)
		require.NoError(t, <-done)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := clone.NewClient(ctx, clone.ClientOptions{Snapshot: snapEP, Publisher: pubEP, Collector: collEP,
		Subtree: "/s/", Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, map[string][]byte{"/s/preset": []byte("p")}, c.State())
	require.Equal(t, int64(1), c.Sequence())
	// Updates published before our subscription reaches the server are caught by
	// the next resync (the libzmq server sends no HUGZ, so silence triggers one).
	require.NoError(t, c.Set(ctx, "/s/mine", []byte("m"), 0))
	require.Eventually(t, func() bool { v, _ := c.Get("/s/mine"); return string(v) == "m" }, wait, 10*time.Millisecond)
	require.Equal(t, int64(2), c.Sequence())
}
