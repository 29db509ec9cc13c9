package socket_test

import (
	"strconv"
	"testing"
	"time"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// TestGozmqPushPull: PUSH→PULL with go-zeromq on either side, both bind directions,
// and our PUSH load-balancing over several go-zeromq PULLs.
func TestGozmqPushPull(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("PUSH", "PULL", tr, oursBinds, "→")+": 100 multipart messages with empty frames in order, then 1 MiB", func(t *testing.T) {
				push := gzOurs(t, socket.Push, socket.Options{})
				pull := gzTheirs(t, zmq.NewPull)
				pp := gzNewPump(t, pull)
				gzLink(t, tr, oursBinds, push, pull)
				for i := 0; i < 100; i++ {
					gzOursSend(t, push, gzMultipart(i)...)
				}
				big := gzBig(gzMiB)
				gzOursSend(t, push, big)
				gzOursSend(t, push, "", big, "")
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), pp.recv(t), "message %d", i)
				}
				require.Equal(t, []string{big}, pp.recv(t))
				require.Equal(t, []string{"", big, ""}, pp.recv(t))
			})

			t.Run(gzRoles("PULL", "PUSH", tr, oursBinds, "←")+": 100 multipart messages with empty frames in order, then 1 MiB", func(t *testing.T) {
				pull := gzOurs(t, socket.Pull, socket.Options{})
				push := gzTheirs(t, zmq.NewPush)
				gzLink(t, tr, oursBinds, pull, push)
				// go-zeromq's PUSH drops what it sends before its side of the
				// connection is up (after its Dial that is at once; after its Listen it
				// is not): send probes until one lands.
				gzPublishUntil(t, "go-zeromq PUSH probe",
					func() { gzTheirsSend(t, push, "probe") },
					func(d time.Duration) ([]string, bool) { return gzOursTryRecv(t, pull, d) },
					"probe",
					func(m []string) { t.Fatalf("unexpected message %q", m) })
				for i := 0; i < 100; i++ {
					gzTheirsSend(t, push, gzMultipart(i)...)
				}
				big := gzBig(gzMiB)
				gzTheirsSend(t, push, big)
				gzTheirsSend(t, push, "", big, "")
				recv := func() []string {
					for {
						m := gzOursRecv(t, pull)
						if len(m) != 1 || m[0] != "probe" {
							return m
						}
					}
				}
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), recv(), "message %d", i)
				}
				require.Equal(t, []string{big}, recv())
				require.Equal(t, []string{"", big, ""}, recv())
			})

			t.Run(gzRoles("PUSH", "3×PULL", tr, oursBinds, "→")+": 300 messages round-robin, 100 to each PULL in strict rotation", func(t *testing.T) {
				const k, n = 3, 300
				push := gzOurs(t, socket.Push, socket.Options{})
				pumps := make([]*gzPump, k)
				var ep string
				if oursBinds {
					ep = gzOursBind(t, push, tr)
				}
				for j := range pumps {
					p := gzTheirs(t, zmq.NewPull)
					pumps[j] = gzNewPump(t, p)
					if oursBinds {
						gzTheirsDial(t, p, ep)
					} else {
						gzOursConnect(t, push, gzTheirsBind(t, p, tr))
					}
				}
				gzPeers(t, push, k)
				for i := 0; i < n; i++ {
					gzOursSend(t, push, strconv.Itoa(i))
				}
				gzCheckRoundRobin(t, n, k, func(j int) []string { return pumps[j].recv(t) })
			})
		}
	}
}
