package soak

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config sets up a soak run.
type Config struct {
	Duration   time.Duration // the whole run, warm-up and drain included
	Rate       int           // messages per second per producer
	HWM        int           // send and receive high-water mark of every socket
	FaultEvery time.Duration // one fault starts this often
	Down       time.Duration // how long a killed process stays down
	CutFor     time.Duration // how long a link stays cut
	Ours       string        // the soak binary, run as "Ours peer ..."
	Libzmq     string        // the libzmq peer (bench/peers/cmd/soakpeer)
	Device     string        // zmqdevice
	Log        io.Writer     // progress and the processes' stderr
}

// Bounds on recovery. A restarted process must carry traffic within
// killRecovery of running (its first line on stderr; see ReadyLine). What the
// library promises there is small: a new process dials at once, and the peers
// of a restarted device redial within the reconnect interval plus its jitter
// (100 to 200 ms with the default options), then the handshake and, for
// pub/sub, the subscription travel one round trip. The rest of the bound is
// room for a loaded machine, which schedules a process late, and for queues
// that subscribers already behind have filled (the first message waits its
// turn behind them; see Fault.Transit). Process start-up itself (fork, ip
// netns exec, loading, the runtime), seen to take 5 s on a loaded machine, is
// not charged: it is reported beside. A restored link must carry traffic within
// its cut time plus cutRecovery, since TCP doubles its retransmission timeout
// while the link is cut and retries at most about the cut's length after the
// restore.
const (
	killRecovery = 5 * time.Second
	cutRecovery  = 3 * time.Second
	// startLimit bounds the wait for a restarted process to run.
	startLimit = 30 * time.Second
	// drainTime is kept free of faults at the end, for the last recovery
	// and the graceful stop.
	drainTime = 15 * time.Second
)

// role is one long-running part of the topology, restarted by faults.
type role struct {
	name, kind, ns string // kind: "ours" or "libzmq"
	sock           string // push, pull, pub, sub, req, rep; or the device: streamer, forwarder, queue
	path           string // the scenario: "pipeline", "pubsub" or "reqrep"
	push           bool   // a producer (a REQ client is one, and its own consumer too)
	endpoint       string // where it connects; a device's frontend,backend

	cur      *proc
	stream   uint32 // push: the current stream
	consumer int    // pull: the current consumer
	all      []*proc
}

// Runner runs the soak scenarios side by side over the same links: PUSH
// producers -> zmqdevice streamer -> PULL consumers (the pipeline), and PUB
// publishers -> zmqdevice forwarder -> SUB subscribers (pub/sub), and REQ
// clients -> zmqdevice queue -> REP workers (req/rep).
type Runner struct {
	cfg   Config
	topo  *Topology
	check *Checker
	start time.Time

	mu         sync.Mutex
	roles      []*role
	devices    []*role
	faults     []*Fault
	nextStream uint32
	nextCons   int
	stopErrs   []string
}

// Report is what a run measured.
type Report struct {
	Config   Config
	Started  time.Time
	Elapsed  time.Duration
	Streams  []StreamFigures
	Faults   []*Fault
	Result   Result
	Memory   []MemorySeries
	Problems []string // violations outside the message checker: panics, bad exits, growth
}

// StreamFigures is one producer incarnation's traffic.
type StreamFigures struct {
	Stream
	Received int
}

// MemorySeries is one process incarnation's samples and verdict.
type MemorySeries struct {
	Name     string
	Lifetime string // "whole run" or how long this incarnation lived
	Samples  []Sample
	Verdict  string // "" when flat, why not otherwise, "not judged: ..." when too short-lived
}

// OK reports whether the run broke no invariant.
func (r *Report) OK() bool { return r.Result.OK() && len(r.Problems) == 0 }

// Run builds the topology, runs the scenario for cfg.Duration, tears
// everything down (also when ctx is cancelled) and returns the report.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	topo, err := NewTopology()
	if err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, topo: topo, check: NewChecker(), nextStream: 1, nextCons: 1}
	defer func() {
		r.killAll()
		if cerr := topo.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return r.run(ctx)
}

func (r *Runner) logf(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, "%s soak: %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func (r *Runner) run(ctx context.Context) (*Report, error) {
	r.start = time.Now()
	t := r.topo
	ep := func(addr string, port int) string { return fmt.Sprintf("tcp://%s:%d", addr, port) }
	front, back := ep(t.DevFront, 5557), ep(t.DevBack, 5558)
	xsub, xpub := ep(t.DevFront, 5567), ep(t.DevBack, 5568)
	router, dealer := ep(t.DevFront, 5577), ep(t.DevBack, 5578)
	r.devices = []*role{
		{name: "streamer", kind: "ours", ns: t.Dev, sock: "streamer", path: "pipeline", endpoint: front + "," + back},
		{name: "forwarder", kind: "ours", ns: t.Dev, sock: "forwarder", path: "pubsub", endpoint: xsub + "," + xpub},
		{name: "queue", kind: "ours", ns: t.Dev, sock: "queue", path: "reqrep", endpoint: router + "," + dealer},
	}
	r.roles = []*role{
		{name: "pull-ours", kind: "ours", ns: t.Cons, sock: "pull", path: "pipeline", endpoint: back},
		{name: "pull-libzmq", kind: "libzmq", ns: t.Cons, sock: "pull", path: "pipeline", endpoint: back},
		{name: "push-ours-a", kind: "ours", ns: t.Prod, sock: "push", path: "pipeline", push: true, endpoint: front},
		{name: "push-ours-b", kind: "ours", ns: t.Prod, sock: "push", path: "pipeline", push: true, endpoint: front},
		{name: "push-libzmq", kind: "libzmq", ns: t.Prod, sock: "push", path: "pipeline", push: true, endpoint: front},
		{name: "sub-ours", kind: "ours", ns: t.Cons, sock: "sub", path: "pubsub", endpoint: xpub},
		{name: "sub-libzmq", kind: "libzmq", ns: t.Cons, sock: "sub", path: "pubsub", endpoint: xpub},
		{name: "pub-ours", kind: "ours", ns: t.Prod, sock: "pub", path: "pubsub", push: true, endpoint: xsub},
		{name: "pub-libzmq", kind: "libzmq", ns: t.Prod, sock: "pub", path: "pubsub", push: true, endpoint: xsub},
		{name: "rep-ours", kind: "ours", ns: t.Cons, sock: "rep", path: "reqrep", endpoint: dealer},
		{name: "rep-libzmq", kind: "libzmq", ns: t.Cons, sock: "rep", path: "reqrep", endpoint: dealer},
		{name: "req-ours", kind: "ours", ns: t.Prod, sock: "req", path: "reqrep", push: true, endpoint: router},
		{name: "req-libzmq", kind: "libzmq", ns: t.Prod, sock: "req", path: "reqrep", push: true, endpoint: router},
	}
	r.logf("namespaces %s, %s, %s; pipeline %s -> %s, pub/sub %s -> %s, req/rep %s -> %s",
		t.Prod, t.Dev, t.Cons, front, back, xsub, xpub, router, dealer)
	for _, ro := range append(append([]*role(nil), r.devices...), r.roles...) {
		if err := r.startRole(ro); err != nil {
			return nil, err
		}
	}

	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		r.sampleLoop(sampleCtx)
	}()
	defer func() { stopSampling(); sampler.Wait() }()

	if err := r.waitTraffic(ctx, 30*time.Second); err != nil {
		return nil, err
	}
	r.logf("traffic flowing on every stream after %v", time.Since(r.start).Round(time.Millisecond))

	if err := r.inject(ctx); err != nil {
		return nil, err
	}
	if err := r.finish(ctx); err != nil {
		return nil, err
	}
	stopSampling()
	sampler.Wait()
	return r.report(), nil
}

// inject runs the fault schedule until drainTime before the end.
func (r *Runner) inject(ctx context.Context) error {
	byName := map[string]*role{}
	for _, ro := range r.roles {
		byName[ro.name] = ro
	}
	kill := func(name string) func() error {
		return func() error { return r.killRestart(byName[name]) }
	}
	for _, d := range r.devices {
		byName[d.name] = d
	}
	schedule := []func() error{
		kill("push-libzmq"),
		func() error { return r.cut(r.topo.Prod, r.topo.ProdIf, "producer link") },
		kill("streamer"),
		kill("queue"),
		kill("forwarder"),
		func() error { return r.cut(r.topo.Cons, r.topo.ConsIf, "consumer link") },
		kill("push-ours-b"),
		kill("pull-libzmq"),
		kill("sub-libzmq"),
		kill("req-libzmq"),
		kill("pub-ours"),
	}
	end := r.start.Add(r.cfg.Duration - drainTime)
	next := time.Now().Add(r.cfg.FaultEvery)
	for i := 0; ; i++ {
		if !next.Before(end) {
			break
		}
		if err := r.schedule(ctx, next); err != nil {
			return err
		}
		if err := schedule[i%len(schedule)](); err != nil {
			return err
		}
		// The next fault waits for this one's recovery bound, so that its
		// recovery is seen before anything else breaks the path.
		r.mu.Lock()
		last := r.faults[len(r.faults)-1]
		r.mu.Unlock()
		next = next.Add(r.cfg.FaultEvery)
		from := last.End
		if last.Ready.After(from) {
			from = last.Ready
		}
		if settle := from.Add(last.MaxRecovery + 500*time.Millisecond); next.Before(settle) {
			next = settle
		}
	}
	// The load goes on, fault-free, for the last recoveries.
	return r.schedule(ctx, r.start.Add(r.cfg.Duration-2*time.Second))
}

// schedule waits until t, or returns ctx's error.
func (r *Runner) schedule(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (r *Runner) killRestart(ro *role) error {
	old := ro.cur
	oldStream, oldConsumer := ro.stream, ro.consumer
	old.kill()
	killed := time.Now()
	r.logf("killed %s (pid %d)", ro.name, old.process.Pid)
	if err := r.schedule(context.Background(), killed.Add(r.cfg.Down)); err != nil {
		return err
	}
	if err := r.startRole(ro); err != nil {
		return err
	}
	f := &Fault{Target: ro.name, Path: ro.path, Start: killed, End: ro.cur.start, MaxRecovery: killRecovery,
		Ready: ro.cur.waitReady(startLimit)}
	k := KernelBufferMax / MsgSize // messages one kernel socket buffer can hold
	h := r.cfg.HWM
	switch {
	case ro.sock == "queue":
		// A client sends its request again until it has the reply: nothing
		// may be missing.
		f.Kind, f.MaxLoss = KillDevice, 0
	case ro.sock == "streamer" || ro.sock == "forwarder":
		// Each of 3 producer pipes (2 for pub/sub): its receive queue,
		// kernel receive buffer and a decoder batch; each of 2 consumer
		// pipes: its send queue, kernel send buffer and an encoder batch.
		f.Kind, f.MaxLoss = KillDevice, 3*(h+2*k)+2*(h+2*k)
	case ro.push:
		// Its send queue, its encoder batch and its kernel send buffer.
		f.Kind, f.MaxLoss, f.Stream, f.NewStream = KillProducer, h+2*k, oldStream, ro.stream
		if ro.sock == "req" {
			f.OldConsumer, f.NewConsumer = oldConsumer, ro.consumer
		}
	default:
		// The device's send queue and buffers towards it, and its own
		// receive queue, kernel buffer and decoder batch.
		f.Kind, f.MaxLoss, f.OldConsumer, f.NewConsumer = KillConsumer, 2*h+4*k, oldConsumer, ro.consumer
	}
	r.mu.Lock()
	r.faults = append(r.faults, f)
	r.mu.Unlock()
	return nil
}

func (r *Runner) cut(ns, dev, what string) error {
	if err := r.topo.Cut(ns, dev); err != nil {
		return err
	}
	start := time.Now()
	r.logf("cut the %s", what)
	if err := r.schedule(context.Background(), start.Add(r.cfg.CutFor)); err != nil {
		return err
	}
	end := time.Now()
	if err := r.topo.Restore(ns); err != nil {
		return err
	}
	r.mu.Lock()
	r.faults = append(r.faults, &Fault{Kind: CutLink, Target: what, Start: start, End: end,
		MaxRecovery: r.cfg.CutFor + cutRecovery})
	r.mu.Unlock()
	return nil
}

// startRole starts a new incarnation of ro: a new stream for a producer, a
// new consumer id for a consumer.
func (r *Runner) startRole(ro *role) error {
	var args []string
	if ro.kind == "ours" {
		args = []string{r.cfg.Ours, "peer"}
	} else {
		args = []string{r.cfg.Libzmq}
	}
	var stdout func(io.Reader)
	var hook func(string) bool
	hwm := strconv.Itoa(r.cfg.HWM)
	r.mu.Lock()
	switch {
	case ro.sock == "streamer" || ro.sock == "forwarder" || ro.sock == "queue":
		eps := strings.SplitN(ro.endpoint, ",", 2)
		args = []string{r.cfg.Device, ro.sock, "--frontend", eps[0], "--backend", eps[1],
			"--hwm", hwm, "--linger", "5s"}
	case ro.sock == "rep":
		args = append(args, "-role", "rep", "-endpoint", ro.endpoint)
	case ro.sock == "req":
		id, cons := r.nextStream, r.nextCons
		r.nextStream++
		r.nextCons++
		ro.stream, ro.consumer = id, cons
		r.check.AddStream(Stream{ID: id, Producer: ro.name, Start: time.Now(), Path: ro.path})
		args = append(args, "-role", "req", "-endpoint", ro.endpoint, "-stream", strconv.Itoa(int(id)),
			"-rate", strconv.Itoa(r.cfg.Rate/4))
		stdout = func(rd io.Reader) { r.readRecords(rd, cons) }
		hook = func(line string) bool { return r.sentLine(line, "soak", id) }
	case ro.push:
		id := r.nextStream
		r.nextStream++
		ro.stream = id
		r.check.AddStream(Stream{ID: id, Producer: ro.name, Start: time.Now(), Path: ro.path, Fanout: ro.sock == "pub"})
		args = append(args, "-role", ro.sock, "-endpoint", ro.endpoint, "-stream", strconv.Itoa(int(id)),
			"-rate", strconv.Itoa(r.cfg.Rate), "-hwm", hwm)
		stdout = func(rd io.Reader) {
			sc := bufio.NewScanner(rd)
			for sc.Scan() {
				r.sentLine(sc.Text(), "", id)
			}
		}
	default:
		id := r.nextCons
		r.nextCons++
		ro.consumer = id
		args = append(args, "-role", ro.sock, "-endpoint", ro.endpoint, "-hwm", hwm)
		stdout = func(rd io.Reader) { r.readRecords(rd, id) }
	}
	r.mu.Unlock()
	p, err := startProc(r.topo, ro.ns, ro.name, ro.kind, r.cfg.Log, stdout, hook, args...)
	if err != nil {
		return fmt.Errorf("starting %s: %w", ro.name, err)
	}
	r.mu.Lock()
	ro.cur = p
	ro.all = append(ro.all, p)
	r.mu.Unlock()
	return nil
}

// sentLine reads a producer's "sent N" or "final N" line (with prefix before
// the word, as REQ clients write them on stderr) and reports whether it was one.
func (r *Runner) sentLine(line, prefix string, id uint32) bool {
	f := strings.Fields(line)
	if len(f) != 2 || (f[0] != prefix+"sent" && f[0] != prefix+"final") {
		return false
	}
	n, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return false
	}
	r.check.ReportSent(id, n, f[0] == prefix+"final")
	return true
}

// readRecords feeds a consumer's records to the checker.
func (r *Runner) readRecords(rd io.Reader, id int) {
	br := bufio.NewReaderSize(rd, 64<<10)
	var b [RecordSize]byte
	for {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return
		}
		rec, _ := ParseRecord(b[:])
		rec.Consumer = id
		r.check.Add(rec)
	}
}

// waitTraffic waits until every current stream has reached a consumer and
// every consumer has received something.
func (r *Runner) waitTraffic(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		pending := r.pendingTraffic()
		if pending == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no traffic within %v: %s", limit, pending)
		}
		if err := r.schedule(ctx, time.Now().Add(50*time.Millisecond)); err != nil {
			return err
		}
	}
}

func (r *Runner) pendingTraffic() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := map[int]bool{}
	r.check.mu.Lock()
	for _, rec := range r.check.all {
		got[rec.Consumer] = true
	}
	r.check.mu.Unlock()
	for _, ro := range r.roles {
		if ro.push && r.check.Received(ro.stream) == 0 {
			return ro.name + " has delivered nothing"
		}
		if !ro.push && ro.sock != "rep" && !got[ro.consumer] {
			return ro.name + " has received nothing"
		}
	}
	return ""
}

// finish stops the producers gracefully, waits for the consumers to have
// everything they reported sending, then stops the consumers and the device.
func (r *Runner) finish(ctx context.Context) error {
	for _, ro := range r.roles {
		if ro.push {
			r.noteStop(ro.cur.stop(20 * time.Second))
		}
	}
	// Done when every stream's last message has arrived and the consumers
	// have received nothing more for a second (their queues are empty).
	deadline := time.Now().Add(30 * time.Second)
	lastCount, stableSince := -1, time.Now()
	for {
		waiting := ""
		for _, s := range r.check.Streams() {
			if s.Final && !s.Fanout && s.Sent > 0 && !r.check.Has(s.ID, s.Sent-1) {
				waiting = fmt.Sprintf("the last message of stream %d (%s)", s.ID, s.Producer)
			}
		}
		count := r.check.Count()
		if count != lastCount {
			lastCount, stableSince = count, time.Now()
		}
		if waiting == "" && time.Since(stableSince) >= time.Second {
			break
		}
		if time.Now().After(deadline) {
			r.logf("after the graceful stop, still waiting for %s", waiting)
			break
		}
		if err := r.schedule(ctx, time.Now().Add(50*time.Millisecond)); err != nil {
			return err
		}
	}
	for _, ro := range r.roles {
		if !ro.push {
			r.noteStop(ro.cur.stop(10 * time.Second))
		}
	}
	for _, d := range r.devices {
		r.noteStop(d.cur.stop(10 * time.Second))
	}
	r.logf("stopped everything after %v", time.Since(r.start).Round(time.Millisecond))
	return nil
}

func (r *Runner) noteStop(err error) {
	if err != nil {
		r.mu.Lock()
		r.stopErrs = append(r.stopErrs, err.Error())
		r.mu.Unlock()
	}
}

func (r *Runner) sampleLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		r.mu.Lock()
		var live []*proc
		for _, ro := range append(append([]*role(nil), r.devices...), r.roles...) {
			live = append(live, ro.cur)
		}
		r.mu.Unlock()
		for _, p := range live {
			if !p.exited() {
				p.sample(r.start)
			}
		}
	}
}

// killAll kills whatever still runs: on the way out, also after errors.
func (r *Runner) killAll() {
	r.mu.Lock()
	var all []*proc
	for _, ro := range append(append([]*role(nil), r.devices...), r.roles...) {
		all = append(all, ro.all...)
	}
	r.mu.Unlock()
	for _, p := range all {
		if !p.exited() {
			p.kill()
		}
	}
}
