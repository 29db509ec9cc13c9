package socket

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	idleConns   = flag.Int("idleconns", 2000, "connections BenchmarkIdleConnMemory holds open")
	idleHeapOut = flag.String("idleheap", "", "BenchmarkIdleConnMemory writes a heap profile here while the connections are idle")
)

// The client process of BenchmarkIdleConnMemory is this test binary, run again with
// these variables set.
const (
	idleClientEndpoint = "ZMQ_IDLE_CLIENT_ENDPOINT"
	idleClientCount    = "ZMQ_IDLE_CLIENT_COUNT"
)

// BenchmarkIdleConnMemory measures what an idle stream connection costs the ROUTER that
// accepted it. -idleconns DEALERs (2000 by default) connect from another process, so
// that the figures hold the server's memory only; each makes one request, which the
// ROUTER answers, and then stays connected without traffic. The benchmark reports, per
// connection, the growth of the Go heap in use (heap-B/conn: spans; live-B/conn: the
// objects in them) and of goroutine stacks in use (after four collections, so that no
// pool holds what traffic left behind: after two, some pooled buffers are still counted), their sum (B/conn: spans and stacks), the growth
// of the process's resident set (Linux), and the goroutines the connection keeps. Run it once per
// transport with -benchtime=1x; every further iteration repeats the whole measurement.
func BenchmarkIdleConnMemory(b *testing.B) {
	for _, tr := range []string{"tcp", "ipc"} {
		b.Run(tr, func(b *testing.B) {
			var heap, live, stack, rss, gs float64
			for range b.N {
				m := measureIdleConns(b, tr, *idleConns)
				heap += m.heap
				live += m.live
				stack += m.stack
				rss += m.rss
				gs += m.goroutines
			}
			n := float64(b.N)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(heap/n, "heap-B/conn")
			b.ReportMetric(live/n, "live-B/conn")
			b.ReportMetric(stack/n, "stack-B/conn")
			b.ReportMetric((heap+stack)/n, "B/conn")
			if rss != 0 {
				b.ReportMetric(rss/n, "rss-B/conn")
			}
			b.ReportMetric(gs/n, "goroutines/conn")
		})
	}
}

// idleCost is the growth per connection of each measure.
type idleCost struct{ heap, live, stack, rss, goroutines float64 }

// idleSnapshot reads the measures after four collections: they free what traffic left
// unreferenced, empty the pools, and shrink goroutine stacks that are mostly unused.
// heap counts the spans in use, live only the objects in them.
func idleSnapshot() (heap, live, stack, rss uint64, goroutines int) {
	runtime.GC()
	runtime.GC()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.HeapAlloc, ms.StackInuse, residentBytes(), runtime.NumGoroutine()
}

// residentBytes returns the process's resident set size, or 0 where /proc is missing.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// measureIdleConns binds a ROUTER, has n DEALERs of a client process connect to it and
// make one request each, answers them, and returns what the idle connections cost.
func measureIdleConns(b *testing.B, tr string, n int) idleCost {
	b.StopTimer()
	defer b.StartTimer()
	router := newSocket(b, Router, Options{})
	ep := bind(b, router, tr)
	heap0, live0, stack0, rss0, g0 := idleSnapshot()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleConnClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), idleClientEndpoint+"="+ep, idleClientCount+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(b, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	defer func() {
		stdin.Close() // the clients close and exit when their input ends
		require.NoError(b, cmd.Wait())
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range n {
		m, err := router.Recv(ctx)
		require.NoError(b, err, "request %d of %d", i+1, n)
		require.NoError(b, router.Send(ctx, NewMsg(m.Frames[0], []byte("world"))))
		m.Release()
	}
	ready, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(b, err, "the client process ended before its clients were ready")
	require.Equal(b, "ready\n", ready)

	heap1, live1, stack1, rss1, g1 := idleSnapshot()
	if *idleHeapOut != "" {
		f, err := os.Create(fmt.Sprintf("%s.%s", *idleHeapOut, tr))
		require.NoError(b, err)
		require.NoError(b, pprof.Lookup("heap").WriteTo(f, 0))
		require.NoError(b, f.Close())
	}
	per := func(after, before uint64) float64 { return (float64(after) - float64(before)) / float64(n) }
	c := idleCost{heap: per(heap1, heap0), live: per(live1, live0), stack: per(stack1, stack0), goroutines: float64(g1-g0) / float64(n)}
	if rss0 != 0 && rss1 != 0 {
		c.rss = per(rss1, rss0)
	}
	return c
}

// TestIdleConnClients is the client process of BenchmarkIdleConnMemory: it connects the
// DEALERs, makes one round trip on each, says "ready" on its output and keeps them
// connected until its input ends.
func TestIdleConnClients(t *testing.T) {
	ep := os.Getenv(idleClientEndpoint)
	if ep == "" {
		t.Skip("runs only as the client process of BenchmarkIdleConnMemory")
	}
	n, err := strconv.Atoi(os.Getenv(idleClientCount))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dealers := make([]*Socket, n)
	for i := range dealers {
		d, err := New(Dealer, Options{})
		require.NoError(t, err)
		defer d.Close()
		require.NoError(t, d.Connect(ep))
		require.NoError(t, d.Send(ctx, NewMsgString("hello")))
		dealers[i] = d
	}
	for _, d := range dealers {
		m, err := d.Recv(ctx)
		require.NoError(t, err)
		require.Equal(t, "world", string(m.Frames[0]))
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}
