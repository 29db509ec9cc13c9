package auth_test

import (
	"testing"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/z85"
	"github.com/stretchr/testify/require"
)

func newKey(t *testing.T) [32]byte {
	t.Helper()
	pub, _, err := cert.GenerateKeyPair()
	require.NoError(t, err)
	return pub
}

func z85Key(t *testing.T, k [32]byte) string {
	t.Helper()
	s, err := z85.Encode(k[:])
	require.NoError(t, err)
	require.Len(t, s, 40)
	return s
}

func TestUnconfiguredAcceptsNullRefusesPlainAndCurve(t *testing.T) {
	h := newHarness(t)
	requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, nullReq("global", "10.9.8.7")...), "1", "200", auth.AnonymousUserID)
	r := h.ask(t, plainReq("", "127.0.0.1", "admin", "secret")...)
	requireReply(t, r, "1", "400", "")
	require.Equal(t, "no PLAIN users for this domain", r.text)
	r = h.ask(t, curveReq("", "127.0.0.1", newKey(t))...)
	requireReply(t, r, "1", "400", "")
	require.Equal(t, "no CURVE keys for this domain", r.text)
}

func TestRequestIDEchoed(t *testing.T) {
	h := newHarness(t)
	for _, id := range []string{"0001", "", "\x00\xff binary id"} {
		requireReply(t, h.ask(t, req(id, "d", "127.0.0.1", "NULL")...), id, "200", auth.AnonymousUserID)
	}
}

func TestAllowList(t *testing.T) {
	h := newHarness(t)
	h.a.Allow("127.0.0.1", "10.0.0.0/8", "::1")

	for _, addr := range []string{"127.0.0.1", "10.1.2.3", "::ffff:10.1.2.3", "::1", "0:0:0:0:0:0:0:1"} {
		requireReply(t, h.ask(t, nullReq("", addr)...), "1", "200", auth.AnonymousUserID)
	}
	for _, addr := range []string{"127.0.0.2", "192.168.1.1", "::2", "", "not-an-ip"} {
		r := h.ask(t, nullReq("", addr)...)
		requireReply(t, r, "1", "400", "")
		require.Equal(t, "address not allowed", r.text, addr)
	}

	// An allowed address must still pass PLAIN's and CURVE's own checks.
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "secret")...), "1", "200", "admin")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "admin", "wrong")...), "1", "400", "")
	requireReply(t, h.ask(t, plainReq("", "192.168.1.1", "admin", "secret")...), "1", "400", "")
	key := newKey(t)
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", key)...), "1", "400", "")
	h.a.AllowAnyCurve(auth.AnyDomain)
	requireReply(t, h.ask(t, curveReq("", "127.0.0.1", key)...), "1", "200", z85Key(t, key))
	requireReply(t, h.ask(t, curveReq("", "192.168.1.1", key)...), "1", "400", "")
}

func TestEmptyAddressEntriesIgnored(t *testing.T) {
	h := newHarness(t)
	h.a.Allow("", "  ")
	h.a.Deny("")
	requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, nullReq("", "")...), "1", "200", auth.AnonymousUserID)
	require.Empty(t, h.logs.lines("level=WARN"))
}

func TestAllowTextEntryMatchesExactly(t *testing.T) {
	h := newHarness(t)
	h.a.Allow("some-host")
	requireReply(t, h.ask(t, nullReq("", "some-host")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "400", "")
	require.Len(t, h.logs.lines("level=WARN", "some-host"), 1, h.logs.String())
}

func TestDenyList(t *testing.T) {
	h := newHarness(t)
	h.a.Deny("192.168.0.0/16", "10.0.0.1")
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
	h.a.AllowAnyCurve(auth.AnyDomain)
	key := newKey(t)

	for _, addr := range []string{"192.168.3.4", "10.0.0.1", "::ffff:10.0.0.1"} {
		for _, body := range [][][]byte{nullReq("", addr), plainReq("", addr, "admin", "secret"), curveReq("", addr, key)} {
			r := h.ask(t, body...)
			requireReply(t, r, "1", "400", "")
			require.Equal(t, "address denied", r.text)
		}
	}
	// Addresses not denied go on to the mechanism's checks.
	requireReply(t, h.ask(t, nullReq("", "10.0.0.2")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, plainReq("", "10.0.0.2", "admin", "secret")...), "1", "200", "admin")
	requireReply(t, h.ask(t, plainReq("", "10.0.0.2", "admin", "nope")...), "1", "400", "")
	requireReply(t, h.ask(t, curveReq("", "10.0.0.2", key)...), "1", "200", z85Key(t, key))

	// Deny wins over allow.
	h.a.Allow("10.0.0.0/8")
	requireReply(t, h.ask(t, nullReq("", "10.0.0.1")...), "1", "400", "")
	requireReply(t, h.ask(t, nullReq("", "10.0.0.2")...), "1", "200", auth.AnonymousUserID)
}

func TestPlain(t *testing.T) {
	h := newHarness(t)
	users := map[string]string{"admin": "secret", "reader": "pass word", "empty": ""}
	h.a.SetPasswords(auth.AnyDomain, users)
	users["admin"] = "changed" // SetPasswords copied the map

	cases := []struct {
		user, password, code, userID, text string
	}{
		{"admin", "secret", "200", "admin", "OK"},
		{"reader", "pass word", "200", "reader", "OK"},
		{"empty", "", "200", "empty", "OK"},
		{"admin", "changed", "400", "", "wrong password"},
		{"admin", "secret ", "400", "", "wrong password"},
		{"admin", "Secret", "400", "", "wrong password"},
		{"admin", "", "400", "", "wrong password"},
		{"nobody", "secret", "400", "", "unknown user"},
		{"", "", "400", "", "unknown user"},
	}
	for _, c := range cases {
		r := h.ask(t, plainReq("", "127.0.0.1", c.user, c.password)...)
		requireReply(t, r, "1", c.code, c.userID)
		require.Equal(t, c.text, r.text, "%s/%s", c.user, c.password)
	}
}

func TestPlainDomains(t *testing.T) {
	h := newHarness(t)
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"alice": "a", "bob": "b"})
	h.a.SetPasswords("ops", map[string]string{"alice": "ops-a"})

	// "ops" has users of its own, which take precedence over "*".
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "alice", "ops-a")...), "1", "200", "alice")
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "alice", "a")...), "1", "400", "")
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "bob", "b")...), "1", "400", "")
	// Other domains, and the empty domain, use "*".
	for _, d := range []string{"", "dev", "*"} {
		requireReply(t, h.ask(t, plainReq(d, "127.0.0.1", "alice", "a")...), "1", "200", "alice")
		requireReply(t, h.ask(t, plainReq(d, "127.0.0.1", "alice", "ops-a")...), "1", "400", "")
	}

	// An empty map refuses everyone in the domain; nil falls back to "*".
	h.a.SetPasswords("ops", map[string]string{})
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "alice", "a")...), "1", "400", "")
	h.a.SetPasswords("ops", nil)
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "alice", "a")...), "1", "200", "alice")
	h.a.SetPasswords(auth.AnyDomain, nil)
	requireReply(t, h.ask(t, plainReq("ops", "127.0.0.1", "alice", "a")...), "1", "400", "")
}

func TestCurveKeys(t *testing.T) {
	h := newHarness(t)
	k1, k2, other := newKey(t), newKey(t), newKey(t)
	h.a.SetCurveKeys(auth.AnyDomain, k1, k2, k1)

	r := h.ask(t, curveReq("", "127.0.0.1", k1)...)
	requireReply(t, r, "1", "200", z85Key(t, k1))
	require.Equal(t, cert.PublicKey(k1).String(), r.userID, "User-Id is the key's Z85 text")
	requireReply(t, h.ask(t, curveReq("x", "127.0.0.1", k2)...), "1", "200", z85Key(t, k2))
	r = h.ask(t, curveReq("", "127.0.0.1", other)...)
	requireReply(t, r, "1", "400", "")
	require.Equal(t, "unknown key", r.text)

	// A domain's own rule takes precedence over "*".
	h.a.SetCurveKeys("ops", other)
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", other)...), "1", "200", z85Key(t, other))
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", k1)...), "1", "400", "")
	requireReply(t, h.ask(t, curveReq("dev", "127.0.0.1", other)...), "1", "400", "")

	// AllowAnyCurve and SetCurveKeys replace each other.
	h.a.AllowAnyCurve("ops")
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", k1)...), "1", "200", z85Key(t, k1))
	h.a.SetCurveKeys("ops")
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", k1)...), "1", "400", "")
	requireReply(t, h.ask(t, curveReq("ops", "127.0.0.1", other)...), "1", "400", "")

	// The PLAIN users of a domain do not hide the CURVE rule of "*".
	h.a.SetPasswords("plainonly", map[string]string{"u": "p"})
	requireReply(t, h.ask(t, curveReq("plainonly", "127.0.0.1", k2)...), "1", "200", z85Key(t, k2))
}

func TestOtherMechanismRefused(t *testing.T) {
	h := newHarness(t)
	h.a.AllowAnyCurve(auth.AnyDomain)
	r := h.ask(t, req("7", "", "127.0.0.1", "GSSAPI", []byte("principal"))...)
	requireReply(t, r, "7", "400", "")
	require.Equal(t, "mechanism not supported", r.text)
}

func encodeZ85(k [32]byte) (string, error) { return z85.Encode(k[:]) }
