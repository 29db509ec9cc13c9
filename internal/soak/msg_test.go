package soak

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMsgAndRecordRoundTrip(t *testing.T) {
	m := make([]byte, MsgSize)
	PutMsg(m, 7, 1<<40+3, -5)
	var b [RecordSize]byte
	require.NoError(t, PutRecord(b[:], m, 99))
	r, err := ParseRecord(b[:])
	require.NoError(t, err)
	require.Equal(t, Record{Stream: 7, Seq: 1<<40 + 3, Sent: -5, Recv: 99}, r)
	_, _, _, err = ParseMsg(m[:10])
	require.Error(t, err)
	require.Error(t, PutRecord(b[:], m[:3], 0))
}
