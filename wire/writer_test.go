package wire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteMsgBytes(t *testing.T) {
	var cw countWriter
	w := NewWriter(&cw, 0)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{{}, []byte("Hi")}}))
	require.NoError(t, w.WriteRaw(unhex(t, ping3s)))
	require.NoError(t, w.WriteFrame(FlagCommand, []byte("\x04PONG")))
	require.Equal(t, 0, cw.writes, "nothing written before Flush")
	require.Equal(t, 6+9+7, w.Buffered())
	require.NoError(t, w.Flush())
	require.Equal(t, 1, cw.writes)
	require.Equal(t, unhex(t, "01 00 00 02 48 69"+ping3s+pong), cw.data)
	require.Zero(t, w.Buffered())
	require.NoError(t, w.Flush(), "empty flush")
	require.Equal(t, 1, cw.writes)

	require.Equal(t, ErrEmptyMsg, w.WriteMsg(Msg{}))
}

func TestWriterReferencesLargeBodies(t *testing.T) {
	var cw countWriter
	w := NewWriter(&cw, 0)
	small := []byte("small")
	large := bytes.Repeat([]byte("L"), 8<<10)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{small, large, small}}))
	// Small bodies were copied, the large one is referenced until Flush.
	small[0] = 'S'
	large[0] = 'X'
	require.Equal(t, 2+5+9+8192+2+5, w.Buffered())
	require.NoError(t, w.Flush())
	r := NewReader(bytes.NewReader(cw.data), 0)
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Equal(t, "small", string(m.Frames[0]))
	require.Equal(t, byte('X'), m.Frames[1][0])
	require.Equal(t, large, m.Frames[1])
	require.Equal(t, "small", string(m.Frames[2]))
	require.Equal(t, 3, cw.writes, "net.Buffers over a plain writer: one Write per segment")
}

func TestWriterFlushesWhenFull(t *testing.T) {
	var cw countWriter
	w := NewWriter(&cw, 1024)
	body := make([]byte, 100)
	var want []byte
	for range 100 {
		require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{body}}))
		want = append(want, 0, 100)
		want = append(want, body...)
		require.Less(t, w.Buffered(), 1024)
	}
	require.NoError(t, w.Flush())
	require.Equal(t, want, cw.data)
	require.Equal(t, 10, cw.writes, "ten frames of 102 bytes per 1024-byte buffer")

	// Referenced bodies gather up to refBatch buffer sizes before one vectored write.
	cw = countWriter{}
	w = NewWriter(&cw, 4096)
	for i := 1; i < refBatch*4096/5000; i++ {
		require.NoError(t, w.WriteFrame(0, make([]byte, 5000)))
		require.Zero(t, len(cw.data), "after %d large frames", i)
	}
	require.NoError(t, w.WriteFrame(0, make([]byte, 5000)))
	require.NoError(t, w.WriteFrame(0, make([]byte, 5000)))
	require.Zero(t, w.Buffered())
	require.Equal(t, (refBatch*4096/5000+1)*(9+5000), len(cw.data))

	// WriteRaw of more than the buffer.
	cw = countWriter{}
	w = NewWriter(&cw, 512)
	raw := bytes.Repeat([]byte("r"), 2000)
	require.NoError(t, w.WriteRaw(raw))
	require.NoError(t, w.Flush())
	require.Equal(t, raw, cw.data)
}

func TestWriterStickyError(t *testing.T) {
	boom := errors.New("boom")
	w := NewWriter(errWriter{boom}, 0)
	require.NoError(t, w.WriteMsg(frames("a")))
	require.Equal(t, boom, w.Flush())
	require.Equal(t, boom, w.WriteMsg(frames("b")))
	require.Equal(t, boom, w.WriteRaw([]byte("c")))
	require.Equal(t, boom, w.Flush())

	w = NewWriter(shortWriter{}, 0)
	require.NoError(t, w.WriteMsg(frames("abc")))
	require.Equal(t, io.ErrShortWrite, w.Flush())
}

type shortWriter struct{}

func (shortWriter) Write(b []byte) (int, error) { return len(b) / 2, nil }

func TestWriterTCP(t *testing.T) {
	// Over a real TCP connection large bodies go out with writev.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var msgs []Msg
	for i := range 50 {
		msgs = append(msgs, Msg{Frames: [][]byte{
			[]byte("head"),
			bytes.Repeat([]byte{byte(i)}, 8<<10+i*1000),
			make([]byte, i),
		}})
	}
	done := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		w := NewWriter(c, 0)
		for _, m := range msgs {
			if err := w.WriteMsg(m); err != nil {
				done <- err
				return
			}
		}
		done <- w.Flush()
	}()
	c, err := ln.Accept()
	require.NoError(t, err)
	defer c.Close()
	r := NewReader(c, 0)
	for i, want := range msgs {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil), "msg %d", i)
		require.Equal(t, want.Frames, m.Frames, "msg %d", i)
	}
	require.NoError(t, <-done)
}

func TestWriterAllocs(t *testing.T) {
	w := NewWriter(io.Discard, 0)
	small := Msg{Frames: [][]byte{make([]byte, 64), []byte("x")}}
	large := Msg{Frames: [][]byte{[]byte("k"), make([]byte, 10000)}}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := w.WriteMsg(small); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	allocs = testing.AllocsPerRun(1000, func() {
		if err := w.WriteMsg(large); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "referenced bodies too")
}

func BenchmarkWriterWriteMsg64(b *testing.B) {
	w := NewWriter(io.Discard, 0)
	m := Msg{Frames: [][]byte{make([]byte, 64)}}
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteMsg(m); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

func TestWriterFlushSome(t *testing.T) {
	var sink bytes.Buffer
	w := NewWriter(&sink, 0)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("hello"), []byte("world")}}))
	want := append([]byte(nil), 0x01, 5)
	want = append(want, "hello"...)
	want = append(want, 0x00, 5)
	want = append(want, "world"...)

	// A writer that takes three bytes at a time, as a full socket buffer would.
	var got []byte
	partial := func(b []byte) (int, error) {
		n := min(3, len(b))
		got = append(got, b[:n]...)
		return n, nil
	}
	done, err := w.FlushSome(partial)
	require.NoError(t, err)
	require.False(t, done)
	require.Equal(t, len(want)-3, w.Buffered())
	for !done {
		done, err = w.FlushSome(partial)
		require.NoError(t, err)
	}
	require.Equal(t, want, got)
	require.Zero(t, sink.Len(), "FlushSome never uses the underlying writer")

	// Referenced bodies are left for Flush.
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{make([]byte, 10<<10)}}))
	done, err = w.FlushSome(partial)
	require.NoError(t, err)
	require.False(t, done)
	require.NoError(t, w.Flush())
	require.Equal(t, 10<<10+9, sink.Len())

	// Errors stick.
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("x")}}))
	boom := errors.New("boom")
	_, err = w.FlushSome(func([]byte) (int, error) { return 0, boom })
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, w.Flush(), boom)
}
