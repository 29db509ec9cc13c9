// Package harness runs the benchmark programs of every implementation as child
// processes, pairs a binding process with a connecting one, and parses the lines of
// libzmq's perf tools that all of them print. It is shared by the comparison program
// and the CI smoke test.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/brokerless/zmq/internal/portlock"
)

// Program is one implementation's set of benchmark binaries.
type Program struct {
	Key  string // short name: libzmq, pebbe, gozmq, ours, floor
	Name string // display name
	// Argv returns the command line of one test, such as
	// Argv("local_thr", "tcp://127.0.0.1:5555", "64", "1000").
	Argv func(test string, args ...string) []string
	// Env holds extra environment variables for every process of the program, such as
	// GOMAXPROCS=1.
	Env []string
}

// CProgram is a program made of one binary per test (the libzmq C programs in dir).
func CProgram(key, name, dir string) Program {
	return Program{Key: key, Name: name, Argv: func(test string, args ...string) []string {
		return append([]string{filepath.Join(dir, test)}, args...)
	}}
}

// GoProgram is a program made of one binary with subcommands (zmqbench and its peers).
func GoProgram(key, name, bin string) Program {
	return Program{Key: key, Name: name, Argv: func(test string, args ...string) []string {
		return append([]string{bin, test}, args...)
	}}
}

// Result is what a run printed, in libzmq's lines.
type Result struct {
	Size       int
	Roundtrips int     // latency tests
	LatencyUS  float64 // mean one-way, latency tests
	Count      int     // throughput tests
	MsgPerSec  float64 // throughput tests
	Mbps       float64
	Conns      int     // connection-rate tests (remote_conn)
	ConnPerSec float64 // connection-rate tests
	// RTTUS holds the round-trip percentiles in µs that a latency test prints with
	// -percentiles ("roundtrip p99: 79.608 [us]"), keyed p50, p90, p99, p99.9, max;
	// nil when it printed none.
	RTTUS map[string]float64
}

// Curve returns p with -curve as its first argument, which zmqbench and the C programs
// of bench/peers/c read as CURVE mode (zmq_curve(7)'s example keys, the binding end the
// server).
func Curve(p Program, key, name string) Program {
	argv := p.Argv
	p.Key, p.Name = key, name
	p.Argv = func(test string, args ...string) []string {
		a := argv(test, args...)
		return append([]string{a[0], "-curve"}, a[1:]...)
	}
	return p
}

// Seconds estimates how long the measured part of the run took.
func (r Result) Seconds() float64 {
	if r.Roundtrips > 0 {
		return float64(r.Roundtrips) * 2 * r.LatencyUS / 1e6
	}
	if r.MsgPerSec > 0 {
		return float64(r.Count) / r.MsgPerSec
	}
	if r.ConnPerSec > 0 {
		return float64(r.Conns) / r.ConnPerSec
	}
	return 0
}

// Parse reads libzmq's perf lines. It requires "message size" and either the latency
// pair ("roundtrip count", "average latency"), the throughput triple ("message count"
// and both "mean throughput" lines) or the connection-rate pair of remote_conn
// ("connection count", "mean connection rate"). The round-trip percentile lines of
// -percentiles, if any, go to RTTUS.
func Parse(out string) (Result, error) {
	var r Result
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		num := func(unit string) (float64, error) {
			v := strings.TrimSpace(strings.TrimSuffix(val, unit))
			return strconv.ParseFloat(v, 64)
		}
		var err error
		var f float64
		switch {
		case key == "message size":
			f, err = num("[B]")
			r.Size = int(f)
		case key == "roundtrip count":
			f, err = num("")
			r.Roundtrips = int(f)
		case key == "average latency":
			r.LatencyUS, err = num("[us]")
		case key == "message count":
			f, err = num("")
			r.Count = int(f)
		case key == "mean throughput" && strings.HasSuffix(val, "[msg/s]"):
			r.MsgPerSec, err = num("[msg/s]")
			key += " msg/s"
		case key == "mean throughput" && strings.HasSuffix(val, "[Mb/s]"):
			r.Mbps, err = num("[Mb/s]")
			key += " Mb/s"
		case key == "connection count":
			f, err = num("")
			r.Conns = int(f)
		case key == "mean connection rate":
			r.ConnPerSec, err = num("[conn/s]")
		case strings.HasPrefix(key, "roundtrip p") || key == "roundtrip max":
			name := strings.TrimPrefix(key, "roundtrip ")
			if f, err = num("[us]"); err == nil {
				if r.RTTUS == nil {
					r.RTTUS = map[string]float64{}
				}
				r.RTTUS[name] = f
			}
		default:
			continue
		}
		if err != nil {
			return r, fmt.Errorf("bad line %q: %v", line, err)
		}
		seen[key] = true
	}
	if !seen["message size"] {
		return r, fmt.Errorf("no \"message size\" line in %q", out)
	}
	lat := seen["roundtrip count"] && seen["average latency"]
	thr := seen["message count"] && seen["mean throughput msg/s"] && seen["mean throughput Mb/s"]
	conn := seen["connection count"] && seen["mean connection rate"]
	complete := 0
	for _, ok := range []bool{lat, thr, conn} {
		if ok {
			complete++
		}
	}
	if complete != 1 {
		return r, fmt.Errorf("not exactly one complete latency, throughput or connection-rate report in %q", out)
	}
	return r, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, from below
// the kernel's ephemeral range so that the benchmark's own connections cannot take
// it before the program binds it. The port is not held: callers retry on "address
// already in use".
func FreePort() (int, error) {
	p, err := portlock.Reserve()
	if err != nil {
		return 0, err
	}
	p.Release()
	return p.Num, nil
}

// proc is a started child process.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan error
}

func start(ctx context.Context, argv []string, env []string) (*proc, error) {
	p := &proc{done: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, argv[0], argv[1:]...) // killed by pid when ctx ends
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = time.Second
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p, nil
}

func (p *proc) describe(err error) error {
	msg := strings.TrimSpace(p.stderr.String())
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if msg != "" {
		return fmt.Errorf("%s: %v: %s", filepath.Base(p.cmd.Path), err, msg)
	}
	return fmt.Errorf("%s: %v", filepath.Base(p.cmd.Path), err)
}

// Options tune a run.
type Options struct {
	Timeout time.Duration // whole run; zero means 60 s
	Env     []string      // extra environment variables for the children
}

// RunOne runs a one-process test (inproc_lat, inproc_thr) and parses its output.
func RunOne(argv []string, o Options) (Result, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout(o))
	defer cancel()
	p, err := start(ctx, argv, o.Env)
	if err != nil {
		return Result{}, "", err
	}
	if err := <-p.done; err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %v", timeout(o))
		}
		return Result{}, p.stdout.String(), p.describe(err)
	}
	r, err := Parse(p.stdout.String())
	return r, p.stdout.String(), err
}

func timeout(o Options) time.Duration {
	if o.Timeout <= 0 {
		return time.Minute
	}
	return o.Timeout
}

// RunPair starts bindArgv, waits until it listens on endpoint, starts connectArgv,
// waits for both, and parses the report of whichever printed one (local_thr or
// remote_lat).
func RunPair(bindArgv, connectArgv []string, endpoint string, o Options) (Result, string, error) {
	out, err := RunPairOutput(bindArgv, connectArgv, endpoint, o)
	if err != nil {
		return Result{}, out, err
	}
	r, err := Parse(out)
	return r, out, err
}

// RunPairOutput is RunPair for programs whose lines Parse does not read (the scale
// tests): it returns the binding process's standard output followed by the connecting
// one's.
func RunPairOutput(bindArgv, connectArgv []string, endpoint string, o Options) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout(o))
	defer cancel()
	binder, err := start(ctx, bindArgv, o.Env)
	if err != nil {
		return "", err
	}
	if err := waitListening(ctx, endpoint, binder); err != nil {
		cancel()
		<-binder.done
		return "", binder.describe(err)
	}
	connecter, err := start(ctx, connectArgv, o.Env)
	if err != nil {
		cancel()
		<-binder.done
		return "", err
	}
	// Wait for both, whichever ends first; a failure on one side dooms the other.
	var errs []error
	pending := map[*proc]bool{binder: true, connecter: true}
	for len(pending) > 0 {
		var ended *proc
		var err error
		select {
		case err = <-binder.done:
			ended = binder
		case err = <-connecter.done:
			ended = connecter
		}
		delete(pending, ended)
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("timed out after %v", timeout(o))
			}
			errs = append(errs, ended.describe(err))
			cancel()
		}
		if len(pending) == 1 && ended == binder && err == nil {
			// The binding side is done; give the other side a moment, no more.
			go func() {
				select {
				case <-time.After(10 * time.Second):
					cancel()
				case <-ctx.Done():
				}
			}()
		}
	}
	return binder.stdout.String() + connecter.stdout.String(), errors.Join(errs...)
}

// waitListening polls until endpoint accepts connections, without connecting to it (a
// probe connection would be a peer to the benchmark): a tcp port in LISTEN state in
// /proc/net/tcp{,6} (for tcp:// and ws:// endpoints), or an ipc path that exists. It fails early if p exits.
func waitListening(ctx context.Context, endpoint string, p *proc) error {
	var check func() bool
	switch {
	case strings.HasPrefix(endpoint, "tcp://"), strings.HasPrefix(endpoint, "ws://"):
		hostPort, _, _ := strings.Cut(endpoint[strings.Index(endpoint, "://")+3:], "/")
		_, port, err := net.SplitHostPort(hostPort)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(port)
		if err != nil {
			return fmt.Errorf("endpoint %q needs a concrete port", endpoint)
		}
		if _, err := os.Stat("/proc/net/tcp"); err != nil {
			check = sleepCheck(200 * time.Millisecond)
		} else {
			check = func() bool { return tcpListening(n) }
		}
	case strings.HasPrefix(endpoint, "ipc://@"):
		check = sleepCheck(200 * time.Millisecond)
	case strings.HasPrefix(endpoint, "ipc://"):
		path := endpoint[len("ipc://"):]
		check = func() bool {
			fi, err := os.Stat(path)
			return err == nil && fi.Mode()&os.ModeSocket != 0
		}
	default:
		return fmt.Errorf("unsupported endpoint %q", endpoint)
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !check() {
		select {
		case err := <-p.done:
			p.done <- err
			if err == nil {
				err = errors.New("exited before listening")
			}
			return err
		case <-ctx.Done():
			return fmt.Errorf("%s: not listening: %w", endpoint, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

func sleepCheck(d time.Duration) func() bool {
	until := time.Now().Add(d)
	return func() bool { return time.Now().After(until) }
}

// tcpListening reports whether /proc/net/tcp or tcp6 has a socket in LISTEN state (0A)
// on port.
func tcpListening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				return true
			}
		}
	}
	return false
}
