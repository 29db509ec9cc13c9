package auth_test

import (
	"strings"
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/stretchr/testify/require"
)

// Malformed requests get status 500 with the request id echoed, and the
// authenticator serves the next request normally.
func TestMalformedRequestsAnswered500(t *testing.T) {
	h := newHarness(t)
	long := []byte(strings.Repeat("d", 256))
	key := newKey(t)
	cases := []struct {
		name   string
		body   [][]byte
		reason string
	}{
		{"two frames", [][]byte{[]byte("1.0"), []byte("x")}, "2 frames, want at least 6"},
		{"five frames", req("x", "d", "127.0.0.1", "NULL")[:5], "5 frames"},
		{"version 2.0", append([][]byte{[]byte("2.0")}, req("x", "d", "127.0.0.1", "NULL")[1:]...), "version"},
		{"empty version", append([][]byte{{}}, req("x", "d", "127.0.0.1", "NULL")[1:]...), "version"},
		{"empty mechanism", req("x", "d", "127.0.0.1", ""), "empty mechanism"},
		{"NULL with credentials", req("x", "d", "127.0.0.1", "NULL", []byte("c")), "NULL with 1 credential frames"},
		{"PLAIN one frame", req("x", "d", "127.0.0.1", "PLAIN", []byte("admin")), "PLAIN with 1 credential frames"},
		{"PLAIN three frames", req("x", "d", "127.0.0.1", "PLAIN", []byte("a"), []byte("b"), []byte("c")), "PLAIN with 3"},
		{"PLAIN long name", req("x", "d", "127.0.0.1", "PLAIN", long, []byte("b")), "longer than 255"},
		{"CURVE no key", req("x", "d", "127.0.0.1", "CURVE"), "CURVE with 0 credential frames"},
		{"CURVE short key", req("x", "d", "127.0.0.1", "CURVE", key[:31]), "CURVE key of 31 bytes"},
		{"CURVE long key", req("x", "d", "127.0.0.1", "CURVE", append(key[:], 0)), "CURVE key of 33 bytes"},
		{"CURVE two frames", req("x", "d", "127.0.0.1", "CURVE", key[:], key[:]), "CURVE with 2"},
		{"long domain", req("x", string(long), "127.0.0.1", "NULL"), "domain longer than 255"},
		{"long identity", func() [][]byte { b := req("x", "d", "127.0.0.1", "NULL"); b[4] = long; return b }(), "identity longer than 255"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.ask(t, c.body...)
			requireReply(t, r, "x", "500", "")
			require.True(t, strings.HasPrefix(r.text, "malformed request: "), r.text)
			require.Contains(t, r.text, c.reason)
			requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
		})
	}
	require.Len(t, h.logs.lines("level=WARN", "malformed ZAP request"), len(cases))
}

// Requests that cannot be answered are dropped: the next reply the server
// gets is the one to its next, well-formed request.
func TestUnanswerableRequestsDropped(t *testing.T) {
	h := newHarness(t)
	// No request id after the delimiter.
	send(t, h.client, []byte{}, []byte("1.0"))
	// Only a delimiter.
	send(t, h.client, []byte{})
	// No delimiter at all (every frame non-empty): no envelope to reply along.
	send(t, h.client, []byte("1.0"), []byte("1"), []byte("d"), []byte("127.0.0.1"), []byte("id"), []byte("NULL"))
	requireReply(t, h.ask(t, req("next", "", "127.0.0.1", "NULL")...), "next", "200", auth.AnonymousUserID)
	require.Len(t, h.logs.lines("level=WARN", "dropped a ZAP request"), 3, h.logs.String())
}

// A request that went through intermediaries carries their routing ids before
// the delimiter; the reply goes back with the whole envelope, as a REP would
// send it.
func TestEnvelopeKept(t *testing.T) {
	h := newHarness(t)
	body := nullReq("", "127.0.0.1")
	send(t, h.client, append([][]byte{[]byte("hop1"), []byte("hop2"), {}}, body...)...)
	frames := recv(t, h.client)
	require.Len(t, frames, 9)
	require.Equal(t, []byte("hop1"), frames[0])
	require.Equal(t, []byte("hop2"), frames[1])
	requireReply(t, parseReply(t, frames[2:]), "1", "200", auth.AnonymousUserID)
}
