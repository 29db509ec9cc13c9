//go:build cgo

package interop

import (
	"bytes"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// streamText receives STREAM messages on p from one connection until their data adds
// up to want, and returns the routing id they came under. Raw bytes may arrive in any
// number of pieces.
func streamText(t *testing.T, p peer, want string) []byte {
	t.Helper()
	var id, got []byte
	for len(got) < len(want) {
		m := p.Recv(t)
		require.Len(t, m, 2, "%v: a routing id and data", p)
		if len(m[1]) == 0 {
			continue // a connection announced
		}
		if id == nil {
			id = m[0]
		}
		require.Equal(t, id, m[0], "%v: data from one connection", p)
		got = append(got, m[1]...)
	}
	require.Equal(t, want, string(got))
	return id
}

// TestStreamWithLibzmq runs raw bytes between our STREAM and libzmq's ZMQ_STREAM, each
// side binding in turn: neither speaks ZMTP, both announce connections with an empty
// message, and ours closes one when sent an empty data frame.
func TestStreamWithLibzmq(t *testing.T) {
	for _, tr := range transports {
		for _, oursBinds := range []bool{true, false} {
			name := tr + "/libzmq-binds"
			if oursBinds {
				name = tr + "/ours-binds"
			}
			t.Run(name, func(t *testing.T) {
				our := newOurs(t, socket.Stream, socket.Options{})
				lib := newLZ(t, socket.Stream)
				var server, client peer = our, lib
				if !oursBinds {
					server, client = lib, our
				}
				ep := server.Bind(t, tr)
				client.Connect(t, ep)

				// The connecting side learns its connection's id from the announcement.
				m := client.Recv(t)
				require.Len(t, m, 2)
				require.Empty(t, m[1], "%v announces the connection", client)
				clientID := m[0]
				client.SendBytes(t, clientID, []byte("ping over raw bytes"))
				serverID := streamText(t, server, "ping over raw bytes")

				server.SendBytes(t, serverID, bytes.Repeat([]byte("pong"), 1000))
				require.Equal(t, clientID, streamText(t, client, string(bytes.Repeat([]byte("pong"), 1000))))

				// Our side hangs up, and libzmq hears the connection close. (libzmq 4.3.4
				// itself, sent an empty frame, kept the connection open in both roles
				// here; its issue 831 reports the same.)
				ourID, lzID := serverID, clientID
				if !oursBinds {
					ourID, lzID = clientID, serverID
				}
				our.SendBytes(t, ourID, nil)
				for {
					m := lib.Recv(t)
					require.Equal(t, lzID, m[0])
					if len(m[1]) == 0 {
						break
					}
				}
			})
		}
	}
}
