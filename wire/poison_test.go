//go:build zmqpoison

package wire

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPoisonFillsReleasedLargeBodies(t *testing.T) {
	m := readLargeMsg(t, 0x11)
	body := m.Frames[0]
	m.Release()
	require.Equal(t, bytes.Repeat([]byte{poisonByte}, len(body)), body, "a released body reads as poison")
}

func TestPoisonFillsReleasedSlabBodies(t *testing.T) {
	r := NewReader(bytes.NewReader(encodeMsgs(t, frames("alpha", "beta"), frames("gamma"))), 0)
	var a, c Msg
	require.NoError(t, r.ReadMsg(&a, nil))
	require.NoError(t, r.ReadMsg(&c, nil))
	alpha := a.Frames[0]
	a.Release()
	require.Equal(t, bytes.Repeat([]byte{poisonByte}, len("alpha")), alpha)
	require.Equal(t, frames("gamma").Frames, c.Frames, "other messages in the slab are untouched")
	c.Release()
}

func TestPoisonPanicsOnDoubleRelease(t *testing.T) {
	m := readLargeMsg(t, 0x22)
	copyOfM := m
	m.Release()
	require.PanicsWithValue(t, "wire: Msg.Release called twice for the same received message", func() { copyOfM.Release() })

	r := NewReader(bytes.NewReader(encodeMsgs(t, frames("small"))), 0)
	var s Msg
	require.NoError(t, r.ReadMsg(&s, nil))
	copyOfS := s
	s.Release()
	require.Panics(t, func() { copyOfS.Release() })
}

func TestPoisonAllowsReuseAfterRecycling(t *testing.T) {
	// A buffer handed out again may be released again: only a second release of the
	// same message is a fault.
	for i := range 50 {
		m := readLargeMsg(t, byte(i))
		m.Release()
	}
}
