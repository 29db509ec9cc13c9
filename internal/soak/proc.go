package soak

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ReadyLine is what a soak peer writes on standard error as soon as it runs,
// before it makes its sockets: the orchestrator times recovery from it, so that a
// process that a loaded machine is slow to start is not charged to the library. A
// device's first line on standard error (its log) counts the same.
const ReadyLine = "soakready"

// proc is one process incarnation started inside a namespace.
type proc struct {
	name    string
	kind    string // "ours", "libzmq" or "device"
	start   time.Time
	ready   chan struct{} // closed at the process's first line on stderr
	readyAt time.Time     // set before ready closes
	cmd     interface{ Wait() error }
	process *os.Process
	done    chan struct{}
	exitErr error
	readers sync.WaitGroup

	mu         sync.Mutex
	goroutines int // last reported, -1 if never
	panics     []string
	tail       []string // last lines of stderr
	samples    []Sample
}

// panicMarkers are stderr lines that mean a process crashed or raced.
var panicMarkers = []string{"panic:", "fatal error:", "WARNING: DATA RACE"}

// startProc starts args inside ns. stdout, if not nil, consumes the process's
// standard output; stderr is scanned for panics and goroutine reports and
// copied to log.
// hook, if not nil, sees every stderr line first and returns true for those
// it consumed.
func startProc(t *Topology, ns, name, kind string, log io.Writer, stdout func(io.Reader), hook func(string) bool, args ...string) (*proc, error) {
	cmd := t.Command(ns, args[0], args[1:]...)
	dieWithParent(cmd)
	outR, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{name: name, kind: kind, cmd: cmd, done: make(chan struct{}), ready: make(chan struct{}), goroutines: -1}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.start, p.process = time.Now(), cmd.Process
	p.readers.Add(2)
	go func() {
		defer p.readers.Done()
		if stdout != nil {
			stdout(outR)
		}
		_, _ = io.Copy(io.Discard, outR)
	}()
	go func() {
		defer p.readers.Done()
		p.scanStderr(errR, log, hook)
	}()
	go func() {
		p.readers.Wait()
		p.exitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) scanStderr(r io.Reader, log io.Writer, hook func(string) bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			p.readyAt, first = time.Now(), false
			close(p.ready)
		}
		if line == ReadyLine {
			continue
		}
		if hook != nil && hook(line) {
			continue
		}
		if g, ok := strings.CutPrefix(line, "soakstat goroutines="); ok {
			if n, err := strconv.Atoi(g); err == nil {
				p.mu.Lock()
				p.goroutines = n
				p.mu.Unlock()
			}
			continue
		}
		fmt.Fprintf(log, "%s: %s\n", p.name, line)
		p.mu.Lock()
		for _, m := range panicMarkers {
			if strings.Contains(line, m) {
				p.panics = append(p.panics, line)
			}
		}
		if len(p.tail) == 20 {
			p.tail = p.tail[1:]
		}
		p.tail = append(p.tail, line)
		p.mu.Unlock()
	}
}

// waitReady waits up to limit for the process's first line on stderr and returns
// when it came, or the zero time if it did not come in time or the process exited
// without one.
func (p *proc) waitReady(limit time.Duration) time.Time {
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-p.ready:
		return p.readyAt
	case <-p.done:
	case <-t.C:
	}
	return time.Time{}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	_ = p.process.Kill()
	<-p.done
}

// stop sends SIGTERM and waits up to grace for a clean exit, then kills. It
// returns an error unless the process exited with status 0.
func (p *proc) stop(grace time.Duration) error {
	_ = p.process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
		return fmt.Errorf("%s did not exit within %v of SIGTERM", p.name, grace)
	}
	if p.exitErr != nil {
		return fmt.Errorf("%s exited: %v (last stderr: %s)", p.name, p.exitErr, strings.Join(p.lastLines(3), " | "))
	}
	return nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) lastLines(n int) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tail[max(0, len(p.tail)-n):]...)
}

// sample reads the process's resident set size from /proc and records it
// with the last goroutine count it reported.
func (p *proc) sample(since time.Time) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.process.Pid))
	if err != nil {
		return
	}
	var rss int64 = -1
	for _, l := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(l, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v))
			if len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					rss = kb << 10
				}
			}
		}
	}
	if rss < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.samples = append(p.samples, Sample{At: time.Since(since), RSS: rss, Goroutines: p.goroutines})
}

func (p *proc) memory() []Sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Sample(nil), p.samples...)
}

func (p *proc) panicked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.panics...)
}
