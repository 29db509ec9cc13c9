package wire

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// HandshakeConfig.MaxFrame limits the peer's handshake commands, as libzmq applies
// MAXMSGSIZE from the greeting on: a command whose header announces more is refused
// from the header, whatever the mechanism, and a command within the limit passes.
func TestHandshakeMaxFrame(t *testing.T) {
	cli, srv := curvePair(t)
	for _, tc := range []struct {
		name string
		mech func() Mechanism
		cmd  string
	}{
		{"NULL", func() Mechanism { return nil }, CmdReady},
		{"PLAIN", func() Mechanism { return &PlainServer{Authenticate: checkPassword} }, cmdHello},
		{"CURVE", func() Mechanism { return srv.Clone() }, cmdHello},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "NULL"
			if m := tc.mech(); m != nil {
				name = m.Name()
			}
			stream := Greeting{Major: 3, Minor: 1, Mechanism: name}.Append(nil)
			stream = AppendFrameHeader(stream, FlagCommand, 1<<30)
			stream = append(stream, byte(len(tc.cmd)))
			stream = append(stream, tc.cmd...)
			r := NewReader(bytes.NewReader(stream), 0)
			_, err := Handshake(r, NewWriter(io.Discard, 0), HandshakeConfig{SocketType: Pull, Mechanism: tc.mech(), MaxFrame: 1 << 20})
			require.ErrorIs(t, err, ErrFrameTooLarge)
		})
	}

	// A whole CURVE handshake passes under a limit above its largest command.
	a, b := pipePair(t)
	ra, rb := secureBoth(t, a, b,
		HandshakeConfig{SocketType: Push, Mechanism: cli, MaxFrame: 512},
		HandshakeConfig{SocketType: Pull, Mechanism: srv.Clone(), MaxFrame: 512})
	require.NoError(t, ra.err)
	require.NoError(t, rb.err)
}
