package portlock

import (
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReserveBelowEphemeralRange(t *testing.T) {
	low, ok := ephemeralLow()
	if !ok {
		t.Skip("the ephemeral port range cannot be read on this system")
	}
	seen := map[int]bool{}
	var held []*Port
	for range 50 {
		p, err := Reserve()
		require.NoError(t, err)
		held = append(held, p)
		require.GreaterOrEqual(t, p.Num, lowest)
		require.Less(t, p.Num, low, "a port the kernel may hand to a connect")
		require.False(t, seen[p.Num], "port %d reserved twice", p.Num)
		seen[p.Num] = true
	}
	// The reserved port can be bound by whoever it was reserved for.
	l, err := net.Listen("tcp", "127.0.0.1:"+held[0].String())
	require.NoError(t, err)
	l.Close()
	for _, p := range held {
		p.Release()
	}
}

// The lock is what keeps another process off a reserved port: flock locks belong to
// an open file, so a second open in this process is refused as another process's
// would be, until the reservation is released.
func TestReservationLocksOutOthers(t *testing.T) {
	if _, ok := ephemeralLow(); !ok {
		t.Skip("the ephemeral port range cannot be read on this system")
	}
	p, err := Reserve()
	require.NoError(t, err)
	path := filepath.Join(os.TempDir(), "brokerless-zmq-ports", strconv.Itoa(p.Num))
	f, err := tryLock(path)
	require.NoError(t, err)
	require.Nil(t, f, "a reserved port's lock was taken again")
	p.Release()
	p.Release() // twice is harmless
	f, err = tryLock(path)
	require.NoError(t, err)
	require.NotNil(t, f, "a released port stayed locked")
	unlock(f)
}

// A port something listens on is never handed out, even with its lock free.
func TestReserveSkipsBoundPorts(t *testing.T) {
	low, ok := ephemeralLow()
	if !ok {
		t.Skip("the ephemeral port range cannot be read on this system")
	}
	// Occupy a window of ports and make Reserve try them first.
	var ls []net.Listener
	occupied := map[int]bool{}
	for n := lowest; n < lowest+20 && n < low; n++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(n))
		if err != nil {
			continue // taken already: just as good
		}
		ls = append(ls, l)
		occupied[n] = true
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	require.NotEmpty(t, occupied)
	next := 0
	pick = func(int) int { next++; return next - 1 }
	defer func() { pick = rand.IntN }()
	p, err := Reserve()
	require.NoError(t, err)
	defer p.Release()
	require.False(t, occupied[p.Num], "port %d is bound", p.Num)
	require.Greater(t, next, len(occupied), "the bound ports were not tried")
}
