package auth

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/brokerless/zmq/transport/inproc"
)

// FuzzHandle feeds arbitrary messages to the request handler, as a ROUTER
// would deliver them (frames separated by '|' in the fuzz input): whatever the
// frames, handling must not panic, and a parsed request must keep its fields
// within RFC 27's bounds.
func FuzzHandle(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	seeds := [][][]byte{
		{[]byte("id"), {}, []byte("1.0"), []byte("1"), []byte("d"), []byte("127.0.0.1"), {}, []byte("NULL")},
		{[]byte("id"), {}, []byte("1.0"), []byte("1"), {}, []byte("::1"), {}, []byte("PLAIN"), []byte("admin"), []byte("secret")},
		{[]byte("id"), {}, []byte("1.0"), []byte("1"), []byte("*"), []byte("10.0.0.1"), []byte("srv"), []byte("CURVE"), key},
		{[]byte("id"), {}, []byte("2.0")},
		{[]byte("id"), []byte("hop"), {}, []byte("1.0"), []byte("1"), {}, {}, {}, []byte("GSSAPI"), []byte("x")},
	}
	for _, s := range seeds {
		f.Add(bytes.Join(s, []byte("|")))
	}
	a, err := Start(Options{Registry: inproc.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	a.Allow("127.0.0.0/8", "::1")
	a.Deny("10.0.0.1")
	a.SetPasswords(AnyDomain, map[string]string{"admin": "secret"})
	a.SetCurveKeys("*", [32]byte(key))
	a.SetHook(func(r *Request, d Decision) Decision { return d })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte("|"))
		a.handle(ctx, frames)
		for i := range frames {
			if r, err := parseRequest(frames[i:]); err == nil {
				if len(r.Domain) > maxField || len(r.Address) > maxField || len(r.Identity) > maxField ||
					len(r.Username) > maxField || len(r.Password()) > maxField || r.Mechanism == "" {
					t.Fatalf("request out of bounds: %v", r)
				}
				a.decide(r)
			}
		}
	})
}
