//go:build cgo

package interop

import (
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/wire"
	zmq "github.com/pebbe/zmq4"
	"github.com/stretchr/testify/require"
)

// protocolErrorInvalidMetadata is ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA, the value
// libzmq reports with HANDSHAKE_FAILED_PROTOCOL for a peer of the wrong socket type.
const protocolErrorInvalidMetadata = 0x10000018

// TestIncompatibleSocketTypeRefused: a libzmq peer whose socket type cannot talk to
// ours is refused on both sides, whichever side connects: our monitor reports
// EventHandshakeProtocol wrapping wire.ErrIncompatibleSocketType, and libzmq's
// monitor reports the connection dropped without a successful handshake (libzmq
// 4.3.4 emits no HANDSHAKE_FAILED_* for this; see below). No message crosses.
func TestIncompatibleSocketTypeRefused(t *testing.T) {
	combos := [][2]socket.Type{
		{socket.Push, socket.Pub}, // ours, libzmq
		{socket.Req, socket.Pull},
		{socket.Sub, socket.Push},
		{socket.Router, socket.Rep},
	}
	for _, c := range combos {
		for _, tr := range transports {
			for _, oursBind := range []bool{true, false} {
				ourT, theirT := c[0], c[1]
				name := sideName("our "+ourT.String(), "libzmq "+theirT.String(), oursBind, tr)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					o := newOurs(t, ourT, socket.Options{})
					l := newLZ(t, theirT)
					mon := monitorLZ(t, l)
					bindConnect(t, o, l, oursBind, tr)

					// Usually we read libzmq's READY and refuse its socket type. But the
					// greeting goes out in libzmq's steps, and so libzmq may read the rest
					// of our greeting and our READY at once, refuse our type and close
					// before its own READY leaves: then we see the connection end inside the
					// handshake. libzmq against libzmq races the same way.
					ev := waitOurEventOf(t, o.mon, socket.EventHandshakeProtocol, socket.EventHandshakeFailed, socket.EventHandshakeSucceeded)
					require.NotEqual(t, socket.EventHandshakeSucceeded, ev.Type, "we accepted libzmq %v", theirT)
					if ev.Type == socket.EventHandshakeProtocol {
						require.ErrorIs(t, ev.Err, wire.ErrIncompatibleSocketType, "our event: %v", ev)
					} else {
						t.Logf("libzmq closed before its READY reached us: %v", ev)
						require.True(t, errors.Is(ev.Err, io.ErrUnexpectedEOF) || errors.Is(ev.Err, syscall.ECONNRESET),
							"our event: %v", ev)
					}

					// libzmq 4.3.4 reports no HANDSHAKE_FAILED_* event for a peer of the
					// wrong type under NULL (libzmq against libzmq behaves the same): its
					// monitor shows the connection end, DISCONNECTED, and never
					// HANDSHAKE_SUCCEEDED. Accept a HANDSHAKE_FAILED_* should a later
					// libzmq add one.
					for {
						e := mon.waitFor(t, zmq.EVENT_DISCONNECTED|zmq.EVENT_HANDSHAKE_SUCCEEDED|
							zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL|zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL|zmq.EVENT_HANDSHAKE_FAILED_AUTH)
						t.Logf("libzmq: %v", e)
						require.NotEqual(t, zmq.EVENT_HANDSHAKE_SUCCEEDED, e.Type, "libzmq accepted our %v", ourT)
						if e.Type == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL {
							require.Equal(t, protocolErrorInvalidMetadata, e.Value, "libzmq protocol error code %#x", e.Value)
						}
						if e.Type == zmq.EVENT_DISCONNECTED {
							break
						}
					}
					require.Equal(t, uint64(0), o.s.Stats().MsgsRecv)
				})
			}
		}
	}
}

// waitOurEventOf returns the first event on mon of one of the types in want.
func waitOurEventOf(t testing.TB, mon <-chan socket.Event, want ...socket.EventType) socket.Event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case e := <-mon:
			for _, w := range want {
				if e.Type == w {
					return e
				}
			}
			seen = append(seen, e.String())
		case <-timer.C:
			t.Fatalf("no %v event within %v; saw %q", want, wait, seen)
		}
	}
}
