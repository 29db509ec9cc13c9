package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/auth"
	"github.com/brokerless/zmq/internal/leakcheck"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
	"github.com/stretchr/testify/require"
)

// TestMain fails the run if the authenticator's goroutine, or a socket's,
// outlives the tests.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// replyTimeout bounds every wait for a reply.
const replyTimeout = 5 * time.Second

// logBuf collects log output from concurrent goroutines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the log records that contain every one of subs.
func (l *logBuf) lines(subs ...string) []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// harness is an authenticator in a private registry with a DEALER client that
// plays the server socket's part.
type harness struct {
	a      *auth.Authenticator
	reg    *inproc.Registry
	client *socket.Socket
	logs   *logBuf
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{reg: inproc.NewRegistry(), logs: new(logBuf)}
	a, err := auth.Start(auth.Options{
		Registry: h.reg,
		Logger:   slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	h.a = a
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	h.client = h.dealer(t)
	return h
}

// dealer returns a new DEALER connected to the authenticator.
func (h *harness) dealer(t *testing.T) *socket.Socket {
	t.Helper()
	d, err := socket.New(socket.Dealer, socket.Options{InprocRegistry: h.reg, Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	require.NoError(t, d.Connect(auth.Endpoint))
	return d
}

// send sends frames as they are, with no delimiter added.
func send(t *testing.T, d *socket.Socket, frames ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	require.NoError(t, d.Send(ctx, socket.NewMsg(frames...)))
}

// recv receives one message on d within replyTimeout.
func recv(t *testing.T, d *socket.Socket) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	m, err := d.Recv(ctx)
	require.NoError(t, err, "no ZAP reply within %v", replyTimeout)
	return m.Frames
}

// ask sends a request body after an empty delimiter, as a server socket does,
// and returns the reply after checking its delimiter and frame count.
func (h *harness) ask(t *testing.T, body ...[]byte) reply {
	t.Helper()
	return askOn(t, h.client, body...)
}

func askOn(t *testing.T, d *socket.Socket, body ...[]byte) reply {
	t.Helper()
	send(t, d, append([][]byte{{}}, body...)...)
	return parseReply(t, recv(t, d))
}

// reply is a ZAP reply as the server socket reads it.
type reply struct {
	version, id, code, text, userID, metadata string
}

func parseReply(t *testing.T, frames [][]byte) reply {
	t.Helper()
	require.Len(t, frames, 7, "a ZAP reply is a delimiter and 6 frames")
	require.Empty(t, frames[0], "delimiter")
	return reply{string(frames[1]), string(frames[2]), string(frames[3]), string(frames[4]), string(frames[5]), string(frames[6])}
}

// requireReply checks the parts of a reply that every test cares about.
func requireReply(t *testing.T, r reply, id, code, userID string) {
	t.Helper()
	require.Equal(t, "1.0", r.version)
	require.Equal(t, id, r.id, "request id echoed")
	require.Equal(t, code, r.code, "status code (text %q)", r.text)
	require.Equal(t, userID, r.userID)
	require.Empty(t, r.metadata)
}

// req builds a request body: version, id, domain, address, identity,
// mechanism, credentials.
func req(id, domain, address, mechanism string, creds ...[]byte) [][]byte {
	return append([][]byte{[]byte("1.0"), []byte(id), []byte(domain), []byte(address), nil, []byte(mechanism)}, creds...)
}

func nullReq(domain, address string) [][]byte { return req("1", domain, address, "NULL") }

func plainReq(domain, address, user, password string) [][]byte {
	return req("1", domain, address, "PLAIN", []byte(user), []byte(password))
}

func curveReq(domain, address string, key [32]byte) [][]byte {
	return req("1", domain, address, "CURVE", key[:])
}
