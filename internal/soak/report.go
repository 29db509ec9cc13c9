package soak

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

func (r *Runner) report() *Report {
	rep := &Report{Config: r.cfg, Started: r.start, Elapsed: time.Since(r.start)}
	r.mu.Lock()
	faults := append([]*Fault(nil), r.faults...)
	roles := append(append([]*role(nil), r.devices...), r.roles...)
	rep.Problems = append(rep.Problems, r.stopErrs...)
	r.mu.Unlock()
	rep.Result = r.check.Check(faults)
	rep.Faults = faults
	for _, s := range r.check.Streams() {
		rep.Streams = append(rep.Streams, StreamFigures{Stream: s, Received: r.check.Received(s.ID)})
	}
	for _, ro := range roles {
		for i, p := range ro.all {
			for _, l := range p.panicked() {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s", p.name, l))
			}
			ms := MemorySeries{Name: fmt.Sprintf("%s #%d (%s)", ro.name, i+1, ro.kind), Samples: p.memory()}
			if len(ro.all) == 1 {
				ms.Lifetime = "whole run"
				ms.Verdict = Flat(ms.Samples)
				if ms.Verdict != "" {
					rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s", ms.Name, ms.Verdict))
				}
			} else {
				d := time.Duration(0)
				if n := len(ms.Samples); n > 0 {
					d = ms.Samples[n-1].At - ms.Samples[0].At
				}
				ms.Lifetime = fmt.Sprintf("%v", d.Round(time.Second))
				ms.Verdict = "not judged: restarted by faults"
			}
			rep.Memory = append(rep.Memory, ms)
		}
	}
	return rep
}

// Markdown writes the report as the SOAK.md document. command is the command
// line that produced it.
func (rep *Report) Markdown(w io.Writer, command, machine string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	res := rep.Result
	verdict := "PASS"
	if !rep.OK() {
		verdict = "FAIL"
	}
	var sent, recv uint64
	for _, s := range rep.Streams {
		sent += s.Sent
		recv += uint64(s.Received)
	}
	p("# Soak and chaos run")
	p("")
	p("This file is written by `%s`; do not edit it by hand. `make soak SOAK=10m` runs longer.", command)
	p("")
	p("- Verdict: **%s**", verdict)
	p("- Started %s, length %v (asked %v)", rep.Started.UTC().Format("2006-01-02 15:04 MST"),
		rep.Elapsed.Round(time.Second), rep.Config.Duration)
	p("- Machine: %s", machine)
	p("- Load: 3 producers at %d msg/s each, %d-byte messages, HWM %d on every socket, kernel TCP buffers capped at %d bytes in the namespaces",
		rep.Config.Rate, MsgSize, rep.Config.HWM, KernelBufferMax)
	p("- Faults: one every %v, or later once the previous fault's recovery bound has passed (killed processes stay down %v, cut links %v), none in the last %v",
		rep.Config.FaultEvery, rep.Config.Down, rep.Config.CutFor, drainTime)
	p("")
	p("## Setup")
	p("")
	p("Three network namespaces joined by two veth links; no traffic leaves them. Three scenarios share the links:")
	p("")
	p("```")
	p("prod ns                          dev ns                              cons ns")
	p("push-ours-a, push-ours-b (ours) --link--> zmqdevice streamer  --link--> pull-ours (ours)")
	p("push-libzmq (libzmq)                      (PULL -> PUSH, ours)          pull-libzmq (libzmq)")
	p("pub-ours (ours)                 --link--> zmqdevice forwarder --link--> sub-ours (ours)")
	p("pub-libzmq (libzmq)                       (XSUB -> XPUB, ours)          sub-libzmq (libzmq)")
	p("req-ours (ours)                 --link--> zmqdevice queue     --link--> rep-ours (ours)")
	p("req-libzmq (libzmq)                       (ROUTER -> DEALER, ours)      rep-libzmq (libzmq)")
	p("```")
	p("")
	p("Each producer incarnation is a stream; each message carries its stream, sequence number and send time.")
	p("Faults rotate through: SIGKILL of push-libzmq, nft drop of the producer link, SIGKILL of the streamer,")
	p("of the queue and of the forwarder, nft drop of the consumer link, SIGKILL of push-ours-b, pull-libzmq,")
	p("sub-libzmq, req-libzmq and pub-ours. Every killed process is started again at once after its down time.")
	p("push-ours-a, pull-ours, sub-ours, pub-libzmq, req-ours and both REP workers run throughout.")
	p("")
	p("The pipeline must lose nothing but what a killed process held. Pub/sub may drop (a PUB drops while no")
	p("subscription has reached it, a forwarder restart loses subscriptions until the subscribers send them")
	p("again): its drops are counted, not charged, but a subscriber must receive again within the bound after")
	p("every fault, which is the resubscription check, and duplicates and order count as for the pipeline.")
	p("A REQ client sends one request at a time and, when no reply comes within 2 s, sends it again on a new")
	p("socket (Lazy Pirate); it records each reply from the reply's own payload, so a reply to the wrong")
	p("request is a duplicate or a reordering, and no request may go without its reply.")
	p("")
	p("## Figures")
	p("")
	p("| messages sent | received | pipeline lost | pub/sub dropped | duplicates | reordered | unexplained loss | faults |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|")
	p("| %d | %d | %d | %d | %d | %d | %d | %d |", sent, recv, res.Lost, res.Dropped, res.Duplicates, res.Reordered, res.Unexplained, len(rep.Faults))
	p("")
	p("Received counts every copy: each pub/sub message goes to both subscribers. Pub/sub drops count only")
	p("the messages a subscriber missed between two it received. Messages sent counts what each producer reported;")
	p("for a killed producer that is a lower bound")
	p("(it reports every 100 messages), so a killed producer's loss is counted against that bound.")
	p("")
	p("### Loss and recovery by fault kind")
	p("")
	p("Loss is charged to pipeline faults; a kill of a pub/sub process or the forwarder shows 0 here, its")
	p("drops are in the pub/sub column above. Req/rep may lose nothing: its bound is 0.")
	p("")
	p("Recovery after a kill is timed from the moment the restarted process runs (its first line on stderr),")
	p("not from its fork: a loaded machine was seen to take 5 s to start one, which is no reconnection delay.")
	p("That start-up is listed for every fault below. From there the library promises little time: a new")
	p("process dials at once, the peers of a restarted device redial within the reconnect interval and its")
	p("jitter (100-200 ms by default), then one handshake and, for pub/sub, one subscription round trip. The")
	p("bound leaves the rest as room for a loaded machine and for queues: the first message through waits")
	p("behind what subscribers that are already behind have queued, and its transit is listed too. A cut")
	p("link's bound adds the cut's length, for TCP's retransmission backoff.")
	p("")
	p("| fault | count | lost total | lost max | loss bound | recovery median | recovery max | recovery bound |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	type group struct {
		kind FaultKind
		path string
	}
	groups := map[group][]*Fault{}
	var order []group
	for _, f := range rep.Faults {
		g := group{f.Kind, f.Path}
		if g.path == "" {
			g.path = "all"
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], f)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].kind != order[j].kind {
			return order[i].kind < order[j].kind
		}
		return order[i].path < order[j].path
	})
	for _, g := range order {
		fs := groups[g]
		var total, most int
		var recs []time.Duration
		for _, f := range fs {
			total += f.Lost
			most = max(most, f.Lost)
			recs = append(recs, f.Recovery)
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i] < recs[j] })
		p("| %s (%s) | %d | %d | %d | %d | %v | %v | %v |", g.kind, g.path, len(fs), total, most, fs[0].MaxLoss,
			ms(recs[len(recs)/2]), ms(recs[len(recs)-1]), fs[0].MaxRecovery)
	}
	p("")
	p("### Every fault")
	p("")
	p("| # | at | fault | target | lasted | start-up | lost | recovery | first message's transit |")
	p("|---:|---:|---|---|---:|---:|---:|---:|---:|")
	for i, f := range rep.Faults {
		startup := "-"
		if !f.Ready.IsZero() {
			startup = ms(f.Ready.Sub(f.End))
		}
		p("| %d | %v | %s | %s | %v | %s | %d | %v | %v |", i+1, f.Start.Sub(rep.Started).Round(100*time.Millisecond),
			f.Kind, f.Target, ms(f.End.Sub(f.Start)), startup, f.Lost, ms(f.Recovery), ms(f.Transit))
	}
	p("")
	p("### Streams")
	p("")
	p("| stream | producer | sent | received (all copies) | ended |")
	p("|---:|---|---:|---:|---|")
	for _, s := range rep.Streams {
		end := "killed"
		if s.Final {
			end = "graceful stop"
		}
		p("| %d | %s | %d | %d | %s |", s.ID, s.Producer, s.Sent, s.Received, end)
	}
	p("")
	p("## Memory over time")
	p("")
	p("Resident set size from /proc/PID/status and goroutines as our processes report them, sampled every")
	p("second. A process that ran the whole run must stay flat: the lowest reading of the last fifth may")
	p("exceed the highest of the second fifth by at most %.0f%% + %d MiB, goroutines by at most %d.",
		(rssGrowthFactor-1)*100, rssGrowthSlack>>20, goroutineSlack)
	p("")
	var whole []MemorySeries
	for _, m := range rep.Memory {
		if m.Lifetime == "whole run" {
			whole = append(whole, m)
		}
	}
	head := "| t |"
	sep := "|---:|"
	for _, m := range whole {
		head += " " + m.Name + " RSS MiB | goroutines |"
		sep += "---:|---:|"
	}
	p("%s", head)
	p("%s", sep)
	if len(whole) > 0 {
		n := len(whole[0].Samples)
		for k := 0; k < 12 && n > 0; k++ {
			i := k * (n - 1) / 11
			row := fmt.Sprintf("| %v |", whole[0].Samples[i].At.Round(time.Second))
			for _, m := range whole {
				if i >= len(m.Samples) {
					row += " - | - |"
					continue
				}
				j := i
				g := "-"
				if m.Samples[j].Goroutines >= 0 {
					g = fmt.Sprint(m.Samples[j].Goroutines)
				}
				row += fmt.Sprintf(" %.1f | %s |", mib(m.Samples[j].RSS), g)
			}
			p("%s", row)
		}
	}
	p("")
	p("| process | lived | samples | RSS min MiB | RSS max MiB | verdict |")
	p("|---|---|---:|---:|---:|---|")
	for _, m := range rep.Memory {
		lo, hi := int64(0), int64(0)
		for i, s := range m.Samples {
			if i == 0 || s.RSS < lo {
				lo = s.RSS
			}
			hi = max(hi, s.RSS)
		}
		v := m.Verdict
		if v == "" {
			v = "flat"
		}
		p("| %s | %s | %d | %.1f | %.1f | %s |", m.Name, m.Lifetime, len(m.Samples), mib(lo), mib(hi), v)
	}
	p("")
	p("## Invariants")
	p("")
	p("- no duplicates: %d", res.Duplicates)
	p("- order kept per stream at each consumer: %d out of order", res.Reordered)
	p("- every loss explained by a killed process and within what it could hold: %d unexplained; link cuts must lose nothing", res.Unexplained)
	p("- traffic through every restored path within its bound, and none through a path while a fault held it")
	p("- memory and goroutines flat for the processes that ran throughout")
	p("- no panic, fatal error or data race on any stderr; every graceful stop exits 0")
	p("")
	if rep.OK() {
		p("No violation.")
		return
	}
	p("## Violations")
	p("")
	for _, v := range append(append([]string(nil), res.Violations...), rep.Problems...) {
		p("- %s", strings.ReplaceAll(v, "\n", " "))
	}
}

func ms(d time.Duration) string {
	if d < 0 {
		return "none"
	}
	return d.Round(time.Millisecond).String()
}
