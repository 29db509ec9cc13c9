// Package auth is a ZAP handler (RFC 27, the ZeroMQ Authentication Protocol)
// that applications start instead of writing a ZAP loop, like pyzmq's zmq.auth
// and CZMQ's zauth. It decides which clients a server socket lets in, by peer
// address, PLAIN user name and password, or CURVE public key, per ZAP domain,
// and logs every decision with log/slog.
//
//	a, err := auth.Start(auth.Options{})
//	if err != nil {
//		return err
//	}
//	defer a.Close()
//	a.Allow("127.0.0.1", "10.0.0.0/8")
//	a.SetPasswords(auth.AnyDomain, map[string]string{"admin": "secret"})
//	if err := a.LoadCurveCerts(auth.AnyDomain, "/etc/myapp/clients"); err != nil {
//		return err
//	}
//
// # How servers reach it
//
// The authenticator binds a ROUTER socket at "inproc://zeromq.zap.01" in an
// inproc registry (Options.Registry; inproc.Default unless the application
// gives its sockets their own with socket.Options.InprocRegistry). Server
// sockets of the same registry send it a request for each client handshake, and
// wait for the reply before the handshake completes. One authenticator serves
// a registry; Start fails with ErrHandlerBound if another is bound there.
//
// Following libzmq 4.3.4, a server socket (one whose mechanism has no
// Authenticate function of its own, which would take the handler's place)
// makes a ZAP request for each tcp or ipc client:
//
//   - NULL: only if the socket has a ZAP domain (socket.Options.ZAPDomain);
//     without one, every NULL client is let in without asking.
//   - PLAIN: always. With no handler bound, every PLAIN client is refused, so a
//     PLAIN server needs an authenticator (or another ZAP handler).
//   - CURVE: when a handler is bound; without one, any client that knows the
//     server's public key is let in, unless the socket enforces its domain
//     (socket.Options.ZAPEnforceDomain with a ZAPDomain), which then fails the
//     handshake.
//
// Inproc connections never ask.
//
// The request carries the socket's ZAP domain (empty if it has none), the
// client's IP address, the mechanism and the credentials: none for NULL, the
// user name and password for PLAIN, the client's permanent public key for
// CURVE.
//
// # What it decides
//
// For each request, in order:
//
//  1. An address on the deny list (Deny) is refused with status 400.
//  2. Once the allow list (Allow) has an entry, an address not on it is
//     refused with status 400.
//  3. NULL is accepted, with User-Id "anonymous" (AnonymousUserID) as pyzmq
//     gives it. PLAIN is accepted if the user name and password match
//     the users of the domain (SetPasswords, LoadPasswords), compared in
//     constant time; the User-Id is the user name. CURVE is accepted if the
//     domain allows any key (AllowAnyCurve) or lists the client's key
//     (SetCurveKeys, LoadCurveCerts); the User-Id is the key in Z85 text, as
//     pyzmq makes it. A mechanism with no users or keys in the domain, and any
//     other mechanism, is refused with status 400.
//  4. The hook (SetHook), if set, gets the request and that decision, and
//     returns the one to reply.
//
// The configuration of a domain applies to requests of that domain; AnyDomain
// ("*") applies to every domain that has none of its own for the mechanism at
// hand (so a domain with its own PLAIN users but no CURVE rule uses the CURVE
// rule of "*"). A server without a ZAP domain sends an empty domain, which
// therefore uses the rules of "*". The address lists apply to every domain.
//
// Until configured, an authenticator accepts NULL clients and refuses PLAIN and
// CURVE ones, as pyzmq's does. Configuration may change at any time, also while
// requests are served; each request is decided on one snapshot.
//
// # Replies
//
// Every reply has RFC 27's seven frames: the version "1.0", the request id,
// the status code, a status text, the User-Id (for 200 only), and metadata,
// empty unless a hook sets Decision.Metadata. Status 200 accepts; the server
// refuses on 400 and 500 with an ERROR command, and closes without one on 300,
// which only a hook returns.
//
// A request that cannot be parsed (a version other than "1.0", fewer than six
// frames, the wrong number of credential frames for NULL, PLAIN or CURVE, a
// CURVE key that is not 32 bytes, a field over 255 bytes) is answered with
// status 500, as CZMQ's zauth answers it (pyzmq answers 400): the request is
// built by the server socket, not the client, so it is the server's failure. A
// request without an address delimiter or a request id cannot be answered and
// is dropped. Either way the authenticator logs a warning and serves on.
//
// # Logging
//
// Each decision is one record on Options.Logger: domain, address, mechanism,
// the PLAIN user name or the CURVE key in Z85, the status and its text, for
// an accepted client the User-Id, and by_hook=true where the hook changed the
// policy's decision. Passwords are never logged, nor printed by
// Request's String, GoString and LogValue.
package auth
