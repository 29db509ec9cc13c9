package queue

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/wire"
)

func TestConflate(t *testing.T) {
	q := New(2)
	reads, writes := 0, 0
	q.OnReadable(func() { reads++ })
	q.OnWritable(func() { writes++ })
	for _, s := range []string{"a", "b", "c"} {
		q.Push(msg(s))
	}
	require.True(t, q.Full())
	// Turning conflation on keeps the newest, and frees the producer.
	dropped := 0
	q.SetConflate(func(n int) { dropped += n })
	require.True(t, q.Conflating())
	require.Equal(t, 1, dropped)
	require.Equal(t, 1, q.Len())
	require.False(t, q.Full())
	require.Equal(t, 1, writes)

	for _, s := range []string{"d", "e", "f"} {
		ok, full := q.Push(msg(s))
		require.True(t, ok)
		require.False(t, full)
		require.False(t, q.AtLimit())
	}
	require.Equal(t, 1, q.Len())
	n, full := q.PushBatch([]wire.Msg{msg("g"), msg("h")})
	require.Equal(t, 2, n)
	require.False(t, full)
	m, ok, empty := q.Pop()
	require.True(t, ok)
	require.True(t, empty)
	require.Equal(t, "h", string(m.Frames[0]))
	require.Equal(t, 1+3+2, dropped, "a, b, d, e, f and g replaced")
	require.Equal(t, 1, reads, "one empty-to-non-empty change so far")
	q.Push(msg("i"))
	require.Equal(t, 2, reads)

	// PushForce still adds: it carries what must not be lost.
	q.PushForce(msg("j"))
	require.Equal(t, 2, q.Len())
}
