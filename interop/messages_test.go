//go:build cgo

package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// frameSizes straddle the one-byte/eight-byte length boundary (255/256), our writer's
// copy/reference boundary (8 KiB) and a large message.
var frameSizes = []int{0, 1, 255, 256, 8191, 8193, 1 << 20}

// TestFrameSizes sends each size as a single-frame message, then all of them as one
// multipart message with empty frames between, both ways over PAIR, with either side
// bound, over tcp and ipc.
func TestFrameSizes(t *testing.T) {
	for _, tr := range transports {
		for _, oursBind := range []bool{true, false} {
			name := fmt.Sprintf("our PAIR connects to libzmq PAIR on %s", tr)
			if oursBind {
				name = fmt.Sprintf("libzmq PAIR connects to our PAIR on %s", tr)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				o := newOurs(t, socket.Pair, socket.Options{})
				l := newLZ(t, socket.Pair)
				if oursBind {
					l.Connect(t, o.Bind(t, tr))
				} else {
					o.Connect(t, l.Bind(t, tr))
				}
				for _, dir := range [][2]peer{{o, l}, {l, o}} {
					from, to := dir[0], dir[1]
					for i, n := range frameSizes {
						from.SendBytes(t, payload(n, byte(i)))
						got := to.Recv(t)
						require.Len(t, got, 1)
						require.Equal(t, n, len(got[0]), "%v → %v: frame of %d bytes", from, to, n)
						require.True(t, bytes.Equal(payload(n, byte(i)), got[0]), "%v → %v: frame of %d bytes differs", from, to, n)
					}
					var multi [][]byte
					for i, n := range frameSizes {
						multi = append(multi, payload(n, byte(i)), nil)
					}
					from.SendBytes(t, multi...)
					got := to.Recv(t)
					require.Len(t, got, len(multi), "%v → %v: multipart of %d frames", from, to, len(multi))
					for i := range multi {
						require.Equal(t, len(multi[i]), len(got[i]), "frame %d", i)
						require.True(t, bytes.Equal(multi[i], got[i]), "frame %d differs", i)
					}
				}
			})
		}
	}
}

const maxMsg = 4096

// TestMaxMsgSizeOurs: our PULL with Options.MaxMsgSize receives frames of MaxMsgSize-1
// and MaxMsgSize from a libzmq PUSH, and drops the connection on MaxMsgSize+1 with
// wire.ErrFrameTooLarge (monitor EventDisconnected); the oversize message is never
// delivered. When libzmq connected, it reconnects and later messages flow; when we
// connected, we do not reconnect (a protocol error, as libzmq).
func TestMaxMsgSizeOurs(t *testing.T) {
	for _, tr := range transports {
		for _, oursBind := range []bool{true, false} {
			name := fmt.Sprintf("our PULL with MaxMsgSize connects to libzmq PUSH on %s", tr)
			if oursBind {
				name = fmt.Sprintf("libzmq PUSH connects to our PULL with MaxMsgSize on %s", tr)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				pull := newOurs(t, socket.Pull, socket.Options{MaxMsgSize: maxMsg})
				push := newLZ(t, socket.Push)
				mon := monitorLZ(t, push)
				if oursBind {
					push.Connect(t, pull.Bind(t, tr))
				} else {
					pull.Connect(t, push.Bind(t, tr))
				}
				push.SendBytes(t, payload(maxMsg-1, 1))
				push.SendBytes(t, payload(maxMsg, 2))
				push.SendBytes(t, []byte("small"), payload(maxMsg+1, 3))
				require.Equal(t, [][]byte{payload(maxMsg-1, 1)}, pull.Recv(t))
				require.Equal(t, [][]byte{payload(maxMsg, 2)}, pull.Recv(t))

				ev := pull.waitEvent(t, socket.EventDisconnected)
				require.ErrorIs(t, ev.Err, wire.ErrFrameTooLarge, "disconnect reason: %v", ev)

				if oursBind {
					// libzmq reconnects; the next message arrives, the oversize one never.
					// Send it only once libzmq has seen the old connection die: a message
					// its old engine takes from the pipe is lost with that connection.
					mon.waitFor(t, zmq.EVENT_DISCONNECTED)
					push.Send(t, "after")
					want(t, pull, pull.Recv(t), "after")
				} else {
					m, ok := pull.TryRecv(t, quiet)
					require.False(t, ok, "the oversize message was delivered: %d frames", len(m))
				}
			})
		}
	}
}

// TestMaxMsgSizeLibzmq: a libzmq PULL with ZMQ_MAXMSGSIZE takes MAXMSGSIZE-1 and
// MAXMSGSIZE from our PUSH and drops the connection on MAXMSGSIZE+1 (its monitor and
// ours both see the disconnection); our PUSH reconnects and later messages arrive.
func TestMaxMsgSizeLibzmq(t *testing.T) {
	for _, tr := range transports {
		for _, oursBind := range []bool{true, false} {
			name := fmt.Sprintf("our PUSH connects to libzmq PULL with MAXMSGSIZE on %s", tr)
			if oursBind {
				name = fmt.Sprintf("libzmq PULL with MAXMSGSIZE connects to our PUSH on %s", tr)
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				push := newOurs(t, socket.Push, socket.Options{})
				pull := newLZ(t, socket.Pull, func(s *zmq.Socket) error { return s.SetMaxmsgsize(maxMsg) })
				mon := monitorLZ(t, pull)
				if oursBind {
					pull.Connect(t, push.Bind(t, tr))
				} else {
					push.Connect(t, pull.Bind(t, tr))
				}
				push.SendBytes(t, payload(maxMsg-1, 1))
				push.SendBytes(t, payload(maxMsg, 2))
				require.Equal(t, [][]byte{payload(maxMsg-1, 1)}, pull.Recv(t))
				require.Equal(t, [][]byte{payload(maxMsg, 2)}, pull.Recv(t))
				push.SendBytes(t, payload(maxMsg+1, 3))
				e := mon.waitFor(t, zmq.EVENT_DISCONNECTED)
				t.Logf("libzmq: %v", e)
				push.waitEvent(t, socket.EventDisconnected)
				if !oursBind {
					// We reconnect (libzmq closed the connection; for us that is EOF).
					push.Send(t, "after")
					want(t, pull, pull.Recv(t), "after")
				} else {
					m, ok := pull.TryRecv(t, quiet)
					require.False(t, ok, "libzmq delivered the oversize message: %d frames", len(m))
				}
			})
		}
	}
}

// TestRoundRobinToLibzmq: our PUSH, bound, with three libzmq PULLs connected, deals
// N messages out N/3 to each, in order per PULL.
func TestRoundRobinToLibzmq(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("our PUSH to three libzmq PULLs on %s", tr), func(t *testing.T) {
			t.Parallel()
			push := newOurs(t, socket.Push, socket.Options{})
			ep := push.Bind(t, tr)
			var pulls []*lz
			for range 3 {
				p := newLZ(t, socket.Pull)
				p.Connect(t, ep)
				pulls = append(pulls, p)
			}
			for range pulls {
				push.waitEvent(t, socket.EventHandshakeSucceeded)
			}
			const n = 300
			for i := range n {
				push.Send(t, fmt.Sprint(i))
			}
			for k, p := range pulls {
				first := -1
				for j := range n / 3 {
					var i int
					_, err := fmt.Sscan(string(p.Recv(t)[0]), &i)
					require.NoError(t, err)
					if first < 0 {
						first = i
					}
					// Strict round robin: each PULL gets every third message.
					require.Equal(t, first+3*j, i, "PULL %d, message %d", k, j)
				}
				m, ok := p.TryRecv(t, quiet)
				require.False(t, ok, "PULL %d got more than %d: %q", k, n/3, m)
			}
		})
	}
}

// TestRoundRobinFromLibzmq: a libzmq PUSH, bound, with three of our PULLs connected:
// once all three are attached on the libzmq side each gets N/3.
func TestRoundRobinFromLibzmq(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("libzmq PUSH to three of our PULLs on %s", tr), func(t *testing.T) {
			t.Parallel()
			push := newLZ(t, socket.Push)
			mon := monitorLZ(t, push)
			ep := push.Bind(t, tr)
			var pulls []*ours
			for range 3 {
				p := newOurs(t, socket.Pull, socket.Options{})
				p.Connect(t, ep)
				pulls = append(pulls, p)
			}
			for range pulls {
				mon.waitFor(t, zmq.EVENT_HANDSHAKE_SUCCEEDED)
			}
			// libzmq attaches the new pipes when its application thread next processes
			// commands, which a send does only now and then; reading ZMQ_EVENTS makes it
			// catch up first.
			_, err := push.s.GetEvents()
			require.NoError(t, err)
			const n = 300
			for i := range n {
				push.Send(t, fmt.Sprint(i))
			}
			for k, p := range pulls {
				for j := range n / 3 {
					_, ok := p.TryRecv(t, wait)
					require.True(t, ok, "our PULL %d got only %d of %d", k, j, n/3)
				}
				m, ok := p.TryRecv(t, quiet)
				require.False(t, ok, "our PULL %d got more than %d: %q", k, n/3, m)
			}
		})
	}
}

// TestFairQueueFromLibzmq: three libzmq PUSHes connected to our bound PULL each send N
// messages; all 3N arrive, in order per sender.
func TestFairQueueFromLibzmq(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("three libzmq PUSHes to our PULL on %s", tr), func(t *testing.T) {
			t.Parallel()
			pull := newOurs(t, socket.Pull, socket.Options{})
			ep := pull.Bind(t, tr)
			const n = 200
			for k := range 3 {
				p := newLZ(t, socket.Push)
				p.Connect(t, ep)
				for i := range n {
					p.Send(t, fmt.Sprint(k), fmt.Sprint(i))
				}
			}
			next := [3]int{}
			for range 3 * n {
				m := pull.Recv(t)
				require.Len(t, m, 2)
				var k, i int
				fmt.Sscan(string(m[0]), &k)
				fmt.Sscan(string(m[1]), &i)
				require.Equal(t, next[k], i, "sender %d out of order", k)
				next[k]++
			}
			require.Equal(t, [3]int{n, n, n}, next)
		})
	}
}

// TestFairQueueToLibzmq: three of our PUSHes connected to a bound libzmq PULL each
// send N messages; libzmq receives all 3N, in order per sender.
func TestFairQueueToLibzmq(t *testing.T) {
	for _, tr := range transports {
		t.Run(fmt.Sprintf("three of our PUSHes to libzmq PULL on %s", tr), func(t *testing.T) {
			t.Parallel()
			pull := newLZ(t, socket.Pull)
			ep := pull.Bind(t, tr)
			const n = 200
			for k := range 3 {
				p := newOurs(t, socket.Push, socket.Options{})
				p.Connect(t, ep)
				for i := range n {
					p.Send(t, fmt.Sprint(k), fmt.Sprint(i))
				}
			}
			next := [3]int{}
			for range 3 * n {
				m := pull.Recv(t)
				require.Len(t, m, 2)
				var k, i int
				fmt.Sscan(string(m[0]), &k)
				fmt.Sscan(string(m[1]), &i)
				require.Equal(t, next[k], i, "sender %d out of order", k)
				next[k]++
			}
			require.Equal(t, [3]int{n, n, n}, next)
		})
	}
}
