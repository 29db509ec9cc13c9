package promtext

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	st := socket.Stats{MsgsSent: 3, BytesSent: 300, MsgsRecv: 1 << 60, BytesRecv: 18446744073709551615, Peers: 2,
		Drops: socket.Drops{HWM: 1, NoPeers: 4, Oversized: 9}}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, []Socket{
		{Name: "frontend", Stats: func() socket.Stats { return st }},
		{Name: "a\"b\\c\nd", Stats: func() socket.Stats { return socket.Stats{} }},
	}))
	want := `# HELP zmq_socket_messages_received_total Messages returned by Recv.
# TYPE zmq_socket_messages_received_total counter
zmq_socket_messages_received_total{socket="frontend"} 1152921504606846976
zmq_socket_messages_received_total{socket="a\"b\\c\nd"} 0
# HELP zmq_socket_messages_sent_total Messages accepted by Send.
# TYPE zmq_socket_messages_sent_total counter
zmq_socket_messages_sent_total{socket="frontend"} 3
zmq_socket_messages_sent_total{socket="a\"b\\c\nd"} 0
# HELP zmq_socket_bytes_received_total Bytes of the messages returned by Recv.
# TYPE zmq_socket_bytes_received_total counter
zmq_socket_bytes_received_total{socket="frontend"} 18446744073709551615
zmq_socket_bytes_received_total{socket="a\"b\\c\nd"} 0
# HELP zmq_socket_bytes_sent_total Bytes of the messages accepted by Send.
# TYPE zmq_socket_bytes_sent_total counter
zmq_socket_bytes_sent_total{socket="frontend"} 300
zmq_socket_bytes_sent_total{socket="a\"b\\c\nd"} 0
# HELP zmq_socket_drops_total Messages discarded by flow control or routing, by reason.
# TYPE zmq_socket_drops_total counter
`
	for _, r := range []struct {
		reason string
		n      string
	}{{"hwm", "1"}, {"oldest", "0"}, {"unroutable", "0"}, {"no_peers", "4"}, {"filtered", "0"},
		{"malformed", "0"}, {"disconnects", "0"}, {"conflated", "0"}, {"oversized", "9"}} {
		want += `zmq_socket_drops_total{socket="frontend",reason="` + r.reason + `"} ` + r.n + "\n"
	}
	for _, r := range DropReasons {
		want += `zmq_socket_drops_total{socket="a\"b\\c\nd",reason="` + r + `"} 0` + "\n"
	}
	want += `# HELP zmq_socket_peers Connections and inproc pipes attached now.
# TYPE zmq_socket_peers gauge
zmq_socket_peers{socket="frontend"} 2
zmq_socket_peers{socket="a\"b\\c\nd"} 0
`
	require.Equal(t, want, buf.String())
	require.Equal(t, "Connections and inproc pipes attached now.", Help(Peers))
	require.Empty(t, Help("nothing"))
}

func TestHandler(t *testing.T) {
	h := Handler([]Socket{{Name: "backend", Stats: func() socket.Stats { return socket.Stats{MsgsSent: 7} }}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, ContentType, rec.Header().Get("Content-Type"))
	require.Contains(t, strings.Split(rec.Body.String(), "\n"), `zmq_socket_messages_sent_total{socket="backend"} 7`)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
