package socket

import (
	"context"
	"testing"

	"github.com/brokerless/zmq/transport/inproc"
	"github.com/brokerless/zmq/wire"
)

// BenchmarkZAPAsk measures one ZAP round trip to a handler in the same process, as a
// server's handshake makes it: "per-request" is what the socket does (a DEALER of its
// own for each request), "shared-dealer" the floor of the alternative, one DEALER per
// socket reused for every request, without the demultiplexing that design would add.
// BenchmarkCurveConnection gives the scale: what one CURVE connection costs anyway.
func BenchmarkZAPAsk(b *testing.B) {
	reg := inproc.NewRegistry()
	startZAP(b, reg, answerAll("200", "u", nil))
	s := newSocket(b, Pull, Options{InprocRegistry: reg, ZAPDomain: "bench"})
	req := func() Msg { return s.zapRequest("127.0.0.1", credsNULL) }
	ctx := context.Background()
	b.Run("per-request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.zapAsk(ctx, req()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shared-dealer", func(b *testing.B) {
		d := newSocket(b, Dealer, Options{InprocRegistry: reg, Linger: -1})
		connect(b, d, ZAPEndpoint)
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Send(ctx, req()); err != nil {
				b.Fatal(err)
			}
			rep, err := d.Recv(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := parseZAPReply(rep.Frames); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCurveConnection measures a new CURVE client connection over tcp, from
// Connect to EventHandshakeSucceeded on the server, without ZAP.
func BenchmarkCurveConnection(b *testing.B) {
	sec := curveSecurity(b)
	srv := sec.server.(*wire.CurveServer).Clone()
	srv.Authenticate = nil
	events := make(chan Event, 1024)
	rep := newSocket(b, Rep, Options{InprocRegistry: inproc.NewRegistry(), Mechanism: srv, Monitor: events})
	ep := bind(b, rep, "tcp")
	b.ReportAllocs()
	for b.Loop() {
		req, err := New(Req, Options{Mechanism: sec.client, Linger: -1})
		if err != nil {
			b.Fatal(err)
		}
		if err := req.Connect(ep); err != nil {
			b.Fatal(err)
		}
		waitEvent(b, events, func(e Event) bool { return e.Type == EventHandshakeSucceeded })
		req.Close()
	}
}
