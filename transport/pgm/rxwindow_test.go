package pgm

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1_700_000_000, 0)

func popAll(w *rxWindow) (payloads []string, lost uint32) {
	for {
		p, l, ok := w.pop()
		if !ok {
			return
		}
		lost += l
		if p != nil {
			payloads = append(payloads, string(p))
		}
	}
}

func TestRxWindowReorder(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for _, base := range []uint32{0, 1000, 0xFFFFFFFE} { // wrap-around too
		w := newRxWindow(100)
		require.Equal(t, dataInOrder, w.onData(base, base, []byte("a"), t0, rnd))
		require.Equal(t, dataHeld, w.onData(base+3, base, []byte("d"), t0, rnd))
		require.Equal(t, dataHeld, w.onData(base+2, base, []byte("c"), t0, rnd))
		require.Equal(t, dataDuplicate, w.onData(base+2, base, []byte("c"), t0, rnd))
		require.Equal(t, dataDuplicate, w.onData(base, base, []byte("a"), t0, rnd))
		got, _ := popAll(w)
		require.Empty(t, got, "waiting for base+1")
		require.Len(t, w.miss, 1)
		require.Equal(t, dataInOrder, w.onData(base+1, base, []byte("b"), t0, rnd))
		got, lost := popAll(w)
		require.Equal(t, []string{"c", "d"}, got)
		require.Zero(t, lost)
		require.True(t, w.idle())
	}
}

func TestRxWindowNAKCycle(t *testing.T) {
	rnd := rand.New(rand.NewPCG(2, 2))
	w := newRxWindow(100)
	w.onData(10, 10, []byte("a"), t0, rnd)
	w.onData(14, 10, []byte("e"), t0, rnd)
	// Nothing before the back-off; NAKs (with an NLA) by NAK_BO_IVL.
	naks, next := w.timers(t0, true, rnd, nil)
	require.Empty(t, naks)
	require.False(t, next.IsZero())
	require.LessOrEqual(t, next.Sub(t0), nakBackoffIvl)
	now := t0.Add(nakBackoffIvl)
	naks, _ = w.timers(now, true, rnd, nil)
	slices.Sort(naks)
	require.Equal(t, []uint32{11, 12, 13}, naks)
	// No repeat before NAK_RPT_IVL.
	naks, _ = w.timers(now.Add(nakRepeatIvl-time.Millisecond), true, rnd, nil)
	require.Empty(t, naks)
	// NCF for 11 and 12: they wait for RDATA, 13 goes back to back-off.
	w.onNCF(11, now.Add(10*time.Millisecond))
	w.onNCF(12, now.Add(10*time.Millisecond))
	now = now.Add(nakRepeatIvl)
	naks, _ = w.timers(now, true, rnd, nil)
	require.Empty(t, naks)
	require.Equal(t, uint8(nakBackoff), w.miss[13].state)
	require.Equal(t, uint8(nakWaitData), w.miss[11].state)
	naks, _ = w.timers(now.Add(nakBackoffIvl), true, rnd, nil)
	require.Equal(t, []uint32{13}, naks)
	// RDATA arrives.
	for _, q := range []uint32{12, 13} {
		require.Equal(t, dataHeld, w.onData(q, 10, []byte{byte('a' + q - 10)}, now, rnd))
	}
	require.Equal(t, dataInOrder, w.onData(11, 10, []byte("b"), now, rnd))
	got, lost := popAll(w)
	require.Equal(t, []string{"c", "d", "e"}, got)
	require.Zero(t, lost)
}

func TestRxWindowGiveUp(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	w := newRxWindow(100)
	w.onData(0, 0, []byte("a"), t0, rnd)
	w.onData(2, 0, []byte("c"), t0, rnd)
	now := t0
	sent := 0
	for i := 0; i < 10000 && len(w.miss) > 0; i++ {
		now = now.Add(10 * time.Millisecond)
		naks, _ := w.timers(now, true, rnd, nil)
		sent += len(naks)
		if _, l, ok := w.pop(); ok {
			require.Equal(t, uint32(1), l)
			break
		}
	}
	require.Equal(t, nakNcfRetries, sent, "one NAK per NCF retry")
	// Unanswered NAKs give up after about retries × (back-off + repeat).
	require.Less(t, now.Sub(t0), nakNcfRetries*(nakRepeatIvl+nakBackoffIvl+20*time.Millisecond))
	got, _ := popAll(w)
	require.Equal(t, []string{"c"}, got)

	// Without an NLA no NAK is sent, and the wait is still bounded.
	w = newRxWindow(100)
	w.onData(0, 0, []byte("a"), t0, rnd)
	w.onData(2, 0, []byte("c"), t0, rnd)
	now = t0
	for i := 0; i < 10000; i++ {
		now = now.Add(10 * time.Millisecond)
		naks, _ := w.timers(now, false, rnd, nil)
		require.Empty(t, naks)
		if _, _, ok := w.pop(); ok {
			break
		}
	}
	require.Less(t, now.Sub(t0), 20*time.Second)
}

func TestRxWindowTrail(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 4))
	w := newRxWindow(100)
	w.onData(0, 0, []byte("a"), t0, rnd)
	w.onData(5, 0, []byte("f"), t0, rnd)
	// The source's trail moves to 3: 1 and 2 are gone, 3 and 4 still NAKable.
	w.onData(6, 3, []byte("g"), t0, rnd)
	_, lost := popAll(w)
	require.Equal(t, uint32(2), lost)
	require.Equal(t, uint32(3), w.next)
	// A trail far beyond the window drops everything.
	w.onSPM(1_000_000, 1_000_005, t0, rnd)
	_, lost = popAll(w)
	require.Equal(t, uint32(1_000_000-3), lost)
	require.Equal(t, uint32(1_000_000), w.next)
	require.LessOrEqual(t, len(w.miss), 100)
}

func TestRxWindowSPM(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	// SPM first: the window starts after its lead.
	w := newRxWindow(100)
	w.onSPM(0, 41, t0, rnd)
	require.Equal(t, dataDuplicate, w.onData(41, 0, []byte("old"), t0, rnd))
	require.Equal(t, dataInOrder, w.onData(42, 0, []byte("new"), t0, rnd))
	// Tail loss: an SPM with a later lead marks the missing tail.
	w.onSPM(0, 45, t0, rnd)
	require.Len(t, w.miss, 3)
	// An absurd lead only marks what fits in the window.
	w.onSPM(0, 0x7FFFFFF0, t0, rnd)
	require.LessOrEqual(t, len(w.miss), 100)
}
