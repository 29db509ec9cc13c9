package clone

import (
	"context"
	"encoding/binary"
	"strconv"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

func rawSocket(t *testing.T, typ socket.Type, endpoint string) *socket.Socket {
	t.Helper()
	s, err := socket.New(typ, socket.Options{Linger: -1})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.Connect(endpoint))
	return s
}

func seqFrame(n int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n))
	return b
}

// The frames on the wire are those of the guide's clonesrv5 and clonecli5: a DEALER
// and a PUSH stand in for a client in another language.
func TestWireFormat(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s := newServer(t)
	snapEP, pubEP, collEP := s.Endpoints()
	sub := rawSocket(t, socket.Sub, pubEP)
	require.NoError(t, sub.Subscribe([]byte("/w/")))
	push := rawSocket(t, socket.Push, collEP)

	// A client update: key, sequence 0, uuid, "ttl=30\n", body. Send until the
	// subscription is in place (the first copies may be lost, as with any PUB).
	uuid := []byte("0123456789abcdef")
	update := func() socket.Msg {
		return socket.NewMsg([]byte("/w/key"), seqFrame(0), uuid, []byte("ttl=30\n"), []byte("body"))
	}
	var got socket.Msg
	for {
		require.NoError(t, push.Send(ctx, update()))
		rctx, rcancel := context.WithTimeout(ctx, 50*time.Millisecond)
		m, err := sub.Recv(rctx)
		rcancel()
		if err == nil {
			got = m
			break
		}
		require.NoError(t, ctx.Err())
	}
	require.Len(t, got.Frames, 5)
	require.Equal(t, "/w/key", string(got.Frames[0]))
	seq := int64(binary.BigEndian.Uint64(got.Frames[1]))
	require.Positive(t, seq)
	require.Equal(t, uuid, got.Frames[2])
	p, err := decodeProps(got.Frames[3])
	require.NoError(t, err)
	expiry, err := strconv.ParseInt(p["ttl"], 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Add(30*time.Second).UnixMilli(), expiry, 10000, "ttl became an absolute time in ms")
	require.Equal(t, "body", string(got.Frames[4]))

	// A snapshot: [ICANHAZ?, subtree] answered by the key, then KTHXBAI with the
	// sequence and the subtree as body.
	eventually(t, func() bool { return s.Sequence() >= seq }, "server sequenced the update")
	dealer := rawSocket(t, socket.Dealer, snapEP)
	require.NoError(t, dealer.Send(ctx, socket.NewMsgString("ICANHAZ?", "/w/")))
	m, err := dealer.Recv(ctx)
	require.NoError(t, err)
	require.Len(t, m.Frames, 5)
	require.Equal(t, "/w/key", string(m.Frames[0]))
	require.Equal(t, "body", string(m.Frames[4]))
	last := s.Sequence()
	m, err = dealer.Recv(ctx)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("KTHXBAI"), seqFrame(last), {}, {}, []byte("/w/")}, normalize(m.Frames))
}

func normalize(f [][]byte) [][]byte {
	for i := range f {
		if f[i] == nil {
			f[i] = []byte{}
		}
	}
	return f
}

// Malformed messages are dropped and counted; the server carries on.
func TestMalformedInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s := newServer(t)
	snapEP, _, collEP := s.Endpoints()
	push := rawSocket(t, socket.Push, collEP)
	bad := []socket.Msg{
		socket.NewMsgString("only", "three", "frames"),
		socket.NewMsg([]byte("k"), []byte{1, 2, 3}, nil, nil, []byte("short sequence")),
		socket.NewMsg([]byte("k"), seqFrame(0), []byte("bad uuid"), nil, []byte("v")),
		socket.NewMsg([]byte("k"), seqFrame(0), nil, []byte("no equals sign\n"), []byte("v")),
		socket.NewMsg([]byte("HUGZ"), seqFrame(0), nil, nil, []byte("reserved key")),
	}
	for _, m := range bad {
		require.NoError(t, push.Send(ctx, m))
	}
	dealer := rawSocket(t, socket.Dealer, snapEP)
	require.NoError(t, dealer.Send(ctx, socket.NewMsgString("GIMME")))
	eventually(t, func() bool { return s.Malformed() == 6 }, "6 drops counted, have %d", s.Malformed())
	require.Zero(t, s.Sequence())
	require.Empty(t, s.State())

	c := newClient(t, clientOpts(s, ""))
	require.NoError(t, c.Set(ctx, "good", []byte("v"), 0))
	eventually(t, func() bool { _, ok := c.Get("good"); return ok }, "the server still works")
}

func TestParseKVRoundTrip(t *testing.T) {
	kv := KV{Key: "k", Seq: 1 << 40, UUID: []byte("0123456789abcdef"), Props: map[string]string{"a": "1", "b": "x=y"}, Value: []byte("v")}
	got, err := ParseKV(kv.Msg())
	require.NoError(t, err)
	require.Equal(t, kv, got)
	require.Equal(t, "a=1\nb=x=y\n", string(kv.Msg().Frames[3]))
}

// A server at MaxKeys refuses new keys, and still takes updates and deletions of the
// keys it holds.
func TestMaxKeys(t *testing.T) {
	s, err := NewServer(ServerOptions{Snapshot: "tcp://127.0.0.1:*", Publisher: "tcp://127.0.0.1:*",
		Collector: "tcp://127.0.0.1:*", Heartbeat: 50 * time.Millisecond, MaxKeys: 3})
	require.NoError(t, err)
	defer s.Close()
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		require.NoError(t, s.Set(t.Context(), k, []byte("1"), 0))
	}
	require.NoError(t, s.Set(t.Context(), "a", []byte("2"), 0)) // an update
	require.NoError(t, s.Set(t.Context(), "b", nil, 0))         // a deletion
	require.NoError(t, s.Set(t.Context(), "f", []byte("1"), 0)) // room again
	eventually(t, func() bool { return s.Sequence() == 6 }, "six updates applied")
	require.Equal(t, uint64(2), s.Refused())
	require.Equal(t, map[string][]byte{"a": []byte("2"), "c": []byte("1"), "f": []byte("1")}, s.State())
}
