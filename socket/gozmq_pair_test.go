package socket_test

import (
	"testing"

	zmq "github.com/go-zeromq/zmq4"
	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/socket"
)

// TestGozmqPair: PAIR↔PAIR with go-zeromq, both bind directions.
func TestGozmqPair(t *testing.T) {
	for _, tr := range gzTransports {
		for _, oursBinds := range gzDirs {
			t.Run(gzRoles("PAIR", "PAIR", tr, oursBinds, "↔")+": 100 multipart messages each way with empty frames, then 1 MiB each way", func(t *testing.T) {
				ours := gzOurs(t, socket.Pair, socket.Options{})
				theirs := gzTheirs(t, zmq.NewPair)
				tp := gzNewPump(t, theirs)
				gzLink(t, tr, oursBinds, ours, theirs)
				// Ours speaks first: go-zeromq drops what it sends before its side of
				// the connection is up, while ours queues.
				for i := 0; i < 100; i++ {
					gzOursSend(t, ours, gzMultipart(i)...)
				}
				big := gzBig(gzMiB)
				gzOursSend(t, ours, big, "")
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), tp.recv(t), "message %d", i)
				}
				require.Equal(t, []string{big, ""}, tp.recv(t))
				for i := 0; i < 100; i++ {
					gzTheirsSend(t, theirs, gzMultipart(i)...)
				}
				gzTheirsSend(t, theirs, "", big)
				for i := 0; i < 100; i++ {
					require.Equal(t, gzMultipart(i), gzOursRecv(t, ours), "reply %d", i)
				}
				require.Equal(t, []string{"", big}, gzOursRecv(t, ours))
			})
		}
	}
}
