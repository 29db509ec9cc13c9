package device

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// pauseWindow is how long a test watches for a message that must not arrive.
const pauseWindow = 150 * time.Millisecond

// streamerRig is PUSH → streamer → PULL over one transport.
type streamerRig struct {
	push, pull        *socket.Socket
	frontend, backend *socket.Socket
}

func newStreamerRig(t *testing.T, tr string) *streamerRig {
	r := &streamerRig{
		push:     newSocket(t, socket.Push, socket.Options{}),
		pull:     newSocket(t, socket.Pull, socket.Options{}),
		frontend: newSocket(t, socket.Pull, socket.Options{}),
		backend:  newSocket(t, socket.Push, socket.Options{}),
	}
	connect(t, r.push, bind(t, r.frontend, tr))
	connect(t, r.pull, bind(t, r.backend, tr))
	return r
}

// wantStats is what the streamer has counted after n messages of frames "a", "bcd".
func wantStats(n uint64) Stats {
	return Stats{
		Frontend: SideStats{MsgsIn: 2 * n, BytesIn: 4 * n},
		Backend:  SideStats{MsgsOut: 2 * n, BytesOut: 4 * n},
	}
}

// TestSteerAPI pauses, resumes, counts and terminates a device from Go.
func TestSteerAPI(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		r := newStreamerRig(t, tr)
		d, err := NewStreamer(r.frontend, r.backend)
		require.NoError(t, err)
		stop := runDevice(t, d)

		send(t, r.push, "a", "bcd")
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		require.Equal(t, wantStats(1), d.Stats())

		d.Pause()
		require.True(t, d.Paused())
		d.Pause() // idempotent
		send(t, r.push, "a", "bcd")
		requireNothing(t, r.pull, pauseWindow)
		require.Equal(t, wantStats(1), d.Stats())
		d.Resume()
		require.False(t, d.Paused())
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		d.Resume() // idempotent
		require.Equal(t, wantStats(2), d.Stats())

		d.Terminate()
		require.NoError(t, stop())
	})
}

// TestSteerREP steers a device through a REP control socket, as a libzmq REQ client
// would: every command gets a reply.
func TestSteerREP(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		r := newStreamerRig(t, tr)
		control := newSocket(t, socket.Rep, socket.Options{})
		client := newSocket(t, socket.Req, socket.Options{})
		connect(t, client, bind(t, control, tr))
		d, err := NewStreamer(r.frontend, r.backend, WithControl(control))
		require.NoError(t, err)
		stop := runDevice(t, d)

		command := func(cmd ...string) socket.Msg {
			t.Helper()
			send(t, client, cmd...)
			m, err := client.Recv(ctxT(t))
			require.NoError(t, err)
			return m
		}
		empty := []string{""}
		stats := func() Stats {
			t.Helper()
			m := command(CmdStatistics)
			require.Len(t, m.Frames, 8)
			for _, f := range m.Frames {
				require.Len(t, f, 8)
			}
			st, err := ParseStats(m)
			require.NoError(t, err)
			return st
		}

		send(t, r.push, "a", "bcd")
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		require.Equal(t, wantStats(1), stats())

		require.Equal(t, empty, strs(command(CmdPause)))
		require.True(t, d.Paused(), "PAUSE pauses (libzmq 4.3.5 got this backwards)")
		send(t, r.push, "a", "bcd")
		requireNothing(t, r.pull, pauseWindow)
		require.Equal(t, wantStats(1), stats())

		require.Equal(t, empty, strs(command(CmdResume)))
		require.False(t, d.Paused())
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		require.Equal(t, wantStats(2), stats())

		// Unknown commands get an empty reply and change nothing.
		require.Equal(t, empty, strs(command("BOGUS")))
		require.Equal(t, empty, strs(command("PAUSE", "extra")))
		require.Equal(t, empty, strs(command("")))
		require.False(t, d.Paused())
		send(t, r.push, "a", "bcd")
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		require.Equal(t, wantStats(3), stats())

		// Host byte order, frame by frame, as libzmq memcpys it.
		m := command(CmdStatistics)
		require.Equal(t, uint64(6), binary.NativeEndian.Uint64(m.Frames[0]))
		require.Equal(t, uint64(12), binary.NativeEndian.Uint64(m.Frames[1]))
		require.Equal(t, uint64(0), binary.NativeEndian.Uint64(m.Frames[2]))
		require.Equal(t, uint64(6), binary.NativeEndian.Uint64(m.Frames[6]))

		require.Equal(t, empty, strs(command(CmdTerminate)))
		require.NoError(t, stop(), "TERMINATE makes Run return nil")
	})
}

// TestSteerPAIR steers a device through a PAIR control socket, which answers
// STATISTICS only.
func TestSteerPAIR(t *testing.T) {
	matrix(t, func(t *testing.T, tr string) {
		r := newStreamerRig(t, tr)
		control := newSocket(t, socket.Pair, socket.Options{})
		client := newSocket(t, socket.Pair, socket.Options{})
		connect(t, client, bind(t, control, tr))
		d, err := NewStreamer(r.frontend, r.backend, WithControl(control))
		require.NoError(t, err)
		wait := runUntilDone(t, d)

		// Commands run in order, so a STATISTICS reply proves the commands before it
		// took effect.
		stats := func() Stats {
			t.Helper()
			send(t, client, CmdStatistics)
			m, err := client.Recv(ctxT(t))
			require.NoError(t, err)
			st, err := ParseStats(m)
			require.NoError(t, err)
			return st
		}
		send(t, client, CmdPause)
		require.Equal(t, Stats{}, stats())
		send(t, r.push, "a", "bcd")
		requireNothing(t, r.pull, pauseWindow)
		send(t, client, "NONSENSE")
		require.Equal(t, Stats{}, stats(), "still serving, still paused")
		send(t, client, CmdResume)
		require.Equal(t, []string{"a", "bcd"}, recvStrings(t, r.pull))
		require.Equal(t, wantStats(1), stats())

		send(t, client, CmdTerminate)
		require.NoError(t, wait(), "TERMINATE makes Run return nil")
		requireNothing(t, client, 20*time.Millisecond) // no reply on PAIR
	})
}

// TestPauseBeforeRun starts a paused device, then resumes it.
func TestPauseBeforeRun(t *testing.T) {
	r := newStreamerRig(t, "inproc")
	d, err := NewStreamer(r.frontend, r.backend)
	require.NoError(t, err)
	d.Pause()
	runDevice(t, d)
	send(t, r.push, "x")
	requireNothing(t, r.pull, pauseWindow)
	d.Resume()
	require.Equal(t, []string{"x"}, recvStrings(t, r.pull))
}

// TestRunEnds checks each way Run returns, and that it waits for its goroutines (the
// leak check in TestMain would catch any left behind).
func TestRunEnds(t *testing.T) {
	t.Run("context", func(t *testing.T) {
		r := newStreamerRig(t, "inproc")
		err := func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			return Streamer(ctx, r.frontend, r.backend)
		}()
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("closed frontend", func(t *testing.T) {
		r := newStreamerRig(t, "tcp")
		d, err := NewStreamer(r.frontend, r.backend)
		require.NoError(t, err)
		wait := runUntilDone(t, d)
		send(t, r.push, "x")
		require.Equal(t, []string{"x"}, recvStrings(t, r.pull))
		require.NoError(t, r.frontend.Close())
		err = wait()
		require.ErrorIs(t, err, socket.ErrClosed)
		require.ErrorIs(t, err, net.ErrClosed)
		require.Contains(t, err.Error(), "device: frontend recv")
	})
	t.Run("closed backend while paused", func(t *testing.T) {
		q := newSocket(t, socket.Router, socket.Options{})
		dl := newSocket(t, socket.Dealer, socket.Options{})
		d, err := NewQueue(q, dl)
		require.NoError(t, err)
		wait := runUntilDone(t, d)
		d.Pause()
		require.NoError(t, dl.Close())
		d.Resume()
		require.ErrorIs(t, wait(), socket.ErrClosed)
	})
	t.Run("closed capture", func(t *testing.T) {
		r := newStreamerRig(t, "inproc")
		capture := newSocket(t, socket.Pub, socket.Options{})
		require.NoError(t, capture.Close())
		d, err := NewStreamer(r.frontend, r.backend, WithCapture(capture))
		require.NoError(t, err)
		wait := runUntilDone(t, d)
		send(t, r.push, "x")
		err = wait()
		require.ErrorIs(t, err, socket.ErrClosed)
		require.Contains(t, err.Error(), "device: capture send")
	})
	t.Run("terminate before run", func(t *testing.T) {
		r := newStreamerRig(t, "inproc")
		d, err := NewStreamer(r.frontend, r.backend)
		require.NoError(t, err)
		d.Terminate()
		require.NoError(t, d.Run(context.Background()))
		require.True(t, errors.Is(d.Run(context.Background()), ErrRunning))
	})
}

// TestProxySameSocket forwards from a socket back to itself, as zmq_proxy allows.
func TestProxySameSocket(t *testing.T) {
	echo := newSocket(t, socket.Dealer, socket.Options{})
	ep := bind(t, echo, "inproc")
	d, err := New(echo, echo)
	require.NoError(t, err)
	runDevice(t, d)
	peer := newSocket(t, socket.Dealer, socket.Options{})
	connect(t, peer, ep)
	send(t, peer, "ping", "1")
	require.Equal(t, []string{"ping", "1"}, recvStrings(t, peer))
	require.Equal(t, Stats{
		Frontend: SideStats{MsgsIn: 2, BytesIn: 5},
		Backend:  SideStats{MsgsOut: 2, BytesOut: 5},
	}, d.Stats())
}

func TestParseStats(t *testing.T) {
	want := Stats{
		Frontend: SideStats{MsgsIn: 1, BytesIn: 2, MsgsOut: 3, BytesOut: 4},
		Backend:  SideStats{MsgsIn: 5, BytesIn: 6, MsgsOut: 7, BytesOut: 1 << 40},
	}
	got, err := ParseStats(want.Msg())
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = ParseStats(socket.NewMsgString("x"))
	require.EqualError(t, err, "device: statistics reply has 1 frames, want 8")
	m := want.Msg()
	m.Frames[3] = m.Frames[3][:7]
	_, err = ParseStats(m)
	require.EqualError(t, err, "device: statistics frame 3 has 7 bytes, want 8")
}
