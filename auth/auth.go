package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"

	"github.com/brokerless/zmq/cert"
	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/inproc"
)

// Endpoint is where a ZAP handler binds and where servers send their requests
// (RFC 27).
const Endpoint = "inproc://zeromq.zap.01"

// AnyDomain is the domain whose configuration applies to every domain that has
// none of its own for the mechanism at hand.
const AnyDomain = "*"

// AnonymousUserID is the User-Id of an accepted NULL client, as pyzmq's
// authenticator gives it.
const AnonymousUserID = "anonymous"

// ErrHandlerBound is returned by Start when a ZAP handler is already bound in
// the registry: RFC 27 allows one handler per process, here one per registry.
var ErrHandlerBound = errors.New("auth: a ZAP handler is already bound at " + Endpoint)

// Options configures an Authenticator.
type Options struct {
	// Registry is the inproc registry of the sockets to authenticate: the one
	// they were given as socket.Options.InprocRegistry. Nil means inproc.Default.
	Registry *inproc.Registry
	// Logger receives one record per decision and per malformed request; nil
	// means slog.Default(). No record ever holds a password.
	Logger *slog.Logger
}

// An Authenticator is a running ZAP handler. Its methods are safe for
// concurrent use, while it serves: each request is decided on one consistent
// snapshot of the configuration, taken when the request arrives.
type Authenticator struct {
	log  *slog.Logger
	sock *socket.Socket

	mu  sync.Mutex
	pol *policy // replaced whole under mu, never modified

	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Start binds a ZAP handler at Endpoint in opts.Registry and serves requests
// on a goroutine of its own until Close. Until configured, it accepts NULL
// clients and refuses PLAIN and CURVE clients; configure it before the server
// sockets it guards accept clients, since each request is decided on the
// configuration of the moment it arrives. It fails with an error wrapping
// ErrHandlerBound if a handler is already bound there.
func Start(opts Options) (*Authenticator, error) {
	// The handler is a ROUTER rather than a REP. A REP must reply to each
	// request before it may receive the next, so a request it cannot answer (no
	// address envelope, no request id) would leave it stuck or force a
	// meaningless reply; a ROUTER can drop such a request and carry on. A ROUTER
	// also never blocks on a reply: one to a server that went away, or whose
	// queue is full, is dropped, so one server cannot stall the handshakes of the
	// others. The address envelope that a REP would keep is kept by serve.
	s, err := socket.New(socket.Router, socket.Options{InprocRegistry: opts.Registry, Linger: -1})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := s.Bind(Endpoint); err != nil {
		s.Close()
		if errors.Is(err, socket.ErrAddrInUse) {
			return nil, fmt.Errorf("%w (%w)", ErrHandlerBound, err)
		}
		return nil, fmt.Errorf("auth: bind %s: %w", Endpoint, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Authenticator{
		log:    log,
		sock:   s,
		pol:    &policy{domains: map[string]*domainPolicy{}},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go a.serve(ctx)
	return a, nil
}

// Close stops serving, unbinds the endpoint and waits for the authenticator's
// goroutine to exit. Requests not yet answered get no reply (their servers
// time out by their HandshakeInterval). A hook call in progress is waited
// for. Closing twice is harmless.
func (a *Authenticator) Close() error {
	a.closeOnce.Do(func() {
		a.cancel()
		a.closeErr = a.sock.Close()
		<-a.done
	})
	return a.closeErr
}

// update applies change to a copy of the configuration and makes the copy
// current.
func (a *Authenticator) update(change func(p *policy)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pol.clone()
	change(p)
	a.pol = p
}

// snapshot returns the current configuration.
func (a *Authenticator) snapshot() *policy {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pol
}

// Allow adds addresses to the allow list. Once the list has an entry, clients
// from other addresses are refused, whatever their mechanism; a NULL client
// from a listed address is accepted, and PLAIN and CURVE clients from it must
// still pass their own checks. An entry is an IP address ("127.0.0.1", "::1")
// or a prefix ("10.0.0.0/8"); an IPv4 address also matches its IPv4-mapped
// IPv6 form. Other text is matched exactly, and logged as a warning; empty
// entries are ignored.
func (a *Authenticator) Allow(addrs ...string) {
	var notIP []string
	a.update(func(p *policy) { notIP = p.allow.add(addrs) })
	for _, e := range notIP {
		a.log.Warn("auth: allow entry is not an IP address or prefix; matched as exact text", slog.String("entry", e))
	}
}

// Deny adds addresses to the deny list: clients from them are refused,
// whatever their mechanism, even if they are also allowed. Entries are written
// as for Allow.
func (a *Authenticator) Deny(addrs ...string) {
	var notIP []string
	a.update(func(p *policy) { notIP = p.deny.add(addrs) })
	for _, e := range notIP {
		a.log.Warn("auth: deny entry is not an IP address or prefix; matched as exact text", slog.String("entry", e))
	}
}

// SetPasswords sets the PLAIN users of domain (AnyDomain for every domain):
// a map from user name to password, copied. A PLAIN client is accepted if its
// name and password match, with its user name as User-Id. It replaces the
// domain's earlier users; a nil map removes them, so that the domain falls
// back to AnyDomain's users, while an empty map refuses every PLAIN client of
// the domain.
func (a *Authenticator) SetPasswords(domain string, users map[string]string) {
	var copied map[string]string
	if users != nil {
		copied = maps.Clone(users)
	}
	a.update(func(p *policy) { p.domain(domain).plain = copied })
}

// LoadPasswords reads the PLAIN users of domain from the file at path (see
// ParsePasswords for its format) and sets them as SetPasswords does. The file
// is read once: call LoadPasswords again to pick up changes. On error the
// domain's users are left as they were.
func (a *Authenticator) LoadPasswords(domain, path string) error {
	users, err := ReadPasswordFile(path)
	if err != nil {
		return err
	}
	a.update(func(p *policy) { p.domain(domain).plain = users })
	return nil
}

// SetCurveKeys sets the CURVE client keys allowed in domain (AnyDomain for
// every domain), replacing the domain's earlier CURVE rule (keys, certificates
// or AllowAnyCurve). An accepted client's User-Id is its key in Z85 text, as
// pyzmq's authenticator makes it. No keys refuses every CURVE client of the
// domain.
func (a *Authenticator) SetCurveKeys(domain string, keys ...[32]byte) {
	rule := &curvePolicy{keys: dedupKeys(keys)}
	a.update(func(p *policy) { p.domain(domain).curve = rule })
}

// LoadCurveCerts allows in domain the CURVE client keys of the public
// certificates (files named "*.key", in the ZPL format of CZMQ and pyzmq) in
// directory dir, replacing the domain's earlier CURVE rule as SetCurveKeys
// does. Secret certificates ("*.key_secret") are not read. The directory is
// read once: call LoadCurveCerts again to pick up changes. On error, which
// names the file at fault, the domain's rule is left as it was.
func (a *Authenticator) LoadCurveCerts(domain, dir string) error {
	certs, err := cert.LoadDir(dir)
	if err != nil {
		return fmt.Errorf("auth: load CURVE certificates: %w", err)
	}
	keys := make([][32]byte, 0, len(certs))
	for _, c := range certs {
		if c.HasSecret {
			a.log.Warn("auth: a public certificate file holds a secret key; only its public key is used",
				slog.String("dir", dir), slog.String("key", c.Public.String()))
		}
		keys = append(keys, c.Public)
	}
	if len(keys) == 0 {
		a.log.Warn("auth: no public certificates found; CURVE clients of the domain will be refused",
			slog.String("dir", dir), slog.String("domain", domain))
	}
	a.SetCurveKeys(domain, keys...)
	return nil
}

// AllowAnyCurve accepts every CURVE client of domain (AnyDomain for every
// domain) whatever its key, replacing the domain's earlier CURVE rule. The
// connection is still encrypted, and the User-Id is the client's key in Z85.
func (a *Authenticator) AllowAnyCurve(domain string) {
	rule := &curvePolicy{any: true}
	a.update(func(p *policy) { p.domain(domain).curve = rule })
}

// SetHook installs h to make custom decisions (see Hook); nil removes it.
func (a *Authenticator) SetHook(h Hook) {
	a.update(func(p *policy) { p.hook = h })
}

// dedupKeys returns keys without repeats, in their first order.
func dedupKeys(keys [][32]byte) [][32]byte {
	seen := make(map[[32]byte]struct{}, len(keys))
	out := make([][32]byte, 0, len(keys))
	for _, k := range keys {
		if _, ok := seen[k]; !ok {
			seen[k] = struct{}{}
			out = append(out, k)
		}
	}
	return out
}
