package wire

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"

	"github.com/brokerless/zmq/internal/raceflag"
	"github.com/stretchr/testify/require"
)

func TestPropertiesGet(t *testing.T) {
	md := Metadata{
		{Name: PropSocketType, Value: []byte("DEALER")},
		{Name: PropIdentity, Value: []byte("id")},
		{Name: "X-Color", Value: []byte("red")},
	}
	p := NewProperties(md, "127.0.0.1", "")
	for name, want := range map[string]string{
		"Socket-Type": "DEALER", "socket-type": "DEALER", "Identity": "id",
		"X-Color": "red", "X-COLOR": "red", "Peer-Address": "127.0.0.1",
	} {
		v, ok := p.Get(name)
		require.True(t, ok, name)
		require.Equal(t, want, v, name)
	}
	_, ok := p.Get("User-Id")
	require.False(t, ok)
	_, ok = p.Get("X-Other")
	require.False(t, ok)
	require.Equal(t, md, p.Metadata())

	v, ok := NewProperties(nil, "", "alice").Get("User-Id")
	require.True(t, ok)
	require.Equal(t, "alice", v)

	var none *Properties
	_, ok = none.Get("Socket-Type")
	require.False(t, ok)
	require.Nil(t, none.Metadata())
}

func TestValidPropertyName(t *testing.T) {
	for _, n := range []string{"a", "X-Color", "Socket-Type", "a.b_c+d-1", strings.Repeat("n", 255)} {
		require.True(t, ValidPropertyName(n), n)
	}
	for _, n := range []string{"", "a b", "a:b", "é", "a\x00", strings.Repeat("n", 256)} {
		require.False(t, ValidPropertyName(n), n)
	}
}

// Every message a Reader with properties returns carries them, whatever memory its
// bodies live in: a slab, buffers of their own, or none at all (empty frames).
func TestReaderProperties(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 64<<10)
	huge := bytes.Repeat([]byte{8}, 2<<20) // beyond the pooled classes
	msgs := []Msg{
		{Frames: [][]byte{[]byte("small")}},
		{Frames: [][]byte{{}}},
		{Frames: [][]byte{big}},
		{Frames: [][]byte{huge}},
		{Frames: [][]byte{[]byte("a"), big, {}}},
	}
	props := NewProperties(Metadata{{Name: PropSocketType, Value: []byte("PUB")}}, "", "")
	r := NewReader(bytes.NewReader(encodeMsgs(t, msgs...)), 0)
	r.SetProperties(props)
	for i, want := range msgs {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		require.Equal(t, want.Frames, m.Frames, "message %d", i)
		require.Same(t, props, m.Properties(), "message %d", i)
		m.Release()
		require.Nil(t, m.Properties(), "Release forgets them")
	}

	// Without SetProperties there are none.
	r = NewReader(bytes.NewReader(encodeMsgs(t, msgs...)), 0)
	for range msgs {
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		require.Nil(t, m.Properties())
		m.Release()
	}
	require.Nil(t, Msg{Frames: [][]byte{[]byte("x")}}.Properties())
}

// A message that carries properties but no slab still lets Release recycle a body
// with a buffer of its own.
func TestReleaseWithPropertiesRecycles(t *testing.T) {
	if raceflag.Enabled {
		t.Skip("the race detector makes sync.Pool drop buffers at random")
	}
	props := NewProperties(nil, "", "")
	reused := 0
	for i := range 50 {
		r := NewReader(bytes.NewReader(encodeMsgs(t, Msg{Frames: [][]byte{bytes.Repeat([]byte{byte(i)}, 64<<10)}})), 0)
		r.SetProperties(props)
		var m Msg
		require.NoError(t, r.ReadMsg(&m, nil))
		first := unsafe.SliceData(m.Frames[0])
		m.Release()
		r = NewReader(bytes.NewReader(encodeMsgs(t, Msg{Frames: [][]byte{bytes.Repeat([]byte{1}, 64<<10)}})), 0)
		var m2 Msg
		require.NoError(t, r.ReadMsg(&m2, nil))
		if unsafe.SliceData(m2.Frames[0]) == first {
			reused++
		}
		m2.Release()
	}
	require.Positive(t, reused)
}
