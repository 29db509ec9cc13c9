package wire

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProtocolError(t *testing.T) {
	err := error(protoErr(CodeInvalidMetadata, ErrInvalidMetadata, "property truncated"))
	require.Equal(t, "wire: invalid metadata: property truncated", err.Error())
	require.ErrorIs(t, err, ErrInvalidMetadata)
	require.NotErrorIs(t, err, ErrMalformedFrame)
	require.ErrorIs(t, err, &ProtocolError{Code: CodeInvalidMetadata, Err: ErrInvalidMetadata})
	require.NotErrorIs(t, err, &ProtocolError{Code: CodeMalformedCommandReady, Err: ErrInvalidMetadata})
	require.ErrorIs(t, err, &ProtocolError{}, "zero ProtocolError matches any kind")

	wrapped := fmt.Errorf("conn: %w", err)
	var pe *ProtocolError
	require.ErrorAs(t, wrapped, &pe)
	require.Equal(t, uint32(0x10000018), pe.Code)

	require.Equal(t, "wire: frame too large", (&ProtocolError{Err: ErrFrameTooLarge}).Error())
	require.Equal(t, "wire: protocol error", (&ProtocolError{}).Error())
}

func TestProtocolErrorCodes(t *testing.T) {
	// zmq-spec §8.1.
	require.Equal(t, uint32(0x10000000), CodeZMTPUnspecified)
	require.Equal(t, uint32(0x10000001), CodeUnexpectedCommand)
	require.Equal(t, uint32(0x10000015), CodeMalformedCommandError)
	require.Equal(t, uint32(0x10000016), CodeMalformedCommandReady)
	require.Equal(t, uint32(0x10000018), CodeInvalidMetadata)
	require.Equal(t, uint32(0x11000002), CodeMechanismMismatch)
	require.Equal(t, uint32(0x20000005), CodeZAPInvalidMetadata)
}

func TestPeerError(t *testing.T) {
	var err error = &PeerError{Reason: "400"}
	require.Equal(t, `wire: peer sent ERROR "400"`, err.Error())
	var pe *PeerError
	require.True(t, errors.As(fmt.Errorf("x: %w", err), &pe))
	require.Equal(t, "400", pe.Reason)
}
