package auth_test

import (
	"fmt"
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func TestHookSeesRequestAndPolicyDecision(t *testing.T) {
	h := newHarness(t)
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	type seen struct {
		req auth.Request
		pw  string
		d   auth.Decision
	}
	got := make(chan seen, 1)
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		got <- seen{*r, r.Password(), d}
		return d
	})

	requireReply(t, h.ask(t, req("id9", "dom", "127.0.0.1", "PLAIN", []byte("admin"), []byte("secret"))...), "id9", "200", "admin")
	s := <-got
	require.Equal(t, "dom", s.req.Domain)
	require.Equal(t, "127.0.0.1", s.req.Address)
	require.Equal(t, "PLAIN", s.req.Mechanism)
	require.Equal(t, "admin", s.req.Username)
	require.Equal(t, "secret", s.pw)
	require.Equal(t, []byte("id9"), s.req.ID)
	require.Equal(t, auth.Decision{Status: auth.StatusOK, Text: "OK", UserID: "admin"}, s.d)

	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "bad")...), "1", "400", "")
	s = <-got
	require.Equal(t, auth.StatusRefused, s.d.Status)
	require.False(t, s.d.Accepted())

	key := newKey(t)
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", key)...), "1", "400", "")
	s = <-got
	require.Equal(t, key, s.req.ClientKey)
	require.Equal(t, z85Key(t, key), s.req.ClientKeyZ85())
	require.Empty(t, s.pw)

	requireReply(t, h.ask(t, req("1", "", "127.0.0.1", "GSSAPI", []byte("p1"), []byte("p2"))...), "1", "400", "")
	s = <-got
	require.Equal(t, [][]byte{[]byte("p1"), []byte("p2")}, s.req.Credentials)
}

func TestHookOverrides(t *testing.T) {
	h := newHarness(t)
	h.a.Deny("10.0.0.1")
	// A hook that checks PLAIN passwords against its own store, refuses one
	// address the policy allows, and defers otherwise.
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		switch {
		case r.Mechanism == auth.MechanismPlain && r.Username == "ext" && r.Password() == "ext-pw":
			return auth.Decision{Status: auth.StatusOK, Text: "external store", UserID: "external:" + r.Username}
		case r.Address == "10.0.0.9":
			return auth.Decision{Status: auth.StatusRefused, Text: "hook says no", UserID: "ignored"}
		case r.Address == "10.0.0.8":
			return auth.Decision{Status: auth.StatusTemporary, Text: "try later"}
		case r.Address == "10.0.0.7":
			return auth.Decision{Status: 404}
		case r.Address == "10.0.0.6":
			return auth.Decision{Status: auth.StatusOK, UserID: string(make([]byte, 256))}
		}
		return d
	})
	r := h.ask(t, plainReq("", "127.0.0.1", "ext", "ext-pw")...)
	requireReply(t, r, "1", "200", "external:ext")
	require.Equal(t, "external store", r.text)
	// The hook is consulted after the deny list too, and may override it.
	requireReply(t, h.ask(t, plainReq("", "10.0.0.1", "ext", "ext-pw")...), "1", "200", "external:ext")
	requireReply(t, h.ask(t, nullReq("", "10.0.0.1")...), "1", "400", "")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "ext", "wrong")...), "1", "400", "")

	r = h.ask(t, nullReq("", "10.0.0.9")...)
	requireReply(t, r, "1", "400", "") // no user id with a refusal
	require.Equal(t, "hook says no", r.text)
	requireReply(t, h.ask(t, nullReq("", "10.0.0.8")...), "1", "300", "")
	requireReply(t, h.ask(t, nullReq("", "10.0.0.7")...), "1", "500", "")
	requireReply(t, h.ask(t, nullReq("", "10.0.0.6")...), "1", "500", "")
	requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	require.Len(t, h.logs.lines("level=ERROR", "invalid status"), 1, h.logs.String())

	// Without the hook the policy decides alone again.
	h.a.SetHook(nil)
	requireReply(t, h.ask(t, nullReq("", "10.0.0.9")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "ext", "ext-pw")...), "1", "400", "")
}

func TestHookPanicAnsweredAndServingGoesOn(t *testing.T) {
	h := newHarness(t)
	calls := 0
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		calls++
		if r.Domain == "boom" {
			panic(fmt.Sprintf("hook failure %d", calls))
		}
		return d
	})
	for range 3 {
		r := h.ask(t, nullReq("boom", "127.0.0.1")...)
		requireReply(t, r, "1", "500", "")
		require.Equal(t, "hook failed", r.text)
		requireReply(t, h.ask(t, nullReq("calm", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	}
	require.Len(t, h.logs.lines("level=ERROR", "hook panicked"), 3, h.logs.String())
}

func TestHookMetadata(t *testing.T) {
	h := newHarness(t)
	md := wire.Metadata{{Name: "X-Role", Value: []byte("root")}, {Name: "Tenant.id+1", Value: []byte{0, 1, 2}}}
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision {
		switch r.Domain {
		case "meta":
			return auth.Decision{Status: auth.StatusOK, UserID: "u", Metadata: md}
		case "refused-meta":
			return auth.Decision{Status: auth.StatusRefused, Metadata: md}
		case "bad-name":
			return auth.Decision{Status: auth.StatusOK, Metadata: wire.Metadata{{Name: "X Role", Value: []byte("v")}}}
		case "empty-name":
			return auth.Decision{Status: auth.StatusOK, Metadata: wire.Metadata{{Name: "", Value: []byte("v")}}}
		case "huge":
			return auth.Decision{Status: auth.StatusOK, Metadata: wire.Metadata{{Name: "X-Big", Value: make([]byte, 64<<10)}}}
		}
		return d
	})
	send(t, h.client, append([][]byte{{}}, nullReq("meta", "127.0.0.1")...)...)
	frames := recv(t, h.client)
	require.Len(t, frames, 7)
	require.Equal(t, "200", string(frames[3]))
	got, err := wire.ParseMetadata(frames[6])
	require.NoError(t, err)
	require.Equal(t, md, got)

	// Metadata goes with 200 only.
	requireReply(t, h.ask(t, nullReq("refused-meta", "127.0.0.1")...), "1", "400", "")
	for _, d := range []string{"bad-name", "empty-name", "huge"} {
		r := h.ask(t, nullReq(d, "127.0.0.1")...)
		requireReply(t, r, "1", "500", "")
		require.Equal(t, "hook returned invalid metadata", r.text)
	}
	require.Len(t, h.logs.lines("by_hook=true", "domain=meta"), 1, h.logs.String())
	require.Len(t, h.logs.lines("by_hook=true"), 5)
	// A hook that keeps the policy's decision is not marked.
	requireReply(t, h.ask(t, nullReq("plain", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	require.Len(t, h.logs.lines("domain=plain", "status=200"), 1)
	require.Empty(t, h.logs.lines("domain=plain", "by_hook"))
}
