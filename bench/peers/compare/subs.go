package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// Subscriptions mode (-subs): one publisher with many subscriptions, libzmq's
// bench/peers/c/pub_subs.c and ours (zmqbench pub_subs) interleaved, one process each
// run: an XPUB on tcp://127.0.0.1:* and S SUB sockets holding N distinct topics each.
// Each run gives the publish cost (ns per published message, nine in ten of which match
// one subscriber and one in ten none), the churn (subscription changes per second as
// applied by the publisher: every subscriber cancels and renews all its topics), the
// setup time, and what was delivered of what the subscriptions call for; and, since
// the machine is shared, the CPU time of the whole process per message and per
// subscription change, which depends less on the load than the times do. The result
// goes to its own section of RESULTS.md. The programs print:
//
//	message size: 64 [B]
//	message count: 1000000
//	subscribers: 1000
//	subscriptions: 100000
//	setup: 1234.5 [ms]
//	publish cost: 812.3 [ns/msg]
//	publish cpu: 1500.2 [ns/msg]
//	delivered: 900000 of 900000
//	dropped: 0
//	unmatched: 100000
//	churn operations: 200000
//	churn: 345678 [ops/s]
//	churn cpu: 4567.8 [ns/op]
const subsHeading = "## Subscriptions side by side with libzmq"

var (
	subsCellsFlag = flag.String("subs-cells", "1000x100", "-subs: cells as SUBSCRIBERSxSUBSCRIPTIONS-PER-SUBSCRIBER, comma-separated")
	subsCountFlag = flag.Int("subs-count", 1_000_000, "-subs: messages published per run")
	subsSizeFlag  = flag.Int("subs-size", 64, "-subs: message size in bytes (at least the topic's length)")
)

// subsDefaults sets subscriptions mode's defaults for the flags not given: libzmq and
// ours, a smaller cell with -quick, and none of the other cells.
func subsDefaults(set map[string]bool, quick bool, transports, metrics, impls *string) {
	*transports, *metrics = "", ""
	if !set["impls"] {
		*impls = "libzmq,ours"
	}
	if quick && !set["subs-cells"] {
		*subsCellsFlag = "100x10"
	}
	if quick && !set["subs-count"] {
		*subsCountFlag = 100_000
	}
}

// subsCell is one cell: subscribers × subscriptions per subscriber.
type subsCell struct{ subs, per int }

func (c subsCell) String() string { return fmt.Sprintf("%d × %d", c.subs, c.per) }

func parseSubsCells(list string) ([]subsCell, error) {
	var out []subsCell
	for _, f := range splitList(list) {
		a, b, ok := strings.Cut(f, "x")
		s, err1 := strconv.Atoi(a)
		n, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || s < 1 || n < 1 {
			return nil, fmt.Errorf("bad -subs-cells entry %q (want SxN, such as 1000x100)", f)
		}
		out = append(out, subsCell{s, n})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-subs-cells is empty")
	}
	return out, nil
}

// subsReport is what one pub_subs run printed.
type subsReport struct {
	size, count, subscribers, subscriptions int
	setupMS, publishNS, churnPerSec         float64
	publishCPU, churnCPU                    float64 // ns of process CPU time per message, per operation
	delivered, expected, dropped, unmatched int64
	churnOps                                int64
}

// parseSubs reads pub_subs's lines; every one of them is required.
func parseSubs(out string) (subsReport, error) {
	var r subsReport
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		var err error
		num := func(s, unit string) float64 {
			f, e := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), unit)), 64)
			if e != nil && err == nil {
				err = e
			}
			return f
		}
		switch key {
		case "message size":
			r.size = int(num(val, "[B]"))
		case "message count":
			r.count = int(num(val, ""))
		case "subscribers":
			r.subscribers = int(num(val, ""))
		case "subscriptions":
			r.subscriptions = int(num(val, ""))
		case "setup":
			r.setupMS = num(val, "[ms]")
		case "publish cost":
			r.publishNS = num(val, "[ns/msg]")
		case "delivered":
			d, e, ok := strings.Cut(val, " of ")
			if !ok {
				err = fmt.Errorf("no \" of \"")
			}
			r.delivered, r.expected = int64(num(d, "")), int64(num(e, ""))
		case "dropped":
			r.dropped = int64(num(val, ""))
		case "unmatched":
			r.unmatched = int64(num(val, ""))
		case "churn operations":
			r.churnOps = int64(num(val, ""))
		case "churn":
			r.churnPerSec = num(val, "[ops/s]")
		case "publish cpu":
			r.publishCPU = num(val, "[ns/msg]")
		case "churn cpu":
			r.churnCPU = num(val, "[ns/op]")
		default:
			continue
		}
		if err != nil {
			return r, fmt.Errorf("bad line %q: %v", line, err)
		}
		seen[key] = true
	}
	for _, k := range []string{"message size", "message count", "subscribers", "subscriptions", "setup",
		"publish cost", "publish cpu", "delivered", "dropped", "unmatched", "churn operations", "churn", "churn cpu"} {
		if !seen[k] {
			return r, fmt.Errorf("no %q line in %q", k, out)
		}
	}
	return r, nil
}

// check reports whether r answers the request: the sizes and counts asked for, and
// delivered, dropped and unmatched adding up to the count.
func (r subsReport) check(c subsCell, size, count int) error {
	total := c.subs * c.per
	if r.size != size || r.count != count || r.subscribers != c.subs || r.subscriptions != total ||
		r.churnOps != 2*int64(total) || r.expected+r.unmatched != int64(count) ||
		r.dropped != r.expected-r.delivered || r.dropped < 0 || r.publishNS <= 0 || r.churnPerSec <= 0 ||
		r.publishCPU <= 0 || r.churnCPU <= 0 {
		return fmt.Errorf("report does not match the request (%d B, %d messages, %v): %+v", size, count, c, r)
	}
	return nil
}

// subsRuns is one implementation's runs in one cell.
type subsRuns struct {
	prog                        harness.Program
	publish, churn, setup, drop []float64 // ns/msg, ops/s, ms, dropped share in %
	publishCPU, churnCPU        []float64 // ns/msg, ns/op of process CPU time
	maxDropped                  int64
	expected                    int64
	errs                        []string
}

// subsCells runs every cell, the implementations interleaved (the starting one
// rotating), cfg.rounds rounds each.
func (r *runner) subsCells(progs []harness.Program, cells []subsCell, size, count int) [][]*subsRuns {
	var out [][]*subsRuns
	timeout := 5*time.Minute + time.Duration(count)*100*time.Microsecond
	for _, c := range cells {
		runs := make([]*subsRuns, len(progs))
		for i, p := range progs {
			runs[i] = &subsRuns{prog: p}
		}
		for round := range r.cfg.rounds {
			for i := range runs {
				ir := runs[(i+round)%len(runs)]
				if len(ir.errs) >= 2 {
					continue
				}
				argv := ir.prog.Argv("pub_subs", strconv.Itoa(size), strconv.Itoa(count), strconv.Itoa(c.subs), strconv.Itoa(c.per))
				out, err := runCommand(argv, ir.prog.Env, timeout)
				var rep subsReport
				if err == nil {
					rep, err = parseSubs(out)
				}
				if err == nil {
					err = rep.check(c, size, count)
				}
				line := map[string]any{"mode": "subs", "subscribers": c.subs, "per_subscriber": c.per, "size": size,
					"count": count, "impl": ir.prog.Key, "round": round}
				if err != nil {
					ir.errs = append(ir.errs, err.Error())
					line["error"] = err.Error()
					fmt.Fprintf(os.Stderr, "subs %-12v %-7s round %d failed: %v\n", c, ir.prog.Key, round, err)
				} else {
					ir.publish = append(ir.publish, rep.publishNS)
					ir.churn = append(ir.churn, rep.churnPerSec)
					ir.setup = append(ir.setup, rep.setupMS)
					ir.publishCPU = append(ir.publishCPU, rep.publishCPU)
					ir.churnCPU = append(ir.churnCPU, rep.churnCPU)
					ir.drop = append(ir.drop, 100*float64(rep.dropped)/float64(max(1, rep.expected)))
					ir.maxDropped = max(ir.maxDropped, rep.dropped)
					ir.expected = rep.expected
					line["publish_ns_per_msg"], line["churn_ops_s"], line["setup_ms"] = rep.publishNS, rep.churnPerSec, rep.setupMS
					line["delivered"], line["expected"] = rep.delivered, rep.expected
					line["publish_cpu_ns_per_msg"], line["churn_cpu_ns_per_op"] = rep.publishCPU, rep.churnCPU
				}
				if r.raw != nil {
					b, _ := json.Marshal(line)
					fmt.Fprintf(r.raw, "%s\n", b)
				}
			}
		}
		var sum []string
		for _, ir := range runs {
			if len(ir.publish) == 0 {
				sum = append(sum, ir.prog.Key+"=fail")
				continue
			}
			sum = append(sum, fmt.Sprintf("%s=%.0f ns/msg, %.0f ops/s", ir.prog.Key, median(ir.publish), median(ir.churn)))
		}
		fmt.Fprintf(os.Stderr, "subs %-12v %s\n", c, strings.Join(sum, " "))
		out = append(out, runs)
	}
	return out
}

// subsRatio formats ours ÷ libzmq of two medians, or "–".
func subsRatio(ours, lib []float64) string {
	if len(ours) == 0 || len(lib) == 0 || median(lib) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", median(ours)/median(lib))
}

// subsSection runs the cells and returns the markdown section.
func subsSection(r *runner, progs []harness.Program, m machineInfo, started time.Time, load string) (string, error) {
	cells, err := parseSubsCells(*subsCellsFlag)
	if err != nil {
		return "", err
	}
	size, count := *subsSizeFlag, *subsCountFlag
	if count < 1 || size < 1 {
		return "", fmt.Errorf("-subs-count and -subs-size must be positive")
	}
	results := r.subsCells(progs, cells, size, count)

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	cmd := os.Getenv("COMPARE_COMMAND")
	if cmd == "" {
		cmd = "cd bench/peers && go run ./compare " + strings.Join(os.Args[1:], " ")
	}
	p("%s\n\n", subsHeading)
	p("Generated by `%s` on %s; the run took %v.\n\n", strings.TrimSpace(cmd), started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	p("- Machine: %s, %d logical CPUs, %s; %s. Load average (1, 5, 15 min) before the run: %s; after: %s.\n", m.cpu, m.cpus, m.kernel, m.virt, load, loadAverage())
	p("- Software: %s, libzmq %s (system package, through `bench/peers/c/pub_subs.c`); ours (`zmqbench pub_subs`) at commit %s.\n", m.goVersion, m.libzmq, m.commit)
	p("- Method: one process per run. An XPUB with XPUB_VERBOSE (a PUB that reports the subscriptions it applies; its sending side is PUB's in both libraries) binds tcp://127.0.0.1:*, and S SUB sockets, each run by its own thread (libzmq) or goroutine (ours), subscribe to N distinct topics each (`sym.` + digits + `.`, neighbouring symbols on different subscribers) and connect. "+
		"**Publish cost**: %d messages of %d B, in a scattered order over the symbols, nine in ten held by one subscriber and one in ten by none; the time of the publishing loop over the count, while the subscribers receive. "+
		"**Churn**: every subscriber cancels all its N topics and subscribes to them again; the clock runs from the signal to the subscribers until the XPUB has reported all 2 × S × N operations applied, so the figure is (un)subscriptions per second as applied by the publisher. "+
		"**CPU time**: the process's user and system time (every thread or goroutine: publishing, writing, reading, receiving, applying) from the first message to the last subscriber's end marker, over the count, and over the churn interval per operation; on a shared machine it moves less than the times. "+
		"**Setup**: from the first subscriber to the XPUB reporting all S × (N + 1) subscriptions (each subscriber also holds a control topic). "+
		"Every socket has the default options (HWM 1000, libzmq's one I/O thread), except that our XPUB's reports of subscriptions are not bounded (libzmq's XPUB queues them without a bound). "+
		"A PUB drops a message for a subscriber whose queue is full; each run compares what the subscribers received with what their subscriptions call for, and ours also checks its PUB's drop counters against that. "+
		"libzmq and ours alternate (the starting one rotating), %d round(s); medians with the min–max range. Processes are not pinned; GOMAXPROCS is Go's default (%d).\n", count, size, r.cfg.rounds, m.cpus)
	p("- Target: none; issue 13 asks for this benchmark, not for a figure. The ratio is ours ÷ libzmq: below 1 is better for the costs, CPU times and the setup, above 1 for the churn.\n\n")
	p("| subscribers × subscriptions | figure | libzmq | ours | ours ÷ libzmq | target | met |\n|---|---|---:|---:|---:|---|---|\n")
	var notes []string
	for ci, c := range cells {
		runs := results[ci]
		get := func(key string) *subsRuns {
			for _, ir := range runs {
				if ir.prog.Key == key {
					return ir
				}
			}
			return nil
		}
		lib, ours := get("libzmq"), get("ours")
		of := func(ir *subsRuns, v func(*subsRuns) []float64, format func(float64) string) string {
			if ir == nil {
				return "–"
			}
			if len(v(ir)) == 0 {
				return "failed"
			}
			lo, hi := minMax(v(ir))
			return fmt.Sprintf("%s (%s – %s)", format(median(v(ir))), format(lo), format(hi))
		}
		ratioOf := func(v func(*subsRuns) []float64) string {
			if lib == nil || ours == nil {
				return "–"
			}
			return subsRatio(v(ours), v(lib))
		}
		rows := []struct {
			name   string
			v      func(*subsRuns) []float64
			format func(float64) string
		}{
			{"publish cost, ns/msg (lower is better)", func(x *subsRuns) []float64 { return x.publish }, func(f float64) string { return fmt.Sprintf("%.0f", f) }},
			{"publish CPU time, whole process, ns/msg (lower is better)", func(x *subsRuns) []float64 { return x.publishCPU }, func(f float64) string { return fmt.Sprintf("%.0f", f) }},
			{"churn, (un)subscriptions/s (higher is better)", func(x *subsRuns) []float64 { return x.churn }, func(f float64) string { return fmtValue("thr", f) }},
			{"churn CPU time, whole process, ns per (un)subscription (lower is better)", func(x *subsRuns) []float64 { return x.churnCPU }, func(f float64) string { return fmt.Sprintf("%.0f", f) }},
			{"setup, ms (lower is better)", func(x *subsRuns) []float64 { return x.setup }, func(f float64) string { return fmt.Sprintf("%.0f", f) }},
		}
		for _, row := range rows {
			p("| %d × %d | %s | %s | %s | %s | none | – |\n", c.subs, c.per, row.name,
				of(lib, row.v, row.format), of(ours, row.v, row.format), ratioOf(row.v))
		}
		dropped := func(ir *subsRuns) string {
			if ir == nil {
				return "–"
			}
			if len(ir.drop) == 0 {
				return "failed"
			}
			if ir.maxDropped == 0 {
				return fmt.Sprintf("none: all %d in every round", ir.expected)
			}
			lo, hi := minMax(ir.drop)
			return fmt.Sprintf("%.2f %% (%.2f – %.2f %%) of %d", median(ir.drop), lo, hi, ir.expected)
		}
		p("| %d × %d | dropped for a full queue, of the deliveries due | %s | %s | | | |\n", c.subs, c.per, dropped(lib), dropped(ours))
		for _, ir := range runs {
			if len(ir.errs) > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %v: %d of %d runs failed: %s", ir.prog.Name, c,
					len(ir.errs), len(ir.errs)+len(ir.publish), shortErr(ir.errs)))
			}
		}
	}
	p("\n")
	if len(notes) > 0 {
		p("%s\n\n", strings.Join(slices.Compact(notes), "\n"))
	}
	return b.String(), nil
}
