package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/brokerless/zmq/socket"
)

// serve answers requests until ctx ends or the socket closes.
func (a *Authenticator) serve(ctx context.Context) {
	defer close(a.done)
	for {
		m, err := a.sock.Recv(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, socket.ErrClosed) {
				a.log.Error("auth: ZAP handler stopped", slog.Any("error", err))
			}
			return
		}
		a.handle(ctx, m.Frames)
	}
}

// handle answers one request: frames are the ROUTER's view of it, the address
// envelope (the requester's routing id, any intermediaries' ids, an empty
// delimiter) and then the ZAP body.
func (a *Authenticator) handle(ctx context.Context, frames [][]byte) {
	delim := -1
	for i, f := range frames {
		if len(f) == 0 {
			delim = i
			break
		}
	}
	if delim < 0 {
		// Without a delimiter there is no envelope to send a reply back along.
		a.log.Warn("auth: dropped a ZAP request without an address delimiter", slog.Int("frames", len(frames)))
		return
	}
	envelope, body := frames[:delim+1], frames[delim+1:]
	if len(body) < 2 {
		// Without a request id no reply can be matched to the request.
		a.log.Warn("auth: dropped a ZAP request without a request id", slog.Int("frames", len(body)))
		return
	}
	id := body[1]
	req, err := parseRequest(body)
	var d Decision
	if err != nil {
		// The request comes from a server socket, not from the client, so a
		// malformed one is the server's failure: an internal error, as CZMQ's zauth
		// answers it (pyzmq answers 400).
		d = Decision{Status: StatusInternal, Text: "malformed request: " + err.Error()}
		a.log.Warn("auth: malformed ZAP request", slog.String("reason", err.Error()))
	} else {
		var hooked bool
		d, hooked = a.decide(req)
		a.logDecision(ctx, req, d, hooked)
	}
	a.reply(ctx, envelope, id, d)
}

// decide applies the policy and the hook to req, on one snapshot of the
// configuration. hooked reports whether the hook changed the policy's status,
// text or user id.
func (a *Authenticator) decide(req *Request) (d Decision, hooked bool) {
	p := a.snapshot()
	d = p.decide(req)
	if p.hook != nil {
		policy := d
		d = a.runHook(p.hook, req, d)
		hooked = d.Status != policy.Status || d.Text != policy.Text || d.UserID != policy.UserID
	}
	if d.Status != StatusOK {
		d.UserID, d.Metadata = "", nil
	}
	return d, hooked
}

// runHook calls h, turning a panic or an invalid decision into StatusInternal.
func (a *Authenticator) runHook(h Hook, req *Request, policy Decision) (d Decision) {
	defer func() {
		if v := recover(); v != nil {
			a.log.Error("auth: hook panicked", slog.Any("request", *req), slog.String("panic", fmt.Sprint(v)))
			d = Decision{Status: StatusInternal, Text: "hook failed"}
		}
	}()
	d = h(req, policy)
	switch {
	case d.Status != StatusOK && d.Status != StatusTemporary && d.Status != StatusRefused && d.Status != StatusInternal:
		a.log.Error("auth: hook returned an invalid status", slog.Int("status", d.Status))
		return Decision{Status: StatusInternal, Text: "hook returned an invalid status"}
	case len(d.Text) > maxField || len(d.UserID) > maxField:
		a.log.Error("auth: hook returned a status text or user id longer than 255 bytes")
		return Decision{Status: StatusInternal, Text: "hook returned an oversized field"}
	}
	if d.Status == StatusOK {
		if err := checkMetadata(d.Metadata); err != nil {
			a.log.Error("auth: hook returned invalid metadata", slog.String("reason", err.Error()))
			return Decision{Status: StatusInternal, Text: "hook returned invalid metadata"}
		}
	}
	return d
}

// reply sends the 7-frame ZAP reply (after the envelope): version, request id,
// status code, status text, user id and metadata (empty unless a hook set it).
func (a *Authenticator) reply(ctx context.Context, envelope [][]byte, id []byte, d Decision) {
	frames := make([][]byte, 0, len(envelope)+6)
	for _, f := range envelope {
		frames = append(frames, append([]byte(nil), f...))
	}
	frames = append(frames,
		[]byte("1.0"),
		append([]byte(nil), id...),
		statusCode(d.Status),
		[]byte(d.Text),
		[]byte(d.UserID),
		d.Metadata.Append([]byte{}),
	)
	// A ROUTER drops what it cannot route, so Send does not wait for a peer.
	if err := a.sock.Send(ctx, socket.NewMsg(frames...)); err != nil && ctx.Err() == nil && !errors.Is(err, socket.ErrClosed) {
		a.log.Error("auth: sending a ZAP reply failed", slog.Any("error", err))
	}
}

// logDecision writes one record for a decision: the request (never its
// password), the status, and whether the hook changed the policy's decision.
func (a *Authenticator) logDecision(ctx context.Context, req *Request, d Decision, hooked bool) {
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs,
		slog.String("domain", req.Domain),
		slog.String("address", req.Address),
		slog.String("mechanism", req.Mechanism),
	)
	switch req.Mechanism {
	case MechanismPlain:
		attrs = append(attrs, slog.String("user", req.Username))
	case MechanismCurve:
		attrs = append(attrs, slog.String("key", req.ClientKeyZ85()))
	}
	attrs = append(attrs, slog.Int("status", d.Status), slog.String("text", d.Text))
	if d.Status == StatusOK {
		attrs = append(attrs, slog.String("user_id", d.UserID))
	}
	if hooked {
		attrs = append(attrs, slog.Bool("by_hook", true))
	}
	level := slog.LevelInfo
	if d.Status == StatusInternal {
		level = slog.LevelWarn
	}
	msg := "auth: ZAP refused"
	if d.Status == StatusOK {
		msg = "auth: ZAP accepted"
	}
	a.log.LogAttrs(ctx, level, msg, attrs...)
}
