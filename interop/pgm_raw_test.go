//go:build cgo && linux

package interop

// The bare pgm engine as a multicast peer ("raw"): a pgm.Sender or
// pgm.Receiver with no socket layer, logging its counters every 250 ms, so
// that a failing case shows what the engine saw. PGM_TCPDUMP=<prefix> also
// captures each raw peer's namespace (debugging aid).

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerless/zmq/socket"
	"github.com/brokerless/zmq/transport/pgm"
	"github.com/brokerless/zmq/wire"
	"github.com/stretchr/testify/require"
)

func init() {
	extraPgmPeers["raw"] = func(t testing.TB, typ socket.Type, p pgmParams) peer {
		return &rawPgm{typ: typ, opts: pgm.Options{Rate: int64(p.rate) * 1000, RecoveryInterval: p.ivl}}
	}
}

// rawPgm is a peer made of a bare pgm.Sender or pgm.Receiver that logs its
// counters every 250 ms.
type rawPgm struct {
	typ  socket.Type
	opts pgm.Options
	snd  *pgm.Sender
	rcv  *pgm.Receiver
}

func (r *rawPgm) String() string    { return "raw pgm " + r.typ.String() }
func (r *rawPgm) Type() socket.Type { return r.typ }
func (r *rawPgm) ID() string        { return "" }
func (r *rawPgm) Bind(t testing.TB, tr string) string {
	t.Fatal("raw pgm: no Bind")
	return ""
}

func (r *rawPgm) Connect(t testing.TB, ep string) {
	t.Helper()
	scheme, addr, _ := strings.Cut(ep, "://")
	e, err := pgm.ParseEndpoint(scheme, addr)
	require.NoError(t, err)
	var stats func() any
	if r.typ == socket.Pub {
		r.snd, err = pgm.NewSender(e, r.opts)
		require.NoError(t, err)
		stats = func() any { return r.snd.Stats() }
		t.Cleanup(func() { r.snd.Close() })
	} else {
		r.rcv, err = pgm.NewReceiver(e, r.opts)
		require.NoError(t, err)
		stats = func() any { return r.rcv.Stats() }
		t.Cleanup(func() { r.rcv.Close() })
	}
	if f := os.Getenv("PGM_TCPDUMP"); f != "" {
		// Debugging aid: capture this namespace's UDP traffic.
		cmd := exec.Command("tcpdump", "-i", "any", "-n", "-U", "-w", f+"-"+r.typ.String()+".pcap", "udp")
		require.NoError(t, cmd.Start())
		time.Sleep(300 * time.Millisecond)
		t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() })
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				t.Logf("PGM: %s stats %+v", r, stats())
			}
		}
	})
	t.Cleanup(func() { close(stop); wg.Wait(); t.Logf("PGM: %s final stats %+v", r, stats()) })
}

func (r *rawPgm) Send(t testing.TB, frames ...string) { r.SendBytes(t, strFrames(frames)...) }
func (r *rawPgm) SendBytes(t testing.TB, frames ...[]byte) {
	t.Helper()
	require.NoError(t, r.snd.Send(wire.Msg{Frames: frames}))
}
func (r *rawPgm) SendRouted(t testing.TB, frames ...string) { r.Send(t, frames...) }
func (r *rawPgm) Recv(t testing.TB) [][]byte {
	t.Helper()
	m, ok := r.TryRecv(t, wait)
	require.True(t, ok, "raw pgm: nothing within %v", wait)
	return m
}

func (r *rawPgm) TryRecv(t testing.TB, d time.Duration) ([][]byte, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	m, err := r.rcv.Recv(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	require.NoError(t, err)
	return m.Frames, true
}
func (r *rawPgm) Subscribe(t testing.TB, topic string)   {}
func (r *rawPgm) Unsubscribe(t testing.TB, topic string) {}
