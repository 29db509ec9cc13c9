package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/brokerless/zmq/transport"
	"github.com/brokerless/zmq/transport/tcp"
)

// The subprotocols of ZWS 2.0. Bare ZWS2.0 is what browsers can offer (a "/" is not
// allowed in the subprotocols a page asks for); its handshake is one message each
// way holding the sender's routing id.
const (
	ProtocolBare  = "ZWS2.0"
	ProtocolNull  = "ZWS2.0/NULL"
	ProtocolPlain = "ZWS2.0/PLAIN"
	ProtocolCurve = "ZWS2.0/CURVE"
)

// Transport is the ws:// (or, with Secure, wss://) transport. Addresses are the part
// of the endpoint after "://": a tcp address in tcp's syntax followed by a path,
// such as "127.0.0.1:5555/feed" or "*:*/feed"; without a path the path is "/".
//
// A Transport starts no goroutines of its own but a listener's HTTP server, which
// the listener's Close waits for.
type Transport struct {
	// Secure selects wss://: TLS under the WebSocket, configured by TLS.
	Secure bool
	// TLS is the TLS configuration of wss://: certificates for a listener, roots
	// and a server name for a dialer (the server name defaults to the endpoint's
	// host). It is ignored by ws://.
	TLS *tls.Config
	// Mechanism names the ZMTP security mechanism, "NULL" (the default, also
	// when empty), "PLAIN" or "CURVE". It decides the subprotocols offered and
	// accepted: a NULL listener also accepts bare ZWS2.0.
	Mechanism string
	// HandshakeTimeout bounds the HTTP upgrade (and the TLS handshake) of each
	// connection; zero or less means no bound.
	HandshakeTimeout time.Duration
	// MaxFrame refuses ZeroMQ frames larger than this many bytes, from the
	// WebSocket header, before anything of the payload is read (see
	// Conn.SetMaxFrame). Zero or less means no limit.
	MaxFrame int64
}

var _ transport.StreamTransport = Transport{}

// Addr is a parsed ws address.
type Addr struct {
	HostPort string // in tcp's syntax, "127.0.0.1:5555", "*:*"
	Path     string // starts with "/"
}

// ParseAddr splits addr into its tcp address and its path.
func ParseAddr(scheme, addr string) (Addr, error) {
	hp, path, found := strings.Cut(addr, "/")
	if hp == "" {
		return Addr{}, transport.BadEndpoint(scheme+"://"+addr, "ws: missing host and port")
	}
	path = "/" + path
	if !found {
		path = "/"
	}
	if strings.ContainsAny(path, " \r\n?#") {
		return Addr{}, transport.BadEndpoint(scheme+"://"+addr, "ws: bad path")
	}
	return Addr{HostPort: hp, Path: path}, nil
}

func (t Transport) scheme() string {
	if t.Secure {
		return transport.SchemeWSS
	}
	return transport.SchemeWS
}

// protocols returns the subprotocols a client offers, in order of preference.
func (t Transport) protocols() []string {
	switch strings.ToUpper(t.Mechanism) {
	case "PLAIN":
		return []string{ProtocolPlain}
	case "CURVE":
		return []string{ProtocolCurve}
	}
	return []string{ProtocolNull}
}

// accepts reports whether a listener takes subprotocol p.
func (t Transport) accepts(p string) bool {
	switch strings.ToUpper(t.Mechanism) {
	case "PLAIN":
		return p == ProtocolPlain
	case "CURVE":
		return p == ProtocolCurve
	}
	return p == ProtocolNull || p == ProtocolBare
}

// Listen binds addr and serves WebSocket upgrades on it with net/http. Only
// upgrades to the bound path with a subprotocol of the transport's mechanism are
// accepted: a request for another path gets 404 Not Found, one that is no WebSocket
// upgrade 400 Bad Request, one without an acceptable subprotocol 400 with the
// subprotocols the listener takes. Requests must arrive within HandshakeTimeout.
func (t Transport) Listen(ctx context.Context, addr string, opts transport.Options) (transport.Listener, error) {
	a, err := ParseAddr(t.scheme(), addr)
	if err != nil {
		return nil, err
	}
	if t.Secure && (t.TLS == nil || (len(t.TLS.Certificates) == 0 && t.TLS.GetCertificate == nil && t.TLS.GetConfigForClient == nil)) {
		return nil, transport.BadEndpoint(t.scheme()+"://"+addr, "ws: wss needs a certificate")
	}
	tl, err := tcp.Listen(ctx, a.HostPort, opts)
	if err != nil {
		return nil, err
	}
	var nl net.Listener = tl
	if t.Secure {
		nl = tls.NewListener(tl, t.TLS)
	}
	l := &Listener{
		t:        t,
		path:     a.Path,
		endpoint: t.scheme() + "://" + strings.TrimPrefix(tl.Endpoint(), "tcp://") + a.Path,
		conns:    make(chan *Conn),
		done:     make(chan struct{}),
	}
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: t.HandshakeTimeout,
		ReadTimeout:       t.HandshakeTimeout, // hijacked connections clear it
		WriteTimeout:      t.HandshakeTimeout,
		IdleTimeout:       t.HandshakeTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0), // hostile clients must not fill the log
	}
	l.serving.Go(func() { l.srv.Serve(nl) })
	return l, nil
}

// maxHeaderBytes bounds an upgrade request's header.
const maxHeaderBytes = 16 << 10

// Listener is a bound ws endpoint: an HTTP server whose upgraded connections Accept
// returns. It is safe for concurrent use.
type Listener struct {
	t         Transport
	path      string
	endpoint  string
	srv       *http.Server
	conns     chan *Conn
	done      chan struct{}
	closeOnce sync.Once
	serving   sync.WaitGroup // Serve

	mu       sync.Mutex
	closed   bool           // no handler may join handlers any more
	handlers sync.WaitGroup // ServeHTTP calls under way
}

// Accept waits for the next upgraded connection. After Close it returns an error
// matching net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops the HTTP server, closes connections whose upgrade is not done, and
// waits for the server's goroutines. Upgraded connections stay open.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.done)
		l.srv.Close()
	})
	l.serving.Wait()
	l.handlers.Wait()
	return nil
}

// Endpoint returns the bound endpoint with the port filled in, such as
// "ws://127.0.0.1:43121/feed".
func (l *Listener) Endpoint() string { return l.endpoint }

// ServeHTTP implements http.Handler: it upgrades requests for the bound path and
// hands the connections to Accept.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	l.handlers.Add(1)
	l.mu.Unlock()
	defer l.handlers.Done()
	if r.URL.Path != l.path {
		http.Error(w, "no ZeroMQ socket at this path", http.StatusNotFound)
		return
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "a ZeroMQ socket speaks WebSocket (ZWS 2.0) only", http.StatusUpgradeRequired)
		return
	}
	var proto string
	for _, p := range headerTokens(r.Header, "Sec-WebSocket-Protocol") {
		if l.t.accepts(p) {
			proto = p
			break
		}
	}
	if proto == "" {
		want := strings.Join(l.t.protocols(), ", ")
		if l.t.accepts(ProtocolBare) {
			want += ", " + ProtocolBare
		}
		http.Error(w, "no supported subprotocol: this socket takes "+want, http.StatusBadRequest)
		return
	}
	// The agreed subprotocol is written as a plain header: gobwas/ws's selector
	// parses offers as HTTP tokens, and "/" is not a token character, though
	// libzmq puts one in every subprotocol but the bare one.
	u := ws.HTTPUpgrader{
		Timeout: l.t.HandshakeTimeout,
		Header:  http.Header{"Sec-WebSocket-Protocol": {proto}},
	}
	nc, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close()
		}
		return
	}
	c := newConn(nc, rw.Reader, false, proto, l.t.MaxFrame)
	select {
	case l.conns <- c:
	case <-l.done:
		nc.Close()
	}
}

// headerTokens returns the comma-separated tokens of every header field name.
func headerTokens(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for tok := range strings.SplitSeq(v, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				out = append(out, tok)
			}
		}
	}
	return out
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, t := range headerTokens(h, name) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// ErrUpgrade reports a server that refused the WebSocket upgrade or answered it
// wrongly.
var ErrUpgrade = errors.New("ws: upgrade refused")

// Dial connects to addr and upgrades the connection, offering the subprotocol of
// the transport's mechanism. The upgrade must finish within HandshakeTimeout. A
// refusal is an error matching ErrUpgrade that names the HTTP status.
func (t Transport) Dial(ctx context.Context, addr string, opts transport.Options) (net.Conn, error) {
	a, err := ParseAddr(t.scheme(), addr)
	if err != nil {
		return nil, err
	}
	tc, err := tcp.Dial(ctx, a.HostPort, opts)
	if err != nil {
		return nil, err
	}
	var nc net.Conn = tc
	host := a.HostPort
	if i := strings.LastIndexByte(host, ';'); i >= 0 { // a source address
		host = host[i+1:]
	}
	if t.HandshakeTimeout > 0 {
		nc.SetDeadline(time.Now().Add(t.HandshakeTimeout))
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if t.Secure {
		cfg := t.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			h, _, _ := net.SplitHostPort(host)
			cfg.ServerName = strings.Trim(h, "[]")
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	u := &url.URL{Scheme: t.scheme(), Host: host, Path: a.Path}
	d := ws.Dialer{Protocols: t.protocols()}
	br, hs, err := d.Upgrade(nc, u)
	if err != nil {
		nc.Close()
		var se ws.StatusError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: HTTP status %d from %s", ErrUpgrade, int(se), u)
		}
		return nil, fmt.Errorf("%w: %v", ErrUpgrade, err)
	}
	if hs.Protocol == "" {
		nc.Close()
		return nil, fmt.Errorf("%w: %s agreed on no subprotocol", ErrUpgrade, u)
	}
	nc.SetDeadline(time.Time{})
	c := newConn(nc, br, true, hs.Protocol, t.MaxFrame)
	if br != nil {
		ws.PutReader(br)
	}
	return c, nil
}
