package wire

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMsgSize(t *testing.T) {
	require.Equal(t, 0, Msg{}.Size())
	require.Equal(t, 5, Msg{Frames: [][]byte{{}, []byte("ab"), []byte("cde")}}.Size())
}
