package wire

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Byte vectors from zmq-spec §1.6 and Appendix A.
const (
	dealerReady = "04 29 | 05 5245414459 | 0B 536F636B65742D54797065 00000006 4445414C4552 | 08 4964656E74697479 00000000"
	pubReady    = "04 19 | 05 5245414459 | 0B 536F636B65742D54797065 00000003 505542"
	subscribeA  = "04 0B 09 53 55 42 53 43 52 49 42 45 41"
	subscribeA0 = "00 02 01 41"
	ping3s      = "04 07 04 50 49 4E 47 00 1E"
	pong        = "04 05 04 50 4F 4E 47"
)

func TestCommandVectors(t *testing.T) {
	dealer := AppendReady(nil, Metadata{
		{PropSocketType, []byte("DEALER")},
		{PropIdentity, []byte{}},
	})
	require.Len(t, dealer, 43)
	require.Equal(t, unhex(t, dealerReady), dealer)

	require.Equal(t, unhex(t, pubReady), AppendReady(nil, Metadata{{PropSocketType, []byte("PUB")}}))
	require.Equal(t, unhex(t, subscribeA), AppendSubscription(nil, 1, true, []byte("A")))
	require.Equal(t, unhex(t, subscribeA), AppendSubscription(nil, 2, true, []byte("A")))
	require.Equal(t, unhex(t, subscribeA0), AppendSubscription(nil, 0, true, []byte("A")))
	require.Equal(t, unhex(t, "04 08 06 43414E43454C 41"), AppendSubscription(nil, 1, false, []byte("A")))
	require.Equal(t, unhex(t, "00 02 00 41"), AppendSubscription(nil, 0, false, []byte("A")))
	require.Equal(t, unhex(t, ping3s), AppendPing(nil, 30, nil))
	require.Equal(t, unhex(t, pong), AppendPong(nil, nil))
	require.Equal(t, unhex(t, "04 0A 05 4552524F52 03 343030"), AppendError(nil, "400"))
	require.Equal(t, unhex(t, ping3s), AppendCommand(nil, CmdPing, []byte{0}, []byte{0x1E}))
}

func TestAppendTruncation(t *testing.T) {
	long := strings.Repeat("r", 300)
	b := AppendError(nil, long)
	_, body, err := NewReader(bytes.NewReader(b), 0).ReadFrame()
	require.NoError(t, err)
	cmd, err := ParseCommand(body)
	require.NoError(t, err)
	require.True(t, cmd.Is(CmdError))
	reason, err := ParseErrorReason(cmd.Data)
	require.NoError(t, err)
	require.Equal(t, long[:255], reason)

	ctx := []byte("0123456789abcdefXYZ")
	b = AppendPing(nil, 7, ctx)
	require.Equal(t, 2+1+4+2+16, len(b))
	ttl, got, err := ParsePing(b[2+5:])
	require.NoError(t, err)
	require.Equal(t, uint16(7), ttl)
	require.Equal(t, ctx[:16], got)
	require.Equal(t, 2+1+4+16, len(AppendPong(nil, ctx)))
}

func TestSubscriptionLongTopic(t *testing.T) {
	topic := bytes.Repeat([]byte("t"), 250) // body 1+9+250 = 260: LONG (libzmq 4.3.5 fix)
	b := AppendSubscription(nil, 1, true, topic)
	require.Equal(t, unhex(t, "06 0000000000000104"), b[:9])
	flags, body, err := NewReader(bytes.NewReader(b), 0).ReadFrame()
	require.NoError(t, err)
	require.Equal(t, FlagCommand, flags)
	cmd, err := ParseCommand(body)
	require.NoError(t, err)
	require.True(t, cmd.Is(CmdSubscribe))
	require.Equal(t, topic, cmd.Data)

	b = AppendSubscription(nil, 0, false, topic) // body 251: short form
	require.Equal(t, unhex(t, "00 FB 00"), b[:3])
	b = AppendSubscription(nil, 0, false, append(topic, "xxxxx"...)) // body 256: LONG
	require.Equal(t, unhex(t, "02 0000000000000100 00"), b[:10])
}

func TestParseCommand(t *testing.T) {
	tests := [...]struct {
		in         string
		name, data string
		err        bool
	}{
		0: {"04 50494E47 001E", "PING", "\x00\x1e", false},
		1: {"04 504F4E47", "PONG", "", false},
		2: {"01 58 FFFF", "X", "\xff\xff", false},
		3: {"", "", "", true},
		4: {"00", "", "", true},
		5: {"00 41", "", "", true},
		6: {"05 52454144", "", "", true},
		7: {"FF 41", "", "", true},
	}
	for i, tt := range tests {
		cmd, err := ParseCommand(unhex(t, tt.in))
		if tt.err {
			require.ErrorIs(t, err, ErrMalformedCommand, "%d", i)
			require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandUnspecified, Err: ErrMalformedCommand})
			continue
		}
		require.NoError(t, err, "%d", i)
		require.Equal(t, tt.name, string(cmd.Name), "%d", i)
		require.Equal(t, tt.data, string(cmd.Data), "%d", i)
		require.True(t, cmd.Is(tt.name))
		require.False(t, cmd.Is(strings.ToLower(tt.name)), "case-sensitive")
	}
}

func TestParseCommandTruncated(t *testing.T) {
	body := unhex(t, dealerReady)[2:]
	nameEnd := 1 + int(body[0])
	for i := range nameEnd {
		_, err := ParseCommand(body[:i])
		require.ErrorIs(t, err, ErrMalformedCommand, "prefix %d", i)
	}
	// Past the name, a prefix is a READY with truncated metadata.
	for i := nameEnd; i < len(body); i++ {
		cmd, err := ParseCommand(body[:i])
		require.NoError(t, err)
		_, err = ParseMetadata(cmd.Data)
		if i > nameEnd && i != nameEnd+1+11+4+6 { // not at the end of Socket-Type
			require.ErrorIs(t, err, ErrInvalidMetadata, "prefix %d", i)
		}
	}
}

func TestParsePing(t *testing.T) {
	ttl, ctx, err := ParsePing(unhex(t, "001E"))
	require.NoError(t, err)
	require.Equal(t, uint16(30), ttl)
	require.Empty(t, ctx)
	ttl, ctx, err = ParsePing(unhex(t, "FFFF 6162"))
	require.NoError(t, err)
	require.Equal(t, uint16(0xFFFF), ttl)
	require.Equal(t, []byte("ab"), ctx)
	for _, in := range []string{"", "00"} {
		_, _, err = ParsePing(unhex(t, in))
		require.ErrorIs(t, err, ErrMalformedCommand)
	}
}

func TestParseErrorReason(t *testing.T) {
	r, err := ParseErrorReason(unhex(t, "03 343030"))
	require.NoError(t, err)
	require.Equal(t, "400", r)
	r, err = ParseErrorReason(unhex(t, "00"))
	require.NoError(t, err)
	require.Equal(t, "", r)
	for _, in := range []string{"", "03 3430", "FF"} {
		_, err = ParseErrorReason(unhex(t, in))
		require.ErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandError, Err: ErrMalformedCommand}, in)
	}
}

func TestParseSubscriptionMsg(t *testing.T) {
	sub, topic, ok := ParseSubscriptionMsg([]byte("\x01A"))
	require.True(t, ok)
	require.True(t, sub)
	require.Equal(t, []byte("A"), topic)
	sub, topic, ok = ParseSubscriptionMsg([]byte{0})
	require.True(t, ok)
	require.False(t, sub)
	require.Empty(t, topic)
	for _, f := range [][]byte{nil, {}, {2}, []byte("hello")} {
		_, _, ok = ParseSubscriptionMsg(f)
		require.False(t, ok)
	}
}

func TestAppendCommandBadName(t *testing.T) {
	require.Panics(t, func() { AppendCommand(nil, "") })
	require.Panics(t, func() { AppendCommand(nil, strings.Repeat("N", 256)) })
}

func TestParseCommandAllocs(t *testing.T) {
	body := unhex(t, ping3s)[2:]
	allocs := testing.AllocsPerRun(100, func() {
		cmd, err := ParseCommand(body)
		if err != nil || !cmd.Is(CmdPing) {
			t.Fatal("bad command")
		}
		if _, _, err := ParsePing(cmd.Data); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func FuzzParseCommand(f *testing.F) {
	for _, v := range []string{dealerReady, pubReady, subscribeA, ping3s, pong} {
		f.Add(unhex(f, v)[2:])
	}
	f.Add(AppendError(nil, "400")[2:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		cmd, err := ParseCommand(body)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedCommand)
			return
		}
		// Round trip: re-encoding gives back the same body.
		enc := AppendCommand(nil, string(cmd.Name), cmd.Data)
		flags, size, n, err := ConsumeFrameHeader(enc)
		require.NoError(t, err)
		require.Equal(t, FlagCommand, flags&^FlagLong)
		require.Equal(t, uint64(len(body)), size)
		require.Equal(t, body, enc[n:])
		// The data parsers must not panic either.
		ParsePing(cmd.Data)
		ParseErrorReason(cmd.Data)
		ParseMetadata(cmd.Data)
	})
}
