package perf

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

// Memory figures of the scale tests (zmqbench local_router and local_idle, and
// bench/peers/c's programs of the same names): the resident set of the process as
// Linux reports it in /proc/self/status, in KiB as that file gives it.

// RSS returns the resident set (VmRSS) and its peak so far (VmHWM) in KiB.
func RSS() (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	rss, peak = -1, -1
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, val, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(name) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &peak
		default:
			continue
		}
		f := bytes.Fields(val)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, 0, fmt.Errorf("/proc/self/status: bad line %q", sc.Text())
		}
		if *dst, err = strconv.ParseInt(string(f[0]), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/self/status: bad line %q", sc.Text())
		}
	}
	if rss < 0 || peak < 0 {
		return 0, 0, fmt.Errorf("/proc/self/status has no VmRSS or VmHWM")
	}
	return rss, peak, nil
}

// SteadyRSS returns the resident set in KiB once it has settled: it samples VmRSS
// every 100 ms until three samples in a row lie within 1% (or 64 KiB) of each other,
// and gives up after about 10 s with the last sample. A garbage collection that
// returns freed memory to the system (runtime.GC, debug.FreeOSMemory) precedes every
// sample, so the figure is what the process holds, not garbage awaiting collection.
// bench/peers/c's steady_rss_kib follows the same rule without the collection.
func SteadyRSS() (int64, error) {
	var last [3]int64
	for i := 0; i < 100; i++ {
		runtime.GC()
		debug.FreeOSMemory()
		rss, _, err := RSS()
		if err != nil {
			return 0, err
		}
		last[0], last[1], last[2] = last[1], last[2], rss
		if i >= 2 {
			lo, hi := min(last[0], last[1], last[2]), max(last[0], last[1], last[2])
			if hi-lo <= 64 || float64(hi-lo) <= 0.01*float64(hi) {
				return rss, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last[2], nil
}
