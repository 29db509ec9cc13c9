package auth_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/stretchr/testify/require"
)

func TestStartTwiceInOneRegistryFails(t *testing.T) {
	h := newHarness(t)
	_, err := auth.Start(auth.Options{Registry: h.reg})
	require.ErrorIs(t, err, auth.ErrHandlerBound)
	require.ErrorIs(t, err, socket.ErrAddrInUse)
	require.Contains(t, err.Error(), auth.Endpoint)

	// The first one still serves.
	requireReply(t, h.ask(t, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)

	// Another registry is another namespace.
	other, err := auth.Start(auth.Options{Registry: inproc.NewRegistry()})
	require.NoError(t, err)
	require.NoError(t, other.Close())
}

func TestDefaultRegistry(t *testing.T) {
	a, err := auth.Start(auth.Options{Logger: discardLogger()})
	require.NoError(t, err)
	_, err = auth.Start(auth.Options{Registry: inproc.Default})
	require.ErrorIs(t, err, auth.ErrHandlerBound)

	d, err := socket.New(socket.Dealer, socket.Options{Linger: -1})
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Connect(auth.Endpoint))
	requireReply(t, askOn(t, d, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	require.NoError(t, a.Close())
}

func TestCloseReleasesEndpoint(t *testing.T) {
	reg := inproc.NewRegistry()
	a, err := auth.Start(auth.Options{Registry: reg, Logger: discardLogger()})
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "a second Close is harmless")

	b, err := auth.Start(auth.Options{Registry: reg, Logger: discardLogger()})
	require.NoError(t, err, "Close unbinds the endpoint")
	defer b.Close()
	d, err := socket.New(socket.Dealer, socket.Options{InprocRegistry: reg, Linger: -1})
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Connect(auth.Endpoint))
	requireReply(t, askOn(t, d, nullReq("", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
}

// Close returns while requests are still arriving, and its goroutine is gone
// (TestMain checks for leaks).
func TestCloseWhileServing(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10000 && ctx.Err() == nil; i++ {
			if h.client.Send(ctx, socket.NewMsg(append([][]byte{{}}, nullReq("", "127.0.0.1")...)...)) != nil {
				return
			}
		}
	}()
	// Let some requests be answered first.
	recv(t, h.client)

	closed := make(chan error, 1)
	go func() { closed <- h.a.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while requests were arriving")
	}
	cancel()
	wg.Wait()
	// The endpoint is free again.
	b, err := auth.Start(auth.Options{Registry: h.reg, Logger: discardLogger()})
	require.NoError(t, err)
	require.NoError(t, b.Close())
}

// Configuration changes race with requests from several servers; under -race
// this checks the locking, and every reply must still be a well-formed answer
// to its own request, decided by one of the configurations in turn.
func TestConcurrentConfigChanges(t *testing.T) {
	h := newHarness(t)
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"u": "p1"})
	const servers, requests, changes = 4, 150, 300
	key := newKey(t)
	h.a.SetCurveKeys(auth.AnyDomain, key)

	var wg sync.WaitGroup
	errs := make(chan error, servers+1)
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < changes; i++ {
			select {
			case <-stop:
				return
			default:
			}
			pw := fmt.Sprintf("p%d", 1+i%2)
			h.a.SetPasswords(auth.AnyDomain, map[string]string{"u": pw})
			h.a.SetPasswords(fmt.Sprintf("d%d", i%5), map[string]string{"u": pw})
			h.a.Deny(fmt.Sprintf("10.200.%d.%d", i/256, i%256))
			if i%2 == 0 {
				h.a.SetCurveKeys(auth.AnyDomain, key)
				h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision { return d })
			} else {
				h.a.AllowAnyCurve(auth.AnyDomain)
				h.a.SetHook(nil)
			}
		}
	}()
	clients := make([]*socket.Socket, servers)
	for s := range clients {
		clients[s] = h.dealer(t)
	}
	for s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runRequests(clients[s], s, requests, key)
		}()
	}
	var firstErr error
	for range servers {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	close(stop)
	wg.Wait()
	require.NoError(t, firstErr)

	// Once the changes stop, the last configuration decides.
	h.a.SetPasswords(auth.AnyDomain, map[string]string{"u": "p2"})
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "u", "p2")...), "1", "200", "u")
	requireReply(t, h.ask(t, plainReq("", "127.0.0.1", "u", "p1")...), "1", "400", "")
}

// runRequests sends n PLAIN and CURVE requests from d, one at a time, and
// checks each reply.
func runRequests(d *socket.Socket, server, n int, key [32]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		id := fmt.Sprintf("%d-%d", server, i)
		body := req(id, fmt.Sprintf("d%d", i%7), "127.0.0.1", "PLAIN", []byte("u"), []byte(fmt.Sprintf("p%d", 1+i%2)))
		wantUser := "u"
		if i%3 == 0 {
			body = req(id, "", "127.0.0.1", "CURVE", key[:])
			wantUser, _ = encodeZ85(key)
		}
		if err := d.Send(ctx, socket.NewMsg(append([][]byte{{}}, body...)...)); err != nil {
			return err
		}
		m, err := d.Recv(ctx)
		if err != nil {
			return fmt.Errorf("request %s: %w", id, err)
		}
		f := m.Frames
		if len(f) != 7 || len(f[0]) != 0 || string(f[1]) != "1.0" || string(f[2]) != id || len(f[6]) != 0 {
			return fmt.Errorf("request %s: bad reply %q", id, f)
		}
		switch string(f[3]) {
		case "200":
			if string(f[5]) != wantUser {
				return fmt.Errorf("request %s: accepted with user id %q, want %q", id, f[5], wantUser)
			}
		case "400":
			if len(f[5]) != 0 || i%3 == 0 { // CURVE is always allowed, by key or by any
				return fmt.Errorf("request %s: refused: %q", id, f[4])
			}
		default:
			return fmt.Errorf("request %s: status %q", id, f[3])
		}
	}
	return nil
}

func TestDecisionsLogged(t *testing.T) {
	h := newHarness(t)
	const password = "pw-Zq9-never-logged"
	h.a.SetPasswords("d", map[string]string{"admin": password})
	key := newKey(t)
	h.a.SetCurveKeys("d", key)
	kz := z85Key(t, key)

	requireReply(t, h.ask(t, nullReq("d", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	requireReply(t, h.ask(t, plainReq("d", "127.0.0.2", "admin", password)...), "1", "200", "admin")
	requireReply(t, h.ask(t, plainReq("d", "127.0.0.3", "admin", password+"x")...), "1", "400", "")
	requireReply(t, h.ask(t, curveReq("d", "127.0.0.4", key)...), "1", "200", kz)
	requireReply(t, h.ask(t, req("1", "d", "127.0.0.5", "PLAIN", []byte("admin"), []byte(password), []byte(password))...), "1", "500", "")
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision { panic("boom") })
	requireReply(t, h.ask(t, plainReq("d", "127.0.0.6", "admin", password)...), "1", "500", "")

	require.Len(t, h.logs.lines(`msg="auth: ZAP accepted"`, "domain=d", "address=127.0.0.1", "mechanism=NULL", "status=200"), 1, h.logs.String())
	require.Len(t, h.logs.lines(`msg="auth: ZAP accepted"`, "address=127.0.0.2", "mechanism=PLAIN", "user=admin", "status=200", "user_id=admin"), 1)
	require.Len(t, h.logs.lines(`msg="auth: ZAP refused"`, "address=127.0.0.3", "mechanism=PLAIN", "user=admin", "status=400", `text="wrong password"`), 1)
	require.Len(t, h.logs.lines(`msg="auth: ZAP accepted"`, "address=127.0.0.4", "mechanism=CURVE", "key="+textValue(kz), "status=200"), 1, h.logs.String())
	require.Len(t, h.logs.lines("malformed ZAP request"), 1)
	require.Len(t, h.logs.lines("hook panicked", "request.user=admin"), 1, h.logs.String())
	require.Len(t, h.logs.lines("address=127.0.0.6", "status=500"), 1)
	require.NotContains(t, h.logs.String(), password)
}

func TestRequestPrintsNoPassword(t *testing.T) {
	h := newHarness(t)
	const password = "pw-print-Kx7"
	got := make(chan *auth.Request, 1)
	h.a.SetHook(func(r *auth.Request, d auth.Decision) auth.Decision { got <- r; return d })
	h.ask(t, plainReq("d", "127.0.0.1", "admin", password)...)
	r := <-got
	require.Equal(t, password, r.Password())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(format, r)
		require.NotContains(t, s, password, format)
		require.Contains(t, s, "admin", format)
		s = fmt.Sprintf(format, *r)
		require.NotContains(t, s, password, format)
	}
	var b strings.Builder
	slog.New(slog.NewJSONHandler(&b, nil)).Info("req", "r", r, "v", *r)
	require.NotContains(t, b.String(), password)
	require.Contains(t, b.String(), `"user":"admin"`)
}

func TestNilLoggerUsesDefault(t *testing.T) {
	logs := new(logBuf)
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	defer slog.SetDefault(old)

	reg := inproc.NewRegistry()
	a, err := auth.Start(auth.Options{Registry: reg})
	require.NoError(t, err)
	defer a.Close()
	d, err := socket.New(socket.Dealer, socket.Options{InprocRegistry: reg, Linger: -1})
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, d.Connect(auth.Endpoint))
	requireReply(t, askOn(t, d, nullReq("dd", "127.0.0.1")...), "1", "200", auth.AnonymousUserID)
	require.Len(t, logs.lines("auth: ZAP accepted", "domain=dd"), 1, logs.String())
}

// textValue is s as slog's text handler writes a value: quoted if it holds a
// space, '=' or '"' (Z85 text may hold '=').
func textValue(s string) string {
	if strings.ContainsAny(s, " =\"") {
		return strconv.Quote(s)
	}
	return s
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
