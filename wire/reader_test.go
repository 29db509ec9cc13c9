package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// encodeMsgs encodes messages with a Writer.
func encodeMsgs(t testing.TB, msgs ...Msg) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, 0)
	for _, m := range msgs {
		require.NoError(t, w.WriteMsg(m))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

func frames(ss ...string) Msg {
	m := Msg{}
	for _, s := range ss {
		m.Frames = append(m.Frames, []byte(s))
	}
	return m
}

func TestReadMsgReqEnvelope(t *testing.T) {
	// zmq-spec Appendix A: REQ request "Hi".
	r := NewReader(bytes.NewReader(unhex(t, "01 00 | 00 02 48 69")), 0)
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Equal(t, [][]byte{{}, []byte("Hi")}, m.Frames)
	require.Equal(t, io.EOF, r.ReadMsg(&m, nil))
	require.Equal(t, [][]byte{{}, []byte("Hi")}, m.Frames, "m untouched on error")
}

func TestReadFrameVectors(t *testing.T) {
	stream := unhex(t, dealerReady+subscribeA+subscribeA0+ping3s+"01 00 00 02 48 69")
	r := NewReader(bytes.NewReader(stream), 0)
	type frame struct {
		flags byte
		body  string
	}
	var got []frame
	for {
		flags, body, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got = append(got, frame{flags, string(body)})
	}
	require.Equal(t, []frame{
		{FlagCommand, string(unhex(t, dealerReady)[2:])},
		{FlagCommand, "\x09SUBSCRIBEA"},
		{0, "\x01A"},
		{FlagCommand, "\x04PING\x00\x1e"},
		{FlagMore, ""},
		{0, "Hi"},
	}, got)
}

func TestReadFrameLarge(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 10000) // 100 KB > 4 KiB buffer
	stream := encodeMsgs(t, Msg{Frames: [][]byte{big, []byte("tail")}}, frames("next"))
	for name, rd := range map[string]io.Reader{
		"whole":    bytes.NewReader(stream),
		"one byte": iotest.OneByteReader(bytes.NewReader(stream)),
		"half":     iotest.HalfReader(bytes.NewReader(stream)),
	} {
		r := NewReader(rd, 4096)
		flags, body, err := r.ReadFrame()
		require.NoError(t, err, name)
		require.Equal(t, FlagMore, flags, name)
		require.Equal(t, big, body, name)
		flags, body, err = r.ReadFrame()
		require.NoError(t, err, name)
		require.Equal(t, byte(0), flags)
		require.Equal(t, "tail", string(body))
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		require.Equal(t, frames("next").Frames, m.Frames)
	}
}

func TestReadMsgCommandsBetweenFrames(t *testing.T) {
	// gotcha 13: a PING between the frames of a multipart message.
	var s []byte
	s = AppendPing(s, 30, nil)
	s = append(s, unhex(t, "01 03 616263")...) // "abc" MORE
	s = AppendPing(s, 0, []byte("ctx"))
	s = AppendCommand(s, CmdSubscribe, []byte("topic"))
	s = append(s, unhex(t, "01 00")...) // "" MORE
	s = AppendPong(s, nil)
	s = append(s, unhex(t, "00 03 646566")...) // "def" last
	s = AppendPing(s, 1, nil)
	r := NewReader(bytes.NewReader(s), 0)

	var cmds []string
	on := func(c Command) error {
		cmds = append(cmds, fmt.Sprintf("%s %q", c.Name, c.Data))
		return nil
	}
	var m Msg
	require.NoError(t, r.ReadMsg(&m, on))
	require.Equal(t, frames("abc", "", "def").Frames, m.Frames)
	require.Equal(t, []string{`PING "\x00\x1e"`, `PING "\x00\x00ctx"`, `SUBSCRIBE "topic"`, `PONG ""`}, cmds)
	require.Equal(t, io.EOF, r.ReadMsg(&m, on), "a trailing command is consumed, then EOF")
	require.Len(t, cmds, 5)
}

func TestReadMsgOnCommandError(t *testing.T) {
	s := AppendPing(nil, 0, nil)
	s = append(s, unhex(t, "00 01 41")...)
	stop := errors.New("stop")
	r := NewReader(bytes.NewReader(s), 0)
	var m Msg
	require.Equal(t, stop, r.ReadMsg(&m, func(Command) error { return stop }))
}

func TestReadMsgErrors(t *testing.T) {
	tests := [...]struct {
		in  string
		err error
	}{
		0: {"05 00", ErrMalformedFrame},            // command with MORE
		1: {"01 01 41 | 05 00", ErrMalformedFrame}, // same, inside a message
		2: {"04 00", ErrMalformedCommand},          // empty command body
		3: {"04 02 05 41", ErrMalformedCommand},    // name longer than body
		4: {"01 01 41", io.ErrUnexpectedEOF},       // stream ends inside a message
		5: {"00 05 4142", io.ErrUnexpectedEOF},     // inside a body
		6: {"02 0000", io.ErrUnexpectedEOF},        // inside a long header
		7: {"00", io.ErrUnexpectedEOF},             // inside a header
		8: {"", io.EOF},
		9: {"02 8000000000000000", ErrFrameTooLarge},
	}
	for i, tt := range tests {
		r := NewReader(bytes.NewReader(unhex(t, tt.in)), 0)
		var m Msg
		require.ErrorIs(t, r.ReadMsg(&m, nil), tt.err, "%d", i)
	}
}

func TestReadMsgReservedFlags(t *testing.T) {
	r := NewReader(bytes.NewReader(unhex(t, "F9 01 41 | F0 01 42")), 0)
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Equal(t, frames("A", "B").Frames, m.Frames)
}

func TestReadMsgRetained(t *testing.T) {
	// Messages stay valid forever: slabs are never reused.
	var want []Msg
	for i := range 3000 {
		n := i % 300
		if i%97 == 0 {
			n = 5000 + i // own buffer
		}
		want = append(want, Msg{Frames: [][]byte{
			bytes.Repeat([]byte{byte(i)}, n),
			[]byte(fmt.Sprint(i)),
		}})
	}
	r := NewReader(bytes.NewReader(encodeMsgs(t, want...)), 0)
	got := make([]Msg, len(want))
	var m Msg
	for i := range got {
		require.NoError(t, r.ReadMsg(&m, nil))
		got[i] = m
	}
	for i := range want {
		require.Equal(t, want[i].Frames, got[i].Frames, "msg %d", i)
	}
	for _, m := range got {
		for _, f := range m.Frames {
			if len(f) <= ownBufMin {
				// Slab bodies must not reach into their neighbours.
				require.Equal(t, len(f), cap(f), "slab bodies are capacity-limited")
			}
		}
		require.Equal(t, len(m.Frames), cap(m.Frames))
	}
}

func TestReaderMaxFrame(t *testing.T) {
	// A header claiming a terabyte fails before anything is allocated for it.
	hdr := AppendFrameHeader(nil, 0, 1<<40)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewReader(bytes.NewReader(hdr), 0)
	r.SetMaxFrame(1 << 20)
	var m Msg
	err := r.ReadMsg(&m, nil)
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrFrameTooLarge)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(256<<10))

	// The limit is per frame and inclusive.
	s := encodeMsgs(t, Msg{Frames: [][]byte{make([]byte, 100), make([]byte, 100)}}, Msg{Frames: [][]byte{make([]byte, 101)}})
	r = NewReader(bytes.NewReader(s), 0)
	r.SetMaxFrame(100)
	require.NoError(t, r.ReadMsg(&m, nil))
	require.ErrorIs(t, r.ReadMsg(&m, nil), ErrFrameTooLarge)

	// Commands are bounded too.
	r = NewReader(bytes.NewReader(AppendCommand(nil, "X", make([]byte, 200))), 0)
	r.SetMaxFrame(100)
	_, _, err = r.ReadFrame()
	require.ErrorIs(t, err, ErrFrameTooLarge)
}

func TestReaderLyingHeaderNoLimit(t *testing.T) {
	// Without a limit, a header claiming a terabyte followed by a few bytes
	// costs memory in proportion to the bytes, not the claim.
	s := append(AppendFrameHeader(nil, 0, 1<<40), bytes.Repeat([]byte("x"), 3<<20)...)
	for _, read := range []func(*Reader) error{
		func(r *Reader) error { var m Msg; return r.ReadMsg(&m, nil) },
		func(r *Reader) error { _, _, err := r.ReadFrame(); return err },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := read(NewReader(bytes.NewReader(s), 0))
		runtime.ReadMemStats(&after)
		require.Equal(t, io.ErrUnexpectedEOF, err)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
	}
}

func TestReaderSplitInput(t *testing.T) {
	// Any split of the stream decodes like the whole (nats-server style).
	var s []byte
	s = append(s, encodeMsgs(t, frames("a", "bb", ""), Msg{Frames: [][]byte{make([]byte, 9000)}})...)
	s = AppendPing(s, 3, []byte("c"))
	s = append(s, encodeMsgs(t, frames("z"))...)
	whole := decodeAll(NewReader(bytes.NewReader(s), 0))
	for cut := range len(s) + 1 {
		rd := io.MultiReader(bytes.NewReader(s[:cut]), bytes.NewReader(s[cut:]))
		require.Equal(t, whole, decodeAll(NewReader(rd, 0)), "cut %d", cut)
	}
	require.Equal(t, whole, decodeAll(NewReader(iotest.OneByteReader(bytes.NewReader(s)), 0)))
}

// decodeAll reads messages until an error and describes what it saw.
func decodeAll(r *Reader) []string {
	var out []string
	var m Msg
	for {
		err := r.ReadMsg(&m, func(c Command) error {
			out = append(out, fmt.Sprintf("cmd %q %q", c.Name, c.Data))
			return nil
		})
		if err != nil {
			return append(out, "err "+err.Error())
		}
		for _, f := range m.Frames {
			if int64(len(f)) > r.max && r.max > 0 {
				out = append(out, "OVERSIZE")
			}
		}
		out = append(out, fmt.Sprintf("msg %q", m.Frames))
	}
}

func TestReadGreeting(t *testing.T) {
	g := Greeting{Major: 3, Minor: 1, Mechanism: "NULL"}.Append(nil)
	r := NewReader(iotest.OneByteReader(bytes.NewReader(append(g, unhex(t, pubReady)...))), 0)
	got, err := r.ReadGreeting()
	require.NoError(t, err)
	require.Equal(t, Greeting{3, 1, "NULL", false}, got)
	flags, _, err := r.ReadFrame()
	require.NoError(t, err)
	require.Equal(t, FlagCommand, flags)

	for i := range g {
		_, err := NewReader(bytes.NewReader(g[:i]), 0).ReadGreeting()
		if i == 0 {
			require.Equal(t, io.EOF, err)
		} else {
			require.Equal(t, io.ErrUnexpectedEOF, err, "prefix %d", i)
		}
	}
	_, err = NewReader(bytes.NewReader([]byte("GET")), 0).ReadGreeting()
	require.ErrorIs(t, err, ErrNotZMTP)
}

func TestReaderNoProgress(t *testing.T) {
	r := NewReader(emptyReader{}, 0)
	_, _, err := r.ReadFrame()
	require.Equal(t, io.ErrNoProgress, err)
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReadFrameAllocs(t *testing.T) {
	rd := &replayReader{data: encodeMsgs(t, frames("hello", "world"))}
	r := NewReader(rd, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, _, err := r.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func TestReadMsgAllocs(t *testing.T) {
	var msgs []Msg
	for i := range 1000 {
		msgs = append(msgs, Msg{Frames: [][]byte{make([]byte, 64), []byte(fmt.Sprint(i))}})
	}
	stream := AppendPing(encodeMsgs(t, msgs...), 0, nil)
	r := NewReader(&replayReader{data: stream}, 0)
	var m Msg
	on := func(Command) error { return nil }
	allocs := avgAllocs(20000, func() {
		if err := r.ReadMsg(&m, on); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("ReadMsg: %.4f allocs per message", allocs)
	require.Less(t, allocs, 0.1)
}

func BenchmarkReaderReadMsg64(b *testing.B) {
	var msgs []Msg
	for range 1000 {
		msgs = append(msgs, Msg{Frames: [][]byte{make([]byte, 64)}})
	}
	stream := encodeMsgs(b, msgs...)
	r := NewReader(&replayReader{data: stream}, 0)
	var m Msg
	b.SetBytes(64)
	b.ReportAllocs()
	for b.Loop() {
		if err := r.ReadMsg(&m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzReadMsg(f *testing.F) {
	var s []byte
	s = append(s, encodeMsgs(f, frames("a", "", "ccc"), Msg{Frames: [][]byte{make([]byte, 300)}})...)
	f.Add(s)
	between := AppendPing(nil, 30, nil)
	between = append(between, unhex(f, "01 01 41")...)
	between = AppendPing(between, 0, []byte("x"))
	between = append(between, unhex(f, "00 01 42")...)
	f.Add(between)
	f.Add(unhex(f, dealerReady+subscribeA+subscribeA0+ping3s+pong+"01 00 00 02 48 69"))
	f.Add(AppendFrameHeader(nil, 0, 1<<40))                   // oversize header
	f.Add(append(AppendFrameHeader(nil, 0, 70000), "abc"...)) // just over the fuzz limit, truncated
	f.Add(unhex(f, "05 00 F9 01 41 00 00"))
	const maxFrame = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 4096)
		r.SetMaxFrame(maxFrame)
		whole := decodeAll(r)
		for _, s := range whole {
			require.NotEqual(t, "OVERSIZE", s)
		}
		r = NewReader(iotest.OneByteReader(bytes.NewReader(data)), 4096)
		r.SetMaxFrame(maxFrame)
		require.Equal(t, whole, decodeAll(r), "split input decodes like the whole")
	})
}

func TestReaderMsgBuffered(t *testing.T) {
	var stream []byte
	stream = AppendFrameHeader(stream, FlagMore, 1)
	stream = append(stream, 'a')
	stream = AppendPing(stream, 0, nil)
	stream = AppendFrameHeader(stream, 0, 300)
	stream = append(stream, make([]byte, 300)...)
	whole := len(stream)
	stream = AppendFrameHeader(stream, 0, 2)
	stream = append(stream, 'b', 'c')

	// Fed one byte at a time, the reader says a message is buffered exactly when the
	// last byte of the first message has arrived.
	pr := &trickleReader{data: stream}
	r := NewReader(pr, 0)
	for i := 1; i <= whole; i++ {
		pr.limit = i
		require.NoError(t, r.fill(i))
		require.Equal(t, i == whole, r.MsgBuffered(), "after %d of %d bytes", i, whole)
	}
	var m Msg
	require.NoError(t, r.ReadMsg(&m, nil))
	require.Len(t, m.Frames, 2)
	require.False(t, r.MsgBuffered())
	pr.limit = len(stream)
	require.NoError(t, r.fill(4))
	require.True(t, r.MsgBuffered())
}

// trickleReader returns its data up to limit bytes in total.
type trickleReader struct {
	data  []byte
	pos   int
	limit int
}

func (t *trickleReader) Read(p []byte) (int, error) {
	n := copy(p, t.data[t.pos:min(t.limit, len(t.data))])
	t.pos += n
	return n, nil
}

func TestReadBufferedMsg(t *testing.T) {
	// A mix of what the short-message path takes (one data frame of 1..255 bytes,
	// reserved flag bits ignored) and what it leaves to ReadMsg.
	var stream []byte
	stream = AppendFrameHeader(stream, 0, 1)
	stream = append(stream, 'a')
	stream = append(stream, 0xF0, 1, 'r') // reserved bits set
	stream = AppendFrameHeader(stream, 0, 255)
	stream = append(stream, bytes.Repeat([]byte{'m'}, 255)...)
	stream = AppendFrameHeader(stream, 0, 0)
	stream = AppendPing(stream, 0, nil)
	stream = AppendFrameHeader(stream, FlagMore, 2)
	stream = append(stream, 'h', 'i')
	stream = AppendFrameHeader(stream, 0, 300)
	stream = append(stream, bytes.Repeat([]byte{'L'}, 300)...)
	for i := range 600 { // enough to cross chunks, by their Frames and by their bytes
		size := i%255 + 1
		stream = AppendFrameHeader(stream, 0, size)
		stream = append(stream, bytes.Repeat([]byte{byte(i)}, size)...)
	}

	var want []Msg
	wantPings := 0
	ref := NewReader(bytes.NewReader(stream), 0)
	for {
		var m Msg
		err := ref.ReadMsg(&m, func(c Command) error { wantPings++; return nil })
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		want = append(want, m)
	}
	require.Len(t, want, 605)

	// Fed one byte at a time, ReadBufferedMsg returns each message as soon as its
	// last byte is in, and reads nothing before.
	pr := &trickleReader{data: stream}
	r := NewReader(pr, 0)
	var got []Msg
	pings := 0
	onCommand := func(c Command) error { pings++; return nil }
	for i := 1; i <= len(stream); i++ {
		pr.limit = i
		require.NoError(t, r.fill(r.Buffered()+1))
		for {
			before := r.Buffered()
			var m Msg
			ok, err := r.ReadBufferedMsg(&m, onCommand)
			require.NoError(t, err)
			if !ok {
				require.Equal(t, before, r.Buffered(), "nothing read when no message is whole")
				break
			}
			got = append(got, m)
		}
	}
	require.Zero(t, r.Buffered())
	require.Equal(t, wantPings, pings)
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].Frames, got[i].Frames, "message %d", i)
	}
	require.Equal(t, bytes.Repeat([]byte{599 % 256}, 599%255+1), got[len(got)-1].Frames[0])
}

func TestReadMsgShortMaxFrame(t *testing.T) {
	// The short-message path enforces the frame limit like the general one.
	stream := AppendFrameHeader(nil, 0, 10)
	stream = append(stream, make([]byte, 10)...)
	stream = AppendFrameHeader(stream, 0, 11)
	stream = append(stream, make([]byte, 11)...)
	r := NewReader(bytes.NewReader(stream), 0)
	r.SetMaxFrame(10)
	require.NoError(t, r.fill(len(stream)))
	var m Msg
	ok, err := r.ReadBufferedMsg(&m, nil)
	require.True(t, ok)
	require.NoError(t, err)
	require.Len(t, m.Frames[0], 10)
	ok, err = r.ReadBufferedMsg(&m, nil)
	require.True(t, ok)
	require.ErrorIs(t, err, ErrFrameTooLarge)
}
