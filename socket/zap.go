package socket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/brokerless/zmq/wire"
)

// ZAPEndpoint is where a socket sends its ZAP requests (RFC 27): to the handler
// bound at this name in the socket's inproc registry (Options.InprocRegistry), a REP
// or ROUTER socket that answers each request with a reply. Package auth serves it;
// any socket bound there will do.
const ZAPEndpoint = "inproc://" + zapName

const zapName = "zeromq.zap.01"

// zapVersion and zapRequestID are the version and request id frames of every ZAP
// request, as libzmq 4.3 sends them: each connection has its own channel to the
// handler and at most one request in flight, so the id is always "1".
const (
	zapVersion   = "1.0"
	zapRequestID = "1"
)

// zapMechanism returns the mechanism for one new tcp or ipc connection, with the
// socket's ZAP client as its authenticator where libzmq 4.3.4 would ask the ZAP
// handler:
//
//   - NULL asks only when the socket has a ZAPDomain; without a handler it accepts,
//     or fails the handshake if ZAPEnforceDomain is set.
//   - a PLAIN server always asks; without a handler the handshake fails.
//   - a CURVE server asks when a handler is bound, unless ZAPEnforceDomain is set
//     with an empty ZAPDomain; with ZAPEnforceDomain and a ZAPDomain it fails
//     without a handler.
//
// A server mechanism whose Authenticate the user set keeps it: ZAP is not asked.
// addr is the peer's address for the request; deadline ends the wait for a reply.
func (s *Socket) zapMechanism(addr string, deadline time.Time) wire.Mechanism {
	domain, enforce := s.opts.ZAPDomain, s.opts.ZAPEnforceDomain
	switch m := s.opts.Mechanism.(type) {
	case wire.Null, *wire.Null:
		if domain == "" {
			return m // the fast path: no ZAP, nothing allocated
		}
		return &wire.NullServer{Authenticate: s.zapAuthenticator(addr, deadline, enforce)}
	case *wire.NullServer:
		c := m.Clone()
		if c.Authenticate == nil && domain != "" {
			c.Authenticate = s.zapAuthenticator(addr, deadline, enforce)
		}
		return c
	case *wire.PlainServer:
		c := m.Clone()
		if c.Authenticate == nil {
			c.Authenticate = s.zapAuthenticator(addr, deadline, true)
		}
		return c
	case *wire.CurveServer:
		c := m.Clone()
		if c.Authenticate == nil && (domain != "" || !enforce) {
			c.Authenticate = s.zapAuthenticator(addr, deadline, enforce)
		}
		return c
	}
	return connMechanism(s.opts.Mechanism)
}

// zapAuthenticator returns an authenticator that asks the ZAP handler about one
// connection's peer. Without a handler it fails with ErrNoZAPHandler when required,
// and accepts otherwise.
func (s *Socket) zapAuthenticator(addr string, deadline time.Time, required bool) wire.Authenticator {
	return func(c wire.Credentials) (wire.AuthReply, error) {
		if !s.reg.Bound(zapName) {
			if required {
				return wire.AuthReply{}, ErrNoZAPHandler
			}
			return wire.AuthReply{}, nil
		}
		ctx := s.ctx
		if !deadline.IsZero() {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
		reply, err := s.zapAsk(ctx, s.zapRequest(addr, c))
		if err != nil && ctx.Err() != nil {
			if s.ctx.Err() != nil {
				return wire.AuthReply{}, ErrClosed
			}
			return wire.AuthReply{}, fmt.Errorf("%w: %w", ErrZAPNoReply, ctx.Err())
		}
		return reply, err
	}
}

// zapRequest builds the request frames libzmq sends: an empty delimiter, version,
// request id, domain, the peer's address, our routing id, the mechanism and its
// credentials (PLAIN: username and password; CURVE: the client's public key; NULL:
// none).
func (s *Socket) zapRequest(addr string, c wire.Credentials) Msg {
	frames := make([][]byte, 0, 9)
	frames = append(frames, []byte{}, []byte(zapVersion), []byte(zapRequestID),
		[]byte(s.opts.ZAPDomain), []byte(addr), append([]byte{}, s.opts.RoutingID...), []byte(c.Mechanism))
	switch c.Mechanism {
	case "PLAIN":
		frames = append(frames, append([]byte{}, c.Username...), append([]byte{}, c.Password...))
	case "CURVE":
		frames = append(frames, append([]byte{}, c.PublicKey...))
	}
	return Msg{Frames: frames}
}

// zapAsk sends req to the handler and waits for its reply until ctx ends. Each
// request has its own DEALER, as each libzmq session has its own pipe to the
// handler: concurrent handshakes wait independently, a reply can only reach the
// request it answers, and a late reply to a request given up on finds its DEALER
// closed and is dropped. The DEALER is an inproc pipe with no goroutine of its own.
func (s *Socket) zapAsk(ctx context.Context, req Msg) (wire.AuthReply, error) {
	d, err := New(Dealer, Options{InprocRegistry: s.reg, Linger: -1})
	if err != nil {
		return wire.AuthReply{}, err
	}
	defer d.Close()
	if err := d.Connect(ZAPEndpoint); err != nil {
		return wire.AuthReply{}, err
	}
	if err := d.Send(ctx, req); err != nil {
		return wire.AuthReply{}, err
	}
	rep, err := d.Recv(ctx)
	if err != nil {
		return wire.AuthReply{}, err
	}
	return parseZAPReply(rep.Frames)
}

// parseZAPReply checks a reply as libzmq does (the empty delimiter and six ZAP
// frames: version, request id, status code, status text, user id, metadata) and
// turns it into the authenticator's answer: status 200 accepts, 300, 400 and 500
// refuse with a *wire.AuthError. A malformed reply is a *wire.ProtocolError with
// libzmq's ZAP code, wrapping ErrZAPReply.
func parseZAPReply(f [][]byte) (wire.AuthReply, error) {
	bad := func(code uint32, format string, args ...any) (wire.AuthReply, error) {
		return wire.AuthReply{}, &wire.ProtocolError{Code: code, Err: ErrZAPReply, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(f) != 7:
		return bad(wire.CodeZAPMalformedReply, "%d frames, want 7", len(f))
	case len(f[0]) != 0:
		return bad(wire.CodeZAPUnspecified, "no empty delimiter frame")
	case string(f[1]) != zapVersion:
		return bad(wire.CodeZAPBadVersion, "version %.8q, want %q", f[1], zapVersion)
	case string(f[2]) != zapRequestID:
		return bad(wire.CodeZAPBadRequestID, "request id %.8q, want %q", f[2], zapRequestID)
	}
	status := string(f[3])
	switch status {
	case "200", "300", "400", "500":
	default:
		return bad(wire.CodeZAPInvalidStatusCode, "status code %.8q", f[3])
	}
	md, err := wire.ParseMetadata(f[6])
	if err != nil {
		return bad(wire.CodeZAPInvalidMetadata, "metadata: %v", err)
	}
	if status != "200" {
		return wire.AuthReply{}, &wire.AuthError{Status: status, Text: string(f[4])}
	}
	return wire.AuthReply{UserID: string(f[5]), Metadata: md}, nil
}

// zapStatus returns the numeric ZAP status code of a status or ERROR reason, 0 if it
// is none (libzmq reports 300, 400 and 500 in HANDSHAKE_FAILED_AUTH).
func zapStatus(s string) uint32 {
	if len(s) != 3 || s[1] != '0' || s[2] != '0' || s[0] < '3' || s[0] > '5' {
		return 0
	}
	return uint32(s[0]-'0') * 100
}

// authStatus reports whether err is a refusal, and its status code: from our authenticator's
// *wire.AuthError or the peer's *wire.PeerError.
func authStatus(err error) (uint32, bool) {
	var ae *wire.AuthError
	if errors.As(err, &ae) {
		return zapStatus(ae.Status), true
	}
	var pe *wire.PeerError
	if errors.As(err, &pe) {
		return zapStatus(pe.Reason), true
	}
	return 0, errors.Is(err, wire.ErrAuthRefused)
}
