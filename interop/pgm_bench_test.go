//go:build cgo && linux

package interop

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brokerless/zmq/internal/netns"
	"github.com/brokerless/zmq/socket"
	"github.com/stretchr/testify/require"
)

// Multicast throughput and latency, ours and libzmq's, across the veth pair of
// two namespaces, at the same rate on both sides. Not part of the normal run:
//
//	cd interop && PGM_BENCH=1 go test -count=1 -run TestPgmBench -v .
//
// Throughput: one publisher sends N messages of one size as fast as its
// socket takes them (queues unlimited, so the rate limit paces the wire);
// the subscriber times first to last message. Latency: a ping-pong over two
// groups, one per direction, 500 round trips.

var pgmBenchParams = pgmParams{rate: 100_000, ivl: 2 * time.Second} // 100 Mbit/s

func TestPgmBench(t *testing.T) {
	if netns.InChild() {
		t.Skip("in a child")
	}
	if os.Getenv("PGM_BENCH") == "" {
		t.Skip("benchmark: set PGM_BENCH=1 to run it")
	}
	impls := [][2]string{{"libzmq", "libzmq"}, {"ours", "libzmq"}, {"libzmq", "ours"}, {"ours", "ours"}}
	var rows []string
	for _, size := range []int{64, 1000} {
		n := 10_000
		if size < 100 {
			n = 50_000
		}
		for _, im := range impls {
			res := pgmBenchRun(t, "throughput", im, size, n)
			rows = append(rows, fmt.Sprintf("| throughput %d B | %s → %s | %s |", size, im[0], im[1], res))
		}
	}
	for _, im := range impls {
		res := pgmBenchRun(t, "latency", im, 64, 500)
		rows = append(rows, fmt.Sprintf("| ping-pong RTT 64 B | %s ↔ %s | %s |", im[0], im[1], res))
	}
	t.Logf("rate %d kbit/s, recovery %v, epgm across a veth pair\n| test | pair | result |\n|---|---|---|\n%s",
		pgmBenchParams.rate, pgmBenchParams.ivl, strings.Join(rows, "\n"))
}

// pgmBenchRun runs one measurement in a fresh pair and returns its result line.
func pgmBenchRun(t *testing.T, kind string, im [2]string, size, n int) string {
	group, port := pgmGroup()
	group2, port2 := pgmGroup()
	p := netns.NewPair(t)
	dir := t.TempDir()
	ep := func(side int, g string, port int) string {
		return fmt.Sprintf("epgm://%s;%s:%d", p.Addr[side], g, port)
	}
	env := append(pgmBenchParams.env(), pgmDirEnv+"="+dir, "PGM_BENCH_KIND="+kind,
		fmt.Sprintf("PGM_BENCH_SIZE=%d", size), fmt.Sprintf("PGM_BENCH_N=%d", n))
	// Side 0 publishes (or pings on group, hears pongs on group2); side 1
	// subscribes (or answers).
	a := p.RunTest(t, 1, "TestPgmBenchSide", time.Minute, append(env, "PGM_ROLE=b", pgmImplEnv+"="+im[1],
		pgmEPEnv+"="+ep(1, group, port), "PGM_ENDPOINT2="+ep(1, group2, port2))...)
	b := p.RunTest(t, 0, "TestPgmBenchSide", time.Minute, append(env, "PGM_ROLE=a", pgmImplEnv+"="+im[0],
		pgmEPEnv+"="+ep(0, group, port), "PGM_ENDPOINT2="+ep(0, group2, port2))...)
	aOut, aErr := a()
	bOut, bErr := b()
	childPassed(t, im[1]+" side b", aOut, aErr)
	childPassed(t, im[0]+" side a", bOut, bErr)
	res, err := os.ReadFile(filepath.Join(dir, "result"))
	require.NoError(t, err)
	return string(res)
}

// TestPgmBenchSide is a child of TestPgmBench. Role a publishes (throughput)
// or pings (latency); role b subscribes or answers.
func TestPgmBenchSide(t *testing.T) {
	if !netns.Child(t) {
		t.Skip("helper process for TestPgmBench")
	}
	dir := os.Getenv(pgmDirEnv)
	markFailure(t, dir)
	impl, role, kind := os.Getenv(pgmImplEnv), os.Getenv("PGM_ROLE"), os.Getenv("PGM_BENCH_KIND")
	size, _ := strconv.Atoi(os.Getenv("PGM_BENCH_SIZE"))
	n, _ := strconv.Atoi(os.Getenv("PGM_BENCH_N"))
	params := pgmParamsFromEnv(t)
	payload := bytes.Repeat([]byte{'x'}, size)

	switch kind + "/" + role {
	case "throughput/a":
		pub := newPgmPeer(t, impl, socket.Pub, params, socket.Unlimited)
		pub.Connect(t, os.Getenv(pgmEPEnv))
		pgmWarmUp(t, pub, dir)
		for i := 0; i < n; i++ {
			pub.SendBytes(t, []byte("D"), payload)
		}
		for deadline := time.Now().Add(45 * time.Second); !marked(dir, "done"); {
			require.True(t, time.Now().Before(deadline), "subscriber not done")
			pub.Send(t, "E")
			time.Sleep(20 * time.Millisecond)
		}

	case "throughput/b":
		sub := newPgmPeer(t, impl, socket.Sub, params, socket.Unlimited)
		sub.Subscribe(t, "")
		sub.Connect(t, os.Getenv(pgmEPEnv))
		_, ok := sub.TryRecv(t, 15*time.Second)
		require.True(t, ok, "heard nothing")
		mark(t, dir, "ready")
		var first, last time.Time
		got, note := 0, ""
		for {
			m, ok := sub.TryRecv(t, 5*time.Second)
			if !ok {
				note = " (STALLED: nothing more for 5 s)"
				break
			}
			if string(m[0]) == "E" {
				break
			}
			if string(m[0]) != "D" {
				continue
			}
			if got == 0 {
				first = time.Now()
			}
			last = time.Now()
			got++
		}
		el := last.Sub(first).Seconds()
		res := fmt.Sprintf("%d/%d msgs in %.2f s: %.0f msg/s, %.1f Mbit/s payload%s", got, n, el,
			float64(got-1)/el, float64((got-1)*size*8)/el/1e6, note)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "result"), []byte(res), 0o644))
		mark(t, dir, "done")

	case "latency/a":
		pub := newPgmPeer(t, impl, socket.Pub, params, 0)
		pub.Connect(t, os.Getenv(pgmEPEnv))
		sub := newPgmPeer(t, impl, socket.Sub, params, 0)
		sub.Subscribe(t, "")
		sub.Connect(t, os.Getenv("PGM_ENDPOINT2"))
		// Both directions join at a message boundary: ping until a pong comes back.
		for i, deadline := 0, time.Now().Add(15*time.Second); ; i++ {
			require.True(t, time.Now().Before(deadline), "no pong within 15 s")
			pub.Send(t, "W")
			if _, ok := sub.TryRecv(t, 10*time.Millisecond); ok {
				break
			}
		}
		for _, ok := sub.TryRecv(t, 50*time.Millisecond); ok; _, ok = sub.TryRecv(t, 50*time.Millisecond) {
		}
		rtts := make([]time.Duration, 0, n)
		for i := 0; i < n; i++ {
			seq := []byte(strconv.Itoa(i))
			start := time.Now()
			pub.SendBytes(t, seq, payload)
			for {
				m, ok := sub.TryRecv(t, 5*time.Second)
				require.True(t, ok, "pong %d lost", i)
				if bytes.Equal(m[0], seq) {
					break
				}
			}
			rtts = append(rtts, time.Since(start))
		}
		slices.Sort(rtts)
		res := fmt.Sprintf("median %v, p99 %v (%d round trips)", rtts[len(rtts)/2].Round(time.Microsecond),
			rtts[len(rtts)*99/100].Round(time.Microsecond), n)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "result"), []byte(res), 0o644))
		mark(t, dir, "done")

	case "latency/b":
		sub := newPgmPeer(t, impl, socket.Sub, params, 0)
		sub.Subscribe(t, "")
		sub.Connect(t, os.Getenv(pgmEPEnv))
		pub := newPgmPeer(t, impl, socket.Pub, params, 0)
		pub.Connect(t, os.Getenv("PGM_ENDPOINT2"))
		for deadline := time.Now().Add(50 * time.Second); !marked(dir, "done"); {
			require.True(t, time.Now().Before(deadline), "pinger not done")
			if m, ok := sub.TryRecv(t, 20*time.Millisecond); ok {
				pub.SendBytes(t, m...)
			}
		}

	default:
		t.Fatalf("unknown PGM_BENCH_KIND/PGM_ROLE %s/%s", kind, role)
	}
}

// pgmWarmUp publishes until the subscriber marks "ready".
func pgmWarmUp(t *testing.T, pub peer, dir string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !marked(dir, "ready"); {
		require.False(t, marked(dir, "failed"), "subscriber failed during the warm-up")
		require.True(t, time.Now().Before(deadline), "subscriber heard nothing within 15 s")
		pub.Send(t, "W")
		time.Sleep(10 * time.Millisecond)
	}
}
