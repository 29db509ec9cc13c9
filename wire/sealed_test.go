package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/internal/raceflag"
)

// sealedPair returns the client's and the server's codecs of one CURVE handshake.
func sealedPair(t testing.TB) (client, server FrameCodec) {
	s := runCurveSteps(t, nil)
	return newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce),
		newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
}

func TestSealedReaderWriter(t *testing.T) {
	cc, sc := sealedPair(t)
	var stream bytes.Buffer
	w := NewWriter(&stream, 4096)
	w.SetCodec(cc)
	big := bytes.Repeat([]byte("x"), 300<<10) // larger than the buffer and than ownBufMin
	mid := bytes.Repeat([]byte("m"), 5000)
	msgs := []Msg{
		{Frames: [][]byte{[]byte("hello")}},
		{Frames: [][]byte{{}, []byte("a"), mid, big}},
		{Frames: [][]byte{[]byte("last")}},
	}
	require.NoError(t, w.WriteMsg(msgs[0]))
	require.NoError(t, w.WriteRaw(nil))
	require.NoError(t, w.WriteFrame(FlagCommand, AppendPing(nil, 7, []byte("ctx"))[2:]))
	require.NoError(t, w.WriteMsg(msgs[1]))
	require.NoError(t, w.WriteMsg(msgs[2]))
	require.NoError(t, w.Flush())

	// Nothing travels in clear.
	require.False(t, bytes.Contains(stream.Bytes(), []byte("hello")))
	require.False(t, bytes.Contains(stream.Bytes(), []byte("PING")))

	r := NewReader(&stream, 4096)
	r.SetCodec(sc)
	r.SetMaxFrame(int64(len(big))) // the limit is on the opened body
	require.False(t, r.MsgBuffered())
	var pings int
	onCmd := func(c Command) error {
		require.True(t, c.Is(CmdPing))
		ttl, ctx, err := ParsePing(c.Data)
		require.NoError(t, err)
		require.Equal(t, uint16(7), ttl)
		require.Equal(t, []byte("ctx"), ctx)
		pings++
		return nil
	}
	for _, want := range msgs {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, onCmd))
		require.Equal(t, want.Frames, m.Frames)
		m.Release()
	}
	require.Equal(t, 1, pings)
}

func TestSealedReaderLimitAndTampering(t *testing.T) {
	cc, sc := sealedPair(t)
	var stream bytes.Buffer
	w := NewWriter(&stream, 0)
	w.SetCodec(cc)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{make([]byte, 101)}}))
	require.NoError(t, w.Flush())
	r := NewReader(bytes.NewReader(stream.Bytes()), 0)
	r.SetCodec(sc)
	r.SetMaxFrame(100)
	var m Msg
	err := r.ReadMsg(&m, nil)
	require.ErrorIs(t, err, ErrFrameTooLarge)

	cc, sc = sealedPair(t)
	stream.Reset()
	w = NewWriter(&stream, 0)
	w.SetCodec(cc)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("secret")}}))
	require.NoError(t, w.Flush())
	b := stream.Bytes()
	b[len(b)-1] ^= 1
	r = NewReader(bytes.NewReader(b), 0)
	r.SetCodec(sc)
	err = r.ReadMsg(&m, nil)
	require.ErrorIs(t, err, ErrCrypto)
	var pe *ProtocolError
	require.True(t, errors.As(err, &pe))
}

func TestSealedNoAllocs(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random, and the Writer's buffer comes from one; make test runs this without it")
	}
	if poisonEnabled {
		t.Skip("the zmqpoison bookkeeping allocates for every released frame and makes the collector empty the pools; make test runs this without the tag")
	}
	cc, sc := sealedPair(t)
	pr := &loopback{}
	w := NewWriter(pr, 0)
	w.SetCodec(cc)
	r := NewReader(pr, 0)
	r.SetCodec(sc)
	msg := Msg{Frames: [][]byte{[]byte("topic"), make([]byte, 200)}}
	allocs := avgAllocs(2000, func() {
		if err := w.WriteMsg(msg); err != nil {
			panic(err)
		}
		if err := w.Flush(); err != nil {
			panic(err)
		}
		var m Msg
		if err := r.ReadMsg(&m, nil); err != nil {
			panic(err)
		}
		m.Release()
	})
	require.Less(t, allocs, 0.05)
}

// loopback is a byte pipe for one goroutine: what is written is read back.
type loopback struct{ b []byte }

func (l *loopback) Write(p []byte) (int, error) { l.b = append(l.b, p...); return len(p), nil }

func (l *loopback) Read(p []byte) (int, error) {
	n := copy(p, l.b)
	l.b = l.b[:copy(l.b, l.b[n:])]
	return n, nil
}

// FuzzSealedReader feeds a Reader with a codec arbitrary bytes, seeded with a real
// sealed stream: it must not panic, and must not return a message that was not sealed
// with the key.
func FuzzSealedReader(f *testing.F) {
	s := runCurveSteps(f, nil)
	mkCodecs := func() (FrameCodec, FrameCodec) {
		return newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce),
			newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
	}
	cc, _ := mkCodecs()
	var seed bytes.Buffer
	w := NewWriter(&seed, 0)
	w.SetCodec(cc)
	real := Msg{Frames: [][]byte{[]byte("a"), make([]byte, 5000)}}
	if err := w.WriteFrame(FlagCommand, AppendPing(nil, 1, nil)[2:]); err != nil {
		f.Fatal(err)
	}
	if err := w.WriteMsg(real); err != nil {
		f.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add(seed.Bytes()[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		_, sc := mkCodecs()
		r := NewReader(bytes.NewReader(data), 4096)
		r.SetCodec(sc)
		r.SetMaxFrame(8000)
		var m Msg
		if err := r.ReadMsg(&m, func(Command) error { return nil }); err == nil {
			// Only the genuine message opens (the outer flags are not trusted, so a
			// stream that differs there may still carry it).
			if len(m.Frames) != 2 || !bytes.Equal(m.Frames[0], real.Frames[0]) || !bytes.Equal(m.Frames[1], real.Frames[1]) {
				t.Fatalf("a forged message opened: %q", m.Frames)
			}
			m.Release()
		}
	})
}

// TestSealedClearHeartbeats checks SetClearHeartbeats: a PING and a PONG in clear
// between sealed frames reach onCommand, while any other clear frame, or a clear PING
// without the setting, fails to open.
func TestSealedClearHeartbeats(t *testing.T) {
	cc, sc := sealedPair(t)
	var stream bytes.Buffer
	w := NewWriter(&stream, 4096)
	w.SetCodec(cc)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("a"), []byte("b")}}))
	require.NoError(t, w.Flush())
	sealedMsg := bytes.Clone(stream.Bytes())
	stream.Reset()
	// A PING in clear in the middle of a sealed two-frame message, then a PONG.
	for i := 0; i < len(sealedMsg); {
		_, size, n, err := ConsumeFrameHeader(sealedMsg[i:])
		require.NoError(t, err)
		stream.Write(sealedMsg[i : i+n+int(size)])
		if i == 0 {
			stream.Write(AppendPing(nil, 0, []byte("c")))
		}
		i += n + int(size)
	}
	stream.Write(AppendPong(nil, nil))

	r := NewReader(bytes.NewReader(stream.Bytes()), 4096)
	r.SetCodec(sc)
	r.SetClearHeartbeats(true)
	var cmds []string
	onCmd := func(c Command) error { cmds = append(cmds, string(c.Name)+":"+string(c.Data)); return nil }
	var m Msg
	require.NoError(t, r.ReadMsg(&m, onCmd))
	require.Equal(t, [][]byte{[]byte("a"), []byte("b")}, m.Frames)
	require.ErrorIs(t, r.ReadMsg(&m, onCmd), io.EOF)
	require.Equal(t, []string{"PING:\x00\x00c", "PONG:"}, cmds)

	// Without the setting a clear PING is a frame that does not open.
	_, sc = sealedPair(t)
	r = NewReader(bytes.NewReader(AppendPing(nil, 0, nil)), 4096)
	r.SetCodec(sc)
	require.Error(t, r.ReadMsg(&m, nil))
	// With it, a clear data frame still does not.
	r = NewReader(bytes.NewReader(append(AppendFrameHeader(nil, 0, 1), 'x')), 4096)
	r.SetCodec(sc)
	r.SetClearHeartbeats(true)
	require.Error(t, r.ReadMsg(&m, nil))
}

func TestSealedReadBufferedMsg(t *testing.T) {
	cc, sc := sealedPair(t)
	var stream bytes.Buffer
	w := NewWriter(&stream, 0)
	w.SetCodec(cc)
	mid := bytes.Repeat([]byte("m"), 5000) // over ownBufMin: a buffer of its own
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("one")}}))
	require.NoError(t, w.WriteFrame(FlagMore, []byte("a")))
	require.NoError(t, w.WriteFrame(FlagCommand, AppendPing(nil, 7, nil)[2:]))
	require.NoError(t, w.WriteFrame(FlagMore, nil))
	require.NoError(t, w.WriteFrame(0, mid))
	for i := range 300 {
		require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{{byte(i)}, []byte("tail")}}))
	}
	require.NoError(t, w.Flush())
	want := [][][]byte{{[]byte("one")}, {[]byte("a"), {}, mid}}
	for i := range 300 {
		want = append(want, [][]byte{{byte(i)}, []byte("tail")})
	}

	// Fed one byte at a time, every message comes out of ReadBufferedMsg as soon as
	// its last frame is in; a message begun earlier goes on where it stopped.
	pr := &trickleReader{data: stream.Bytes()}
	r := NewReader(pr, 0)
	r.SetCodec(sc)
	pings := 0
	onCmd := func(c Command) error { pings++; return nil }
	var got [][][]byte
	partial := 0
	for i := 1; i <= len(pr.data); i++ {
		pr.limit = i
		require.NoError(t, r.fill(r.Buffered()+1))
		for {
			var m Msg
			ok, err := r.ReadBufferedMsg(&m, onCmd)
			require.NoError(t, err)
			if !ok {
				if len(r.frames) > 0 {
					partial++
				}
				break
			}
			got = append(got, m.Frames)
		}
	}
	require.Zero(t, r.Buffered())
	require.Equal(t, want, got)
	require.Equal(t, 1, pings)
	require.Positive(t, partial, "some calls stopped inside a message")

	// A message that ReadBufferedMsg began is finished by ReadMsg, which waits.
	cc, sc = sealedPair(t)
	stream.Reset()
	w = NewWriter(&stream, 0)
	w.SetCodec(cc)
	require.NoError(t, w.WriteMsg(Msg{Frames: [][]byte{[]byte("x"), []byte("y")}}))
	require.NoError(t, w.Flush())
	whole := stream.Bytes()
	first := len(whole)/2 + 1 // the first of two frames as long as each other, and a byte
	pr = &trickleReader{data: whole, limit: first}
	r = NewReader(pr, 0)
	r.SetCodec(sc)
	require.NoError(t, r.fill(first))
	var m Msg
	ok, err := r.ReadBufferedMsg(&m, nil)
	require.NoError(t, err)
	require.False(t, ok)
	require.Len(t, r.frames, 1, "the first frame is opened and kept")
	pr.limit = len(whole)
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Equal(t, [][]byte{[]byte("x"), []byte("y")}, m.Frames)
}

func TestSealedShortFramesWholeInBuffer(t *testing.T) {
	// What openShortMsg takes (short single-frame messages, commands between them)
	// mixed with what it leaves to the general loop (long frames, multipart messages
	// whose first frame it opens), enough of them to cross several slabs. Read with
	// everything buffered, by ReadBufferedMsg and by ReadMsg.
	for _, buffered := range []bool{true, false} {
		stream, want, sc := sealedShortMix(t)
		r := NewReader(bytes.NewReader(stream), 0)
		r.SetCodec(sc)
		pings := 0
		onCmd := func(c Command) error {
			require.Equal(t, "PING", string(c.Name))
			pings++
			return nil
		}
		var msgs []Msg
		for len(msgs) < len(want) {
			var m Msg
			if buffered {
				ok, err := r.ReadBufferedMsg(&m, onCmd)
				require.NoError(t, err)
				if !ok {
					require.NoError(t, r.fill(r.Buffered()+1))
					continue
				}
			} else {
				require.NoError(t, r.ReadMsg(&m, onCmd))
			}
			msgs = append(msgs, m) // held to the end: no body may overwrite another
		}
		require.Zero(t, r.Buffered())
		for i := range want {
			require.Equal(t, len(want[i]), len(msgs[i].Frames), "message %d", i)
			for j := range want[i] {
				require.True(t, bytes.Equal(want[i][j], msgs[i].Frames[j]), "message %d frame %d", i, j)
			}
		}
		for i := range msgs {
			msgs[i].Release()
		}
		require.Equal(t, 40, pings)
	}
}

// sealedShortMix seals 2000 messages, most of them short single frames, with 40
// PINGs among them, and returns the stream, the messages and the codec that opens it.
func sealedShortMix(t *testing.T) ([]byte, [][][]byte, FrameCodec) {
	cc, sc := sealedPair(t)
	var stream bytes.Buffer
	w := NewWriter(&stream, 0)
	w.SetCodec(cc)
	var want [][][]byte
	write := func(frames ...[]byte) {
		require.NoError(t, w.WriteMsg(Msg{Frames: frames}))
		want = append(want, frames)
	}
	maxShort := 255 - SealOverhead // the largest body whose sealed frame is short
	for i := range 2000 {
		body := bytes.Repeat([]byte{byte(i)}, i%(maxShort+1))
		switch i % 50 {
		case 7:
			require.NoError(t, w.WriteFrame(FlagCommand, AppendPing(nil, uint16(i), nil)[2:]))
			write(body)
		case 19:
			write(body, []byte("second"), nil)
		case 23:
			write(make([]byte, maxShort+1)) // a long frame
		case 31:
			write(make([]byte, 6000), body) // a first frame in a buffer of its own
		case 42:
			write(nil, body)
		default:
			write(body)
		}
	}
	require.NoError(t, w.Flush())
	return stream.Bytes(), want, sc
}
