package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// The fan-out cells: one process, a PUB on tcp://127.0.0.1:* and -subscribers SUB
// sockets, run by libzmq's fanout_thr (bench/peers/c) and ours (zmqbench fanout_thr) only.
// They print their own lines, which harness.Parse does not read:
//
//	message size: 64 [B]
//	message count: 200000
//	subscribers: 8
//	mean throughput: 10543303 [msg/s]   (published)
//	delivered: 4760217 [msg/s]          (received by all subscribers together)
//	dropped: 15097016 of 16000000
const fanoutMetric = "fanout"

// fanoutImpls are the implementations that have a fanout_thr.
var fanoutImpls = map[string]bool{"libzmq": true, "ours": true, "ours1": true}

// fanoutReport is what one fanout_thr run printed.
type fanoutReport struct {
	size, count, subscribers int
	published, delivered     float64 // msg/s
	dropped, total           int64
}

// parseFanout reads fanout_thr's lines; every one of them is required.
func parseFanout(out string) (fanoutReport, error) {
	var r fanoutReport
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		var err error
		atoi := func(s string) int {
			n, e := strconv.Atoi(strings.TrimSpace(s))
			if e != nil && err == nil {
				err = e
			}
			return n
		}
		atof := func(s, unit string) float64 {
			f, e := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(val, unit)), 64)
			if e != nil && err == nil {
				err = e
			}
			return f
		}
		switch key {
		case "message size":
			r.size = int(atof(val, "[B]"))
		case "message count":
			r.count = atoi(val)
		case "subscribers":
			r.subscribers = atoi(val)
		case "mean throughput":
			r.published = atof(val, "[msg/s]")
		case "delivered":
			r.delivered = atof(val, "[msg/s]")
		case "dropped":
			n, m, ok := strings.Cut(val, " of ")
			if !ok {
				err = fmt.Errorf("no \" of \"")
			}
			r.dropped, r.total = int64(atoi(n)), int64(atoi(m))
		default:
			continue
		}
		if err != nil {
			return r, fmt.Errorf("bad line %q: %v", line, err)
		}
		seen[key] = true
	}
	for _, k := range []string{"message size", "message count", "subscribers", "mean throughput", "delivered", "dropped"} {
		if !seen[k] {
			return r, fmt.Errorf("no %q line in %q", k, out)
		}
	}
	return r, nil
}

// runFanout runs fanout_thr of p with count messages to r.cfg.subscribers subscribers
// and checks that the report matches the request.
func (r *runner) runFanout(c cell, p harness.Program, count int, timeout time.Duration) (sample, error) {
	subs := r.cfg.subscribers
	argv := p.Argv("fanout_thr", strconv.Itoa(c.size), strconv.Itoa(count), strconv.Itoa(subs))
	out, err := runCommand(argv, p.Env, timeout)
	if err != nil {
		return sample{}, err
	}
	rep, err := parseFanout(out)
	if err != nil {
		return sample{}, err
	}
	if rep.size != c.size || rep.count != count || rep.subscribers != subs ||
		rep.total != int64(count)*int64(subs) || rep.dropped < 0 || rep.dropped > rep.total {
		return sample{}, fmt.Errorf("report does not match the request: %+v", rep)
	}
	s := sample{value: rep.published, delivered: rep.delivered,
		dropPct: 100 * float64(rep.dropped) / float64(rep.total)}
	if rep.published > 0 {
		s.seconds = float64(count) / rep.published
	}
	return s, nil
}

// runCommand runs argv to completion within timeout and returns its standard output;
// a failure carries the start of its standard error.
func runCommand(argv, env []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %v", timeout)
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		if msg != "" {
			return stdout.String(), fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, msg)
		}
		return stdout.String(), fmt.Errorf("%s: %v", filepath.Base(argv[0]), err)
	}
	return stdout.String(), nil
}

// fanoutPrograms keeps the programs that have a fanout_thr, in -impls order.
func fanoutPrograms(progs []harness.Program) []harness.Program {
	var out []harness.Program
	for _, p := range progs {
		if fanoutImpls[p.Key] {
			out = append(out, p)
		}
	}
	return out
}

// deliveredRatio formats the ratio of a's median delivered msg/s to b's, or "–" when
// either is missing.
func deliveredRatio(a, b *implResult) string {
	if a == nil || b == nil || !a.ok() || !b.ok() || median(b.delivered) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", median(a.delivered)/median(b.delivered))
}

// fanoutGlance is the line on the fan-out cells under "Ours at a glance", or "" when
// they did not run.
func fanoutGlance(cfg config, cells []*cellResult) string {
	var parts []string
	for _, s := range cfg.fanoutSizes {
		c := find(cells, "tcp", fanoutMetric, s)
		if c == nil {
			continue
		}
		ours, lib := c.get("ours"), c.get("libzmq")
		parts = append(parts, fmt.Sprintf("%s published %s, delivered %s", sizeName(s),
			ratio(ours, lib), deliveredRatio(ours, lib)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("tcp fan-out, PUB → %d SUB, ours ÷ libzmq: %s.", cfg.subscribers, strings.Join(parts, "; "))
}

// fanoutSection is the markdown table of the fan-out cells, or "" without any.
func fanoutSection(cfg config, cells []*cellResult) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	have := false
	for _, c := range cells {
		have = have || c.metric == fanoutMetric
	}
	if !have {
		return ""
	}
	p("### tcp, 1 process, fan-out, PUB → %d SUB, msg/s published and delivered (higher is better)\n\n", cfg.subscribers)
	p("One process: a PUB binds tcp://127.0.0.1:* and %d SUB sockets connect to it and subscribe to everything, each read by its own thread (libzmq, `bench/peers/c/fanout_thr.c`) or goroutine (ours, `zmqbench fanout_thr`); every socket has the default options (HWM 1000 each side; libzmq's one I/O thread). ", cfg.subscribers)
	p("The publisher sends as fast as it can, and a PUB drops a message for a subscriber whose queue is full, as it should, so drops are part of the result. ")
	p("Control messages (two frames, so no data message can look like one), repeated every millisecond, make sure every subscription is in place before the clock starts and mark the end; the clock runs from just before the first data message to the moment the last subscriber receives the end marker. ")
	p("**Published** is message count / elapsed; **delivered** is the data messages received by all subscribers together / elapsed; **dropped** is the share of the count × %d copies that no subscriber received. Only libzmq and ours have this test.\n\n", cfg.subscribers)
	p("| size | implementation | published msg/s | min – max | delivered msg/s | min – max | dropped | min – max | published ÷ libzmq | delivered ÷ libzmq | n |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var notes []string
	for _, s := range cfg.fanoutSizes {
		c := find(cells, "tcp", fanoutMetric, s)
		if c == nil {
			continue
		}
		lib := c.get("libzmq")
		for _, ir := range c.impls {
			p("| %s | %s |", sizeName(s), ir.prog.Name)
			if !ir.ok() {
				p(" failed: %s | | | | | | | | |\n", shortErr(ir.errs))
				continue
			}
			lo, hi := minMax(ir.values)
			dlo, dhi := minMax(ir.delivered)
			plo, phi := minMax(ir.dropPct)
			p(" %s | %s – %s | %s | %s – %s | %.1f %% | %.1f – %.1f %% | %s | %s | %d |\n",
				fmtValue("thr", ir.median()), fmtValue("thr", lo), fmtValue("thr", hi),
				fmtValue("thr", median(ir.delivered)), fmtValue("thr", dlo), fmtValue("thr", dhi),
				median(ir.dropPct), plo, phi, ratio(ir, lib), deliveredRatio(ir, lib), ir.count)
			if len(ir.errs) > 0 {
				notes = append(notes, fmt.Sprintf("- %s, %s: %d of %d runs failed (the figures are from the others): %s",
					ir.prog.Name, sizeName(s), len(ir.errs), len(ir.errs)+len(ir.values), shortErr(ir.errs)))
			}
		}
	}
	p("\n")
	if len(notes) > 0 {
		p("%s\n\n", strings.Join(notes, "\n"))
	}
	return b.String()
}
