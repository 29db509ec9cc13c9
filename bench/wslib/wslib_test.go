package wslib

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
)

const msgSize = 64

// serve starts an HTTP server on loopback whose handler h runs for each upgrade, and
// returns its ws:// URL and a function that stops it and waits for its goroutines.
func serve(tb testing.TB, h http.HandlerFunc) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		h(w, r)
	})}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	return "ws://" + ln.Addr().String() + "/", func() { srv.Close(); <-done; wg.Wait() }
}

// BenchmarkGobwas sends b.N 64-byte binary messages from a server to a masked-frame
// client, using gobwas/ws's frame-level API: headers and payloads go through buffered
// writers and readers, one flush per batch of queued frames, the way an engine writes.
func BenchmarkGobwas(b *testing.B) {
	n := b.N
	url, stop := serve(b, func(w http.ResponseWriter, r *http.Request) {
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		bw := bufio.NewWriterSize(conn, 64<<10)
		payload := make([]byte, msgSize)
		h := ws.Header{Fin: true, OpCode: ws.OpBinary, Length: msgSize}
		for range n {
			if err := ws.WriteHeader(bw, h); err != nil {
				return
			}
			bw.Write(payload)
		}
		bw.Flush()
		io.Copy(io.Discard, conn) // until the client closes
	})
	defer stop()
	conn, br, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	rd := bufio.NewReaderSize(r, 64<<10)
	buf := make([]byte, msgSize)
	b.SetBytes(msgSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range n {
		h, err := ws.ReadHeader(rd)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(rd, buf[:h.Length]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCoder sends b.N 64-byte binary messages from a server to a client with
// coder/websocket's message-level API, Write and Reader, each taking a context.
func BenchmarkCoder(b *testing.B) {
	n := b.N
	url, stop := serve(b, func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		payload := make([]byte, msgSize)
		for range n {
			if err := c.Write(ctx, websocket.MessageBinary, payload); err != nil {
				return
			}
		}
		c.Reader(ctx) // until the client closes
	})
	defer stop()
	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	buf := make([]byte, msgSize)
	b.SetBytes(msgSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range n {
		_, r, err := c.Reader(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}
