// Command compare runs libzmq's perf tests over every implementation side by side and
// writes the table into bench/RESULTS.md, section "## Side by side with libzmq".
//
// Implementations: libzmq through our C programs (bench/peers/c), pebbe/zmq4 (cgo
// libzmq), go-zeromq/zmq4, ours (zmqbench), and the floor (raw framed streams and Go
// channels). Cells: transport (tcp, ipc: two processes; inproc: one process) × message
// size (1, 64, 1024, 65536 B) × metric (thr: PUSH/PULL msg/s at the receiver; lat:
// REQ/REP mean one-way µs), plus the fan-out cells (metric fanout, with tcp: one process,
// a PUB publishing to -subscribers SUB sockets, libzmq and ours only, sizes
// -fanout-sizes; published and delivered msg/s and the share dropped). For each cell a
// pilot run per implementation picks a count that makes one run last about -target,
// then the implementations run interleaved, -rounds times (A B C, B C A, C A B, ...).
// The table gives the median with min and max, and the median as a ratio to libzmq's
// and to the floor's.
//
// Run it from bench/peers (go run ./compare) or through bench/compare.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

type config struct {
	rounds      int
	target      time.Duration
	transports  []string
	sizes       []int
	metrics     []string
	impls       []string
	fanoutSizes []int // message sizes of the fan-out cells
	subscribers int   // SUB sockets of the fan-out cells
	out         string
	write       bool
	raw         string
	snapshot    bool
	build       bool
	quick       bool
	curve       bool        // CURVE mode: see curve.go
	ws          bool        // WebSocket mode: see ws.go
	subs        bool        // subscriptions mode: see subs.go
	base        string      // -base: another zmqbench binary, implementation "base"
	scale       scaleConfig // scale mode: see scale.go
}

func main() {
	var cfg config
	var transports, sizes, metrics, impls, fanoutSizes string
	var noWrite bool
	flag.IntVar(&cfg.rounds, "rounds", 5, "interleaved rounds per cell")
	flag.DurationVar(&cfg.target, "target", time.Second, "aimed duration of one measured run (scales every count)")
	flag.StringVar(&transports, "transports", "tcp,ipc,inproc", "transports to run")
	flag.StringVar(&sizes, "sizes", "1,64,1024,65536", "message sizes in bytes")
	flag.StringVar(&metrics, "metrics", "thr,lat,fanout", "metrics: thr (PUSH/PULL), lat (REQ/REP), fanout (tcp only: PUB → -subscribers SUB in one process, libzmq and ours)")
	flag.StringVar(&impls, "impls", "libzmq,pebbe,gozmq,ours,ours1,floor", "implementations to run (ours1: ours with GOMAXPROCS=1)")
	flag.StringVar(&fanoutSizes, "fanout-sizes", "64,1024", "message sizes of the fanout cells in bytes")
	flag.IntVar(&cfg.subscribers, "subscribers", 8, "SUB sockets of the fanout cells")
	flag.StringVar(&cfg.out, "out", "", "markdown file to update (default bench/RESULTS.md)")
	flag.BoolVar(&noWrite, "n", false, "print the section instead of writing it")
	flag.StringVar(&cfg.raw, "raw", "", "also write every run as a JSON line to this file")
	flag.BoolVar(&cfg.snapshot, "snapshot", false, "build from `git archive HEAD` of the main module instead of the working tree (immune to edits in progress)")
	flag.BoolVar(&cfg.build, "build", true, "build every program first")
	flag.BoolVar(&cfg.curve, "curve", false, "CURVE mode: libzmq and ours with -curve (zmq_curve(7)'s example keys) beside libzmq-null and ours-null without it; defaults -transports tcp -sizes 64,16384 -metrics thr,lat,conn; writes the section \""+curveHeading+"\"")
	flag.BoolVar(&cfg.ws, "ws", false, "WebSocket mode: thr and lat over ws://127.0.0.1:PORT"+wsPath+"; defaults -transports ws -sizes 64,1024 -metrics thr,lat -impls libzmq,ours (plus base with -base); writes the section \""+wsHeading+"\"")
	flag.BoolVar(&cfg.subs, "subs", false, "subscriptions mode: pub_subs (publish cost and churn of one PUB with many subscriptions), libzmq and ours, cells -subs-cells; writes the section \""+subsHeading+"\"")
	flag.StringVar(&cfg.base, "base", "", "another zmqbench binary, run as implementation \"base\" (for instance one built from main, the before of a change)")
	scaleFlags(&cfg.scale)
	flag.BoolVar(&cfg.quick, "quick", false, "a tiny run: 1 round, -target 100ms, sizes 64 and 65536 (fan-out: -fanout-sizes), printed not written")
	flag.Parse()
	if flag.NArg() > 0 {
		fatalf("unexpected arguments %q", flag.Args())
	}
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if (cfg.curve && cfg.ws) || (cfg.subs && (cfg.curve || cfg.ws)) {
		fatalf("-curve, -ws and -subs are separate modes")
	}
	if cfg.subs {
		subsDefaults(set, cfg.quick, &transports, &metrics, &impls)
	}
	if cfg.curve {
		curveDefaults(set, &transports, &sizes, &metrics, &impls)
	}
	if cfg.ws {
		wsDefaults(set, &transports, &sizes, &metrics, &impls, cfg.base)
	}
	if cfg.scale.on {
		scaleDefaults(&cfg, set, &impls)
	}
	if cfg.quick {
		if !set["rounds"] {
			cfg.rounds = 1
		}
		if !set["target"] {
			cfg.target = 100 * time.Millisecond
		}
		if !set["sizes"] && !cfg.curve && !cfg.ws {
			sizes = "64,65536"
		}
		if !set["out"] {
			noWrite = true
		}
	}
	cfg.write = !noWrite
	cfg.transports = splitList(transports)
	cfg.metrics = splitList(metrics)
	cfg.impls = splitList(impls)
	for _, m := range cfg.metrics {
		if m != "thr" && m != "lat" && m != connMetric && m != fanoutMetric {
			fatalf("unknown metric %q (have thr, lat, conn, fanout)", m)
		}
	}
	cfg.sizes = parseSizes(sizes)
	cfg.fanoutSizes = parseSizes(fanoutSizes)
	if cfg.rounds < 1 || cfg.target <= 0 {
		fatalf("-rounds and -target must be positive")
	}
	if cfg.subscribers < 1 || cfg.subscribers > 1024 {
		fatalf("-subscribers must be 1 to 1024")
	}

	dirs, err := harness.FindDirs()
	if err != nil {
		fatalf("%v", err)
	}
	if cfg.out == "" {
		cfg.out = filepath.Join(dirs.Main, "bench", "RESULTS.md")
	}
	src := dirs
	commit := gitDescribe(dirs.Main)
	if cfg.snapshot {
		src, commit, err = snapshot(dirs.Main)
		if err != nil {
			fatalf("snapshot: %v", err)
		}
		defer os.RemoveAll(src.Main)
	}

	progs, err := programs(src, cfg)
	if err != nil {
		fatalf("%v", err)
	}
	var raw *os.File
	if cfg.raw != "" {
		if raw, err = os.Create(cfg.raw); err != nil {
			fatalf("%v", err)
		}
		defer raw.Close()
	}

	load := loadAverage()
	started := time.Now()
	tmp, err := os.MkdirTemp("", "zmq-compare-")
	if err != nil {
		fatalf("%v", err)
	}
	defer os.RemoveAll(tmp)
	r := &runner{cfg: cfg, tmp: tmp, raw: raw}
	if cfg.scale.on {
		r.scaleFinish(progs, machine(commit), started, load)
		return
	}
	var cells []*cellResult
	for _, tr := range cfg.transports {
		for _, metric := range cfg.metrics {
			if metric == fanoutMetric {
				continue
			}
			if metric == connMetric {
				if tr != "inproc" {
					cells = append(cells, r.cell(cell{tr, metric, connSize}, progs))
				}
				continue
			}
			for _, size := range cfg.sizes {
				cells = append(cells, r.cell(cell{tr, metric, size}, progs))
			}
		}
	}
	if fp := fanoutPrograms(progs); cfg.fanout() && len(fp) > 0 {
		for _, size := range cfg.fanoutSizes {
			cells = append(cells, r.cell(cell{"tcp", fanoutMetric, size}, fp))
		}
	} else if slices.Contains(cfg.metrics, fanoutMetric) {
		fmt.Fprintln(os.Stderr, "fanout cells skipped: they need tcp in -transports and libzmq or ours in -impls")
	}
	md, head := "", heading
	switch {
	case cfg.subs:
		if md, err = subsSection(r, progs, machine(commit), started, load); err != nil {
			fatalf("%v", err)
		}
		head = subsHeading
	case cfg.curve:
		md, head = curveReport(cfg, cells, machine(commit), time.Since(started), started), curveHeading
	case cfg.ws:
		md, head = wsReport(cfg, cells, machine(commit), time.Since(started), started, load), wsHeading
	default:
		md = report(cfg, cells, sideChartsOrWarn(cfg, cells), machine(commit), time.Since(started), started, load)
	}
	if !cfg.write {
		fmt.Print(md)
		return
	}
	if err := writeSection(cfg.out, head, md); err != nil {
		fatalf("%v", err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%v)\n", cfg.out, time.Since(started).Round(time.Second))
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", a...)
	os.Exit(1)
}

// fanout reports whether the fan-out cells run: metric fanout and transport tcp.
func (c config) fanout() bool {
	return slices.Contains(c.metrics, fanoutMetric) && slices.Contains(c.transports, "tcp")
}

func parseSizes(list string) []int {
	var out []int
	for _, s := range splitList(list) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fatalf("bad size %q", s)
		}
		out = append(out, n)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// programs builds (if asked) and lists the implementations in -impls order.
func programs(d harness.Dirs, cfg config) ([]harness.Program, error) {
	bin := filepath.Join(d.Peers, "bin")
	all := map[string]harness.Program{
		"libzmq": harness.CProgram("libzmq", "libzmq (C)", d.CBin()),
		"pebbe":  harness.GoProgram("pebbe", "pebbe/zmq4 (cgo)", filepath.Join(bin, "pebbebench")),
		"gozmq":  harness.GoProgram("gozmq", "go-zeromq/zmq4", filepath.Join(bin, "gozmqbench")),
		"ours":   harness.GoProgram("ours", "**ours**", filepath.Join(bin, "zmqbench")),
		"ours1":  oursGOMAXPROCS1(filepath.Join(bin, "zmqbench")),
		"floor":  harness.GoProgram("floor", "floor", filepath.Join(bin, "floorbench")),
	}
	if cfg.curve {
		all["libzmq-null"] = harness.CProgram("libzmq-null", "libzmq (C), NULL", d.CBin())
		all["ours-null"] = harness.GoProgram("ours-null", "ours, NULL", filepath.Join(bin, "zmqbench"))
		all["libzmq"] = harness.Curve(all["libzmq"], "libzmq", "libzmq (C), CURVE")
		all["ours"] = harness.Curve(all["ours"], "ours", "**ours**, CURVE")
		all["ours1"] = harness.Curve(all["ours1"], "ours1", "**ours**, CURVE, GOMAXPROCS=1")
		for _, k := range []string{"pebbe", "gozmq", "floor"} {
			delete(all, k) // no -curve mode
		}
	}
	if cfg.base != "" {
		all["base"] = harness.GoProgram("base", "base zmqbench", cfg.base)
	}
	var out []harness.Program
	var peers []string
	for _, k := range cfg.impls {
		p, ok := all[k]
		if !ok {
			return nil, fmt.Errorf("unknown implementation %q (have %s)", k, strings.Join(slices.Sorted(maps.Keys(all)), ", "))
		}
		out = append(out, p)
		switch k {
		case "pebbe", "gozmq", "floor":
			peers = append(peers, k+"bench")
		}
	}
	if !cfg.build {
		return out, nil
	}
	fmt.Fprintln(os.Stderr, "building ...")
	builtOurs := false
	for _, k := range cfg.impls {
		var err error
		switch k {
		case "libzmq", "libzmq-null":
			err = d.BuildC()
		case "ours", "ours1", "ours-null":
			if !builtOurs {
				err = d.BuildOurs(filepath.Join(bin, "zmqbench"))
				builtOurs = true
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if len(peers) > 0 {
		if err := d.BuildPeers(bin, peers...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// oursGOMAXPROCS1 is zmqbench with GOMAXPROCS=1 in every process. Where two benchmark
// processes share two cores, one P per process spares the Go scheduler from waking a
// thread on the other core at every goroutine hand-off; the comparison shows both.
func oursGOMAXPROCS1(bin string) harness.Program {
	p := harness.GoProgram("ours1", "**ours**, GOMAXPROCS=1", bin)
	p.Env = []string{"GOMAXPROCS=1"}
	return p
}

// snapshot exports HEAD of the main module into a temporary directory.
func snapshot(main string) (harness.Dirs, string, error) {
	dir, err := os.MkdirTemp("", "zmq-snapshot-")
	if err != nil {
		return harness.Dirs{}, "", err
	}
	cmd := exec.Command("sh", "-c", "git -C \"$1\" archive HEAD | tar -x -C \"$2\"", "sh", main, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return harness.Dirs{}, "", fmt.Errorf("%v: %s", err, out)
	}
	commit := strings.TrimSpace(output(main, "git", "rev-parse", "--short=12", "HEAD")) + " (git archive HEAD)"
	return harness.Dirs{Main: dir, Peers: filepath.Join(dir, "bench", "peers")}, commit, nil
}

func gitDescribe(dir string) string {
	c := strings.TrimSpace(output(dir, "git", "rev-parse", "--short=12", "HEAD"))
	if c == "" {
		return "unknown"
	}
	if strings.TrimSpace(output(dir, "git", "status", "--porcelain", "--untracked-files=no")) != "" {
		c += " plus uncommitted changes"
	}
	return c
}

func output(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	b, _ := cmd.Output()
	return string(b)
}

type cell struct {
	transport, metric string
	size              int
}

func (c cell) String() string { return fmt.Sprintf("%s %s %d B", c.transport, c.metric, c.size) }

// implResult is one implementation's runs in one cell.
type implResult struct {
	prog   harness.Program
	count  int
	values []float64 // msg/s or one-way µs; fanout: msg/s published
	mbps   []float64
	// fanout only: msg/s received by all subscribers together, and the percentage of
	// count × subscribers dropped.
	delivered, dropPct []float64
	// lat only: each run's round-trip percentiles in µs, by name (p50 … max).
	rtt  map[string][]float64
	errs []string
	// pilotErrs are pilot runs that failed before one succeeded (see runner.cell).
	pilotErrs []string
}

func (r *implResult) ok() bool { return len(r.values) > 0 }

func (r *implResult) median() float64 { return median(r.values) }

type cellResult struct {
	cell
	impls []*implResult
}

func (c *cellResult) get(key string) *implResult {
	for _, r := range c.impls {
		if r.prog.Key == key {
			return r
		}
	}
	return nil
}

type runner struct {
	cfg config
	tmp string
	seq int
	raw *os.File
}

// run runs one test of prog in cell c with count messages or round trips.
func (r *runner) run(c cell, p harness.Program, count int, timeout time.Duration) (harness.Result, error) {
	args := []string{strconv.Itoa(c.size), strconv.Itoa(count)}
	o := harness.Options{Timeout: timeout, Env: p.Env}
	if c.transport == "inproc" && c.metric != connMetric {
		res, _, err := harness.RunOne(withPercentiles(c, p.Argv("inproc_"+c.metric, args...)), o)
		return res, err
	}
	var res harness.Result
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		r.seq++
		ep := fmt.Sprintf("ipc://%s/%d.sock", r.tmp, r.seq)
		if c.transport == "tcp" || c.transport == "ws" {
			port, perr := harness.FreePort()
			if perr != nil {
				return res, perr
			}
			ep = fmt.Sprintf("tcp://127.0.0.1:%d", port)
			if c.transport == "ws" {
				ep = fmt.Sprintf("ws://127.0.0.1:%d%s", port, wsPath)
			}
		}
		res, _, err = harness.RunPair(
			p.Argv("local_"+c.metric, append([]string{ep}, args...)...),
			withPercentiles(c, p.Argv("remote_"+c.metric, append([]string{ep}, args...)...)),
			ep, o)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "address already in use") {
			break
		}
	}
	if err == nil && (res.Size != c.size || (c.metric == "thr" && res.Count != count) ||
		(c.metric == "lat" && res.Roundtrips != count) || (c.metric == connMetric && res.Conns != count)) {
		err = fmt.Errorf("report does not match the request: %+v", res)
	}
	return res, err
}

func value(c cell, res harness.Result) float64 {
	switch c.metric {
	case "thr":
		return res.MsgPerSec
	case connMetric:
		return res.ConnPerSec
	}
	return res.LatencyUS
}

// sample is the figures of one run.
type sample struct {
	value   float64 // see implResult.values
	mbps    float64 // thr
	seconds float64 // how long the measured part took

	delivered, dropPct float64            // fanout, see implResult
	rtt                map[string]float64 // lat, see implResult
}

// measure runs one test of p in cell c with count messages or round trips.
func (r *runner) measure(c cell, p harness.Program, count int, timeout time.Duration) (sample, error) {
	if c.metric == fanoutMetric {
		return r.runFanout(c, p, count, timeout)
	}
	res, err := r.run(c, p, count, timeout)
	if err != nil {
		return sample{}, err
	}
	return sample{value: value(c, res), mbps: res.Mbps, seconds: res.Seconds(), rtt: res.RTTUS}, nil
}

// calibrate finds the count that makes one run of p in c last about cfg.target.
func (r *runner) calibrate(c cell, p harness.Program) (int, error) {
	n := 10000
	switch c.metric {
	case "lat":
		n = 500
	case connMetric:
		n = 50
	}
	if c.size >= 65536 {
		n /= 10
	}
	target := r.cfg.target.Seconds()
	for i := 0; ; i++ {
		s, err := r.measure(c, p, n, 15*time.Second)
		if err != nil {
			return 0, err
		}
		t := s.seconds
		if t <= 0 {
			t = 1e-6
		}
		if t >= 0.1*target || i == 3 {
			count := int(float64(n) / t * target)
			lo := 1000
			switch c.metric {
			case "lat", connMetric:
				lo = 100
			}
			return max(lo, min(count, 100_000_000)), nil
		}
		n = int(float64(n)*min(50, 0.25*target/t)) + 1
	}
}

func (r *runner) cell(c cell, progs []harness.Program) *cellResult {
	cr := &cellResult{cell: c}
	var live []*implResult
	for _, p := range progs {
		ir := &implResult{prog: p}
		cr.impls = append(cr.impls, ir)
		// A pilot that fails is tried once more: libzmq 4.3.4's PULL over ipc
		// now and then never receives the last messages of a PUSH that closes
		// right after sending (about half the runs at 1 B here), and one such run
		// should not leave the cell without libzmq's figure. The table notes it.
		count, err := r.calibrate(c, p)
		if err != nil {
			ir.pilotErrs = append(ir.pilotErrs, err.Error())
			fmt.Fprintf(os.Stderr, "%-22s %-18s pilot failed, trying again: %v\n", c, p.Key, err)
			count, err = r.calibrate(c, p)
		}
		if err != nil {
			ir.errs = append(ir.errs, "pilot: "+err.Error())
			fmt.Fprintf(os.Stderr, "%-22s %-18s pilot failed: %v\n", c, p.Key, err)
			continue
		}
		ir.count = count
		live = append(live, ir)
	}
	timeout := 10*r.cfg.target + 20*time.Second
	for round := 0; round < r.cfg.rounds; round++ {
		for i := range live {
			ir := live[(i+round)%len(live)]
			if len(ir.errs) >= 2 {
				continue
			}
			s, err := r.measure(c, ir.prog, ir.count, timeout)
			line := map[string]any{"transport": c.transport, "metric": c.metric, "size": c.size,
				"impl": ir.prog.Key, "round": round, "count": ir.count}
			if err != nil {
				ir.errs = append(ir.errs, err.Error())
				line["error"] = err.Error()
				fmt.Fprintf(os.Stderr, "%-22s %-7s round %d failed: %v\n", c, ir.prog.Key, round, err)
			} else {
				ir.values = append(ir.values, s.value)
				ir.mbps = append(ir.mbps, s.mbps)
				line["value"] = s.value
				switch c.metric {
				case "thr":
					line["mb_s"] = s.mbps
				case "lat":
					ir.addRTT(s.rtt)
					if len(s.rtt) > 0 {
						line["rtt_us"] = s.rtt
					}
				case fanoutMetric:
					ir.delivered = append(ir.delivered, s.delivered)
					ir.dropPct = append(ir.dropPct, s.dropPct)
					line["subscribers"] = r.cfg.subscribers
					line["delivered"] = s.delivered
					line["drop_pct"] = s.dropPct
				}
			}
			if r.raw != nil {
				b, _ := json.Marshal(line)
				fmt.Fprintf(r.raw, "%s\n", b)
			}
		}
	}
	var sum []string
	for _, ir := range cr.impls {
		if ir.ok() && c.metric == fanoutMetric {
			sum = append(sum, fmt.Sprintf("%s=%s(delivered %s, dropped %.1f%%)", ir.prog.Key,
				fmtValue(c.metric, ir.median()), fmtValue(c.metric, median(ir.delivered)), median(ir.dropPct)))
		} else if ir.ok() {
			sum = append(sum, fmt.Sprintf("%s=%s", ir.prog.Key, fmtValue(c.metric, ir.median())))
		} else {
			sum = append(sum, ir.prog.Key+"=fail")
		}
	}
	fmt.Fprintf(os.Stderr, "%-22s %s\n", c, strings.Join(sum, " "))
	return cr
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minMax(v []float64) (float64, float64) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func fmtValue(metric string, v float64) string {
	if metric == "lat" {
		return fmt.Sprintf("%.2f", v)
	}
	switch {
	case metric == connMetric:
		return fmt.Sprintf("%.0f", v)
	case v >= 1e6:
		return fmt.Sprintf("%.2f M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f k", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

type machineInfo struct {
	cpu, kernel, goVersion, libzmq, commit, virt string
	cpus                                         int
}

func machine(commit string) machineInfo {
	m := machineInfo{cpus: runtime.NumCPU(), commit: commit}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "model name" && m.cpu == "" {
				m.cpu = v
			}
			if k == "flags" && strings.Contains(" "+v+" ", " hypervisor ") {
				m.virt = "virtual machine (cpuinfo has the hypervisor flag)"
			}
		}
	}
	if m.virt == "" {
		m.virt = "no hypervisor flag in /proc/cpuinfo"
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.goVersion = strings.TrimSpace(output(".", "go", "env", "GOVERSION"))
	m.libzmq = strings.TrimSpace(output(".", "pkg-config", "--modversion", "libzmq"))
	return m
}
