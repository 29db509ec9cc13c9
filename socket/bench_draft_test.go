package socket

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkDraftThroughput measures one-way throughput of the draft types beside PUSH →
// PULL in the same run: b.N 64-byte messages, each released by the receiver.
func BenchmarkDraftThroughput(b *testing.B) {
	for _, tr := range []string{"inproc", "tcp"} {
		b.Run(tr+"/push-pull", func(b *testing.B) { benchPushPull(b, tr, 64, true, security{}) })
		b.Run(tr+"/scatter-gather", func(b *testing.B) {
			gather := newSocket(b, Gather, Options{})
			scatter := newSocket(b, Scatter, Options{})
			connect(b, scatter, bind(b, gather, tr))
			benchOneWay(b, func(ctx context.Context, m Msg) error { return scatter.Send(ctx, m) },
				func(ctx context.Context) (Msg, error) { return gather.Recv(ctx) })
		})
		b.Run(tr+"/radio-dish", func(b *testing.B) {
			dish := newSocket(b, Dish, Options{})
			radio := newSocket(b, Radio, Options{WhenFull: PolicyBlock})
			if err := dish.Join("g"); err != nil {
				b.Fatal(err)
			}
			connect(b, radio, bind(b, dish, tr))
			waitJoined(b, radio, "g", 1)
			benchOneWay(b, func(ctx context.Context, m Msg) error { return radio.SendGroup(ctx, "g", m) },
				func(ctx context.Context) (Msg, error) {
					m, _, err := dish.RecvGroup(ctx)
					return m, err
				})
		})
	}
}

// benchOneWay sends b.N messages with send while a goroutine receives them with recv.
func benchOneWay(b *testing.B, send func(context.Context, Msg) error, recv func(context.Context) (Msg, error)) {
	ctx := context.Background()
	done := make(chan error, 1)
	b.SetBytes(64)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			m, err := recv(ctx)
			if err != nil {
				done <- err
				return
			}
			m.Release()
		}
		done <- nil
	}()
	m := Msg{Frames: [][]byte{make([]byte, 64)}}
	for i := 0; i < b.N; i++ {
		if err := send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDraftRoundTrip measures CLIENT → SERVER → CLIENT round trips of 64 bytes
// beside REQ → REP → REQ in the same run.
func BenchmarkDraftRoundTrip(b *testing.B) {
	for _, tr := range []string{"inproc", "tcp"} {
		b.Run(fmt.Sprintf("%s/req-rep", tr), func(b *testing.B) {
			rep := newSocket(b, Rep, Options{})
			req := newSocket(b, Req, Options{})
			connect(b, req, bind(b, rep, tr))
			benchRoundTrip(b, req, func(ctx context.Context) error {
				m, err := rep.Recv(ctx)
				if err == nil {
					err = rep.Send(ctx, m)
				}
				return err
			})
		})
		b.Run(fmt.Sprintf("%s/client-server", tr), func(b *testing.B) {
			server := newSocket(b, Server, Options{})
			client := newSocket(b, Client, Options{})
			connect(b, client, bind(b, server, tr))
			benchRoundTrip(b, client, func(ctx context.Context) error {
				m, id, err := server.RecvFrom(ctx)
				if err == nil {
					err = server.SendTo(ctx, id, m)
				}
				return err
			})
		})
	}
}

// benchRoundTrip sends b.N requests from c and waits for each reply, while a goroutine
// answers with echo.
func benchRoundTrip(b *testing.B, c *Socket, echo func(context.Context) error) {
	ctx := context.Background()
	done := make(chan error, 1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			if err := echo(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	m := Msg{Frames: [][]byte{make([]byte, 64)}}
	for i := 0; i < b.N; i++ {
		if err := c.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
		r, err := c.Recv(ctx)
		if err != nil {
			b.Fatal(err)
		}
		r.Release()
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
