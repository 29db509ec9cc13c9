package socket

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
)

var benchSizes = []int{64, 1024, 65536}

// BenchmarkPushPull measures one-way throughput: b.N messages from a PUSH to a PULL.
// The receiver either releases every message (Msg.Release, so receive memory is
// recycled) or keeps them, leaving them to the garbage collector.
func BenchmarkPushPull(b *testing.B) {
	for _, tr := range []string{"inproc", "ipc", "tcp", "ws"} {
		for _, size := range benchSizes {
			for _, release := range []bool{true, false} {
				name := fmt.Sprintf("%s/%dB/release", tr, size)
				if !release {
					name = fmt.Sprintf("%s/%dB/keep", tr, size)
				}
				b.Run(name, func(b *testing.B) { benchPushPull(b, tr, size, release, security{}) })
			}
		}
	}
	// CURVE over tcp: every frame sealed and opened.
	sec := curveSecurity(b)
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("tcp-curve/%dB/release", size), func(b *testing.B) { benchPushPull(b, "tcp", size, true, sec) })
	}
}

// benchPushPull sends b.N messages of size bytes over tr, with sec's mechanisms if set.
func benchPushPull(b *testing.B, tr string, size int, release bool, sec security) {
	pull := newSocket(b, Pull, Options{Mechanism: sec.server})
	ep := bind(b, pull, tr)
	push := newSocket(b, Push, Options{Mechanism: sec.client})
	connect(b, push, ep)
	body := make([]byte, size)
	ctx := context.Background()
	done := make(chan error, 1)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for i := 0; i < b.N; i++ {
			m, err := pull.Recv(ctx)
			if err != nil {
				done <- err
				return
			}
			if release {
				m.Release()
			}
		}
		done <- nil
	}()
	m := Msg{Frames: [][]byte{body}}
	for i := 0; i < b.N; i++ {
		if err := push.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReqRep measures round trips: one op is a request and its reply, which the
// REQ releases.
func BenchmarkReqRep(b *testing.B) {
	for _, tr := range []string{"inproc", "ipc", "tcp", "ws"} {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%dB", tr, size), func(b *testing.B) {
				rep := newSocket(b, Rep, Options{})
				ep := bind(b, rep, tr)
				req := newSocket(b, Req, Options{})
				connect(b, req, ep)
				body := make([]byte, size)
				ctx := context.Background()
				done := make(chan error, 1)
				go func() {
					for {
						m, err := rep.Recv(ctx)
						if err != nil {
							done <- nil
							return
						}
						if err := rep.Send(ctx, m); err != nil {
							done <- err
							return
						}
					}
				}()
				request := Msg{Frames: [][]byte{body}} // sent unmodified, so reusable
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := req.Send(ctx, request); err != nil {
						b.Fatal(err)
					}
					reply, err := req.Recv(ctx)
					if err != nil {
						b.Fatal(err)
					}
					reply.Release()
				}
				b.StopTimer()
				rep.Close()
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// BenchmarkFloorTCPPingPong is the floor for BenchmarkReqRep over tcp: a raw TCP
// ping-pong of 64-byte records between two goroutines, no ZeroMQ at all.
func BenchmarkFloorTCPPingPong(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	c.Close()
	<-done
}

// BenchmarkPubFanOut measures one PUB feeding eight SUBs over tcp: one op is one
// message published and received by every subscriber, which releases it. The PUB
// blocks rather than drops (WhenFull: PolicyBlock), so every message is counted.
func BenchmarkPubFanOut(b *testing.B) {
	const subs = 8
	pub := newSocket(b, Pub, Options{WhenFull: PolicyBlock})
	ep := bind(b, pub, "tcp")
	ctx := context.Background()
	var readers []*Socket
	for i := 0; i < subs; i++ {
		sub := newSocket(b, Sub, Options{})
		connect(b, sub, ep)
		if err := sub.Subscribe(nil); err != nil {
			b.Fatal(err)
		}
		publishUntil(b, pub, sub, "warmup")
		readers = append(readers, sub)
	}
	for _, sub := range readers {
		drain(sub)
	}
	body := make([]byte, 64)
	errs := make(chan error, subs)
	b.SetBytes(64)
	b.ReportAllocs()
	b.ResetTimer()
	for _, sub := range readers {
		go func() {
			for i := 0; i < b.N; i++ {
				m, err := sub.Recv(ctx)
				if err != nil {
					errs <- err
					return
				}
				m.Release()
			}
			errs <- nil
		}()
	}
	m := Msg{Frames: [][]byte{body}} // sent unmodified, so reusable
	for i := 0; i < b.N; i++ {
		if err := pub.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	for range readers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}
