package main

import (
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

// Scale mode (-scale): a ROUTER server with many DEALER clients, libzmq's C programs
// (bench/peers/c) beside zmqbench, interleaved as every other mode. Three tests:
//
//   - router: local_router echoes requests of -scale-size bytes to their sender;
//     remote_dealers runs N DEALERs in one process, each with a window of outstanding
//     requests. The figure is replies per second at the clients, from the moment every
//     DEALER has made one round trip to the last reply.
//   - conns: remote_conns opens N DEALERs at once against local_router; the figure is
//     connections per second from the first connect until every DEALER has made one
//     round trip (connect, handshake, one message).
//   - idle: local_idle binds a ROUTER and waits until N peers each sent one message;
//     remote_idle holds those N DEALERs open. The figure is the server's resident
//     memory after them minus before them, divided by N, once that memory is steady.
//
// The result goes to its own section of RESULTS.md, with issue 13's targets.

const (
	scaleHeading = "## Scale side by side with libzmq"

	scaleRouter = "router" // ROUTER throughput with N DEALER clients
	scaleConns  = "conns"  // connection setup rate of N DEALERs opened at once
	scaleIdle   = "idle"   // server memory per idle connection
)

// scaleConfig holds the flags of scale mode.
type scaleConfig struct {
	on       bool
	size     int           // request body of the router cells
	requests int           // requests of one router run, all clients together
	router   []int         // client counts of the router cells
	conns    []int         // client counts of the conns cells
	idle     []int         // client counts of the idle cells
	client   string        // whose client programs: "ours", "libzmq", or "own" (each its own)
	timeout  time.Duration // bound of one run

	routerList, connsList, idleList string
}

// scaleFlags registers scale mode's flags.
func scaleFlags(s *scaleConfig) {
	flag.BoolVar(&s.on, "scale", false, "scale mode: a ROUTER server with many DEALER clients, libzmq and ours: throughput (-scale-router), connection setup rate (-scale-conns), memory per idle connection (-scale-idle); defaults -rounds 3 -impls libzmq,ours; writes the section \""+scaleHeading+"\"")
	flag.IntVar(&s.size, "scale-size", 64, "scale mode: request size of the router cells in bytes")
	flag.IntVar(&s.requests, "scale-requests", 200000, "scale mode: requests of one router run, all clients together")
	flag.StringVar(&s.routerList, "scale-router", "1000,10000", "scale mode: client counts of the ROUTER throughput cells")
	flag.StringVar(&s.connsList, "scale-conns", "1000", "scale mode: client counts of the connection-rate cells")
	flag.StringVar(&s.idleList, "scale-idle", "1000,2000,5000,10000", "scale mode: client counts of the idle-memory cells")
	flag.StringVar(&s.client, "scale-client", "ours", "scale mode: the client programs every server is measured with: ours (zmqbench), libzmq (bench/peers/c, at most about 9,900 clients under a file limit of 20,000), or own (each implementation its own)")
	flag.DurationVar(&s.timeout, "scale-timeout", 3*time.Minute, "scale mode: bound of one run")
}

// scaleDefaults checks scale mode's flags and sets its defaults for the flags not given.
func scaleDefaults(cfg *config, set map[string]bool, impls *string) {
	s := &cfg.scale
	if cfg.curve || cfg.ws {
		fatalf("-scale is a mode of its own, without -curve or -ws")
	}
	if !set["impls"] {
		*impls = "libzmq,ours"
	}
	if !set["rounds"] {
		cfg.rounds = 3
	}
	if cfg.quick {
		if !set["rounds"] {
			cfg.rounds = 1
		}
		if !set["scale-requests"] {
			s.requests = 20000
		}
		if !set["scale-router"] {
			s.routerList = "100"
		}
		if !set["scale-conns"] {
			s.connsList = "100"
		}
		if !set["scale-idle"] {
			s.idleList = "100,200"
		}
	}
	counts := func(list string) []int {
		var out []int
		for _, f := range splitList(list) {
			n, err := strconv.Atoi(f)
			if err != nil || n < 1 {
				fatalf("bad client count %q", f)
			}
			out = append(out, n)
		}
		return out
	}
	s.router, s.conns, s.idle = counts(s.routerList), counts(s.connsList), counts(s.idleList)
	if s.size < 1 || s.requests < 1 || s.timeout <= 0 {
		fatalf("-scale-size, -scale-requests and -scale-timeout must be positive")
	}
	switch s.client {
	case "ours", "libzmq":
		if !slices.Contains(splitList(*impls), s.client) {
			fatalf("-scale-client %s needs %s in -impls", s.client, s.client)
		}
	case "own":
	default:
		fatalf("-scale-client is ours, libzmq or own, not %q", s.client)
	}
}

// scaleCell is one test at one client count, with every implementation's runs. For
// router the values are replies/s, for conns connections/s, for idle bytes per
// connection.
type scaleCell struct {
	test    string // scaleRouter, scaleConns or scaleIdle
	clients int
	impls   []*implResult
	// figures holds each implementation's other figures per run, by key and name:
	// "server msg/s", "server rss KiB" and "server peak rss KiB" (router and conns),
	// "rss before KiB" and "rss after KiB" (idle).
	figures map[string]map[string][]float64
}

func (c *scaleCell) String() string { return fmt.Sprintf("scale %s %d", c.test, c.clients) }

// get returns the runs of the implementation with the given key, or nil.
func (c *scaleCell) get(key string) *implResult {
	for _, r := range c.impls {
		if r.prog.Key == key {
			return r
		}
	}
	return nil
}

// memPoint is one point of the memory-per-idle-connection series: the median bytes an
// implementation's ROUTER process holds per idle connection with N peers connected.
type memPoint struct {
	Impl         string // implementation key: libzmq, ours
	N            int    // idle connections
	BytesPerConn float64
}

// memSeries returns the idle cells as points, ordered by implementation (in the order
// the cells list them) and then by N; implementations whose runs all failed at an N
// have no point there.
func memSeries(cells []*scaleCell) []memPoint {
	var out []memPoint
	var order []string
	for _, c := range cells {
		for _, ir := range c.impls {
			if !slices.Contains(order, ir.prog.Key) {
				order = append(order, ir.prog.Key)
			}
		}
	}
	for _, key := range order {
		var pts []memPoint
		for _, c := range cells {
			if c.test != scaleIdle {
				continue
			}
			if ir := c.get(key); ir != nil && ir.ok() {
				pts = append(pts, memPoint{Impl: key, N: c.clients, BytesPerConn: ir.median()})
			}
		}
		slices.SortFunc(pts, func(a, b memPoint) int { return a.N - b.N })
		out = append(out, pts...)
	}
	return out
}

// scaleSample is what one scale run printed: the cell's value and its other figures.
type scaleSample struct {
	value   float64
	figures map[string]float64
}

// runScale runs one scale test: server's local program against client's remote one
// over a fresh 127.0.0.1 port, and checks the report against the request.
func (r *runner) runScale(test string, n int, server, client harness.Program) (scaleSample, error) {
	s := r.cfg.scale
	var local, remote []string
	var want map[string]float64 // lines whose value is known in advance
	var need []string           // lines that must be there
	argv := func(ep string) {
		nn := strconv.Itoa(n)
		switch test {
		case scaleRouter:
			size, req := strconv.Itoa(s.size), strconv.Itoa(s.requests)
			local = server.Argv("local_router", ep, size, req)
			remote = client.Argv("remote_dealers", ep, size, req, nn)
			want = map[string]float64{"message size": float64(s.size), "request count": float64(s.requests),
				"clients": float64(n), "replies": float64(s.requests)}
			need = []string{"mean throughput", "server throughput", "server rss", "server peak rss"}
		case scaleConns:
			local = server.Argv("local_router", ep, "1", nn)
			remote = client.Argv("remote_conns", ep, nn)
			want = map[string]float64{"message size": 1, "request count": float64(n), "clients": float64(n)}
			need = []string{"mean connection rate", "server throughput", "server rss", "server peak rss"}
		case scaleIdle:
			local = server.Argv("local_idle", ep, nn)
			remote = client.Argv("remote_idle", ep, nn)
			want = map[string]float64{"clients": float64(n)}
			need = []string{"rss before", "rss after", "memory per connection"}
		}
	}
	var out string
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		port, perr := harness.FreePort()
		if perr != nil {
			return scaleSample{}, perr
		}
		ep := fmt.Sprintf("tcp://127.0.0.1:%d", port)
		argv(ep)
		out, err = harness.RunPairOutput(local, remote, ep, harness.Options{Timeout: s.timeout})
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "address already in use") {
			break
		}
	}
	if err != nil {
		return scaleSample{}, err
	}
	m, err := harness.Figures(out)
	if err != nil {
		return scaleSample{}, err
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			return scaleSample{}, fmt.Errorf("report does not match the request (%q: want %v): %q", k, v, out)
		}
	}
	for _, k := range need {
		if _, ok := m[k]; !ok {
			return scaleSample{}, fmt.Errorf("no %q line in %q", k, out)
		}
	}
	res := scaleSample{figures: map[string]float64{}}
	switch test {
	case scaleIdle:
		res.value = m["memory per connection"]
		res.figures["rss before KiB"] = m["rss before"]
		res.figures["rss after KiB"] = m["rss after"]
	default:
		res.value = m["mean throughput"]
		if test == scaleConns {
			res.value = m["mean connection rate"]
		}
		res.figures["server msg/s"] = m["server throughput"]
		res.figures["server rss KiB"] = m["server rss"]
		res.figures["server peak rss KiB"] = m["server peak rss"]
	}
	return res, nil
}

// scaleClient returns the client program that server is measured with.
func scaleClient(s scaleConfig, server harness.Program, progs []harness.Program) harness.Program {
	if s.client == "own" {
		return server
	}
	for _, p := range progs {
		if p.Key == s.client {
			return p
		}
	}
	return server // scaleDefaults made sure the client is among progs
}

// scaleCellRun runs every server in progs on one test at n clients, interleaved,
// r.cfg.rounds times, the starting one rotating.
func (r *runner) scaleCellRun(test string, n int, progs []harness.Program) *scaleCell {
	c := &scaleCell{test: test, clients: n, figures: map[string]map[string][]float64{}}
	for _, p := range progs {
		c.impls = append(c.impls, &implResult{prog: p, count: n})
		c.figures[p.Key] = map[string][]float64{}
	}
	for round := 0; round < r.cfg.rounds; round++ {
		for i := range c.impls {
			ir := c.impls[(i+round)%len(c.impls)]
			if len(ir.errs) >= 2 {
				continue
			}
			client := scaleClient(r.cfg.scale, ir.prog, progs)
			s, err := r.runScale(test, n, ir.prog, client)
			line := map[string]any{"mode": "scale", "test": test, "clients": n, "impl": ir.prog.Key,
				"client": client.Key, "round": round}
			if err != nil {
				ir.errs = append(ir.errs, err.Error())
				line["error"] = err.Error()
				fmt.Fprintf(os.Stderr, "%-18s %-7s round %d failed: %v\n", c, ir.prog.Key, round, err)
			} else {
				ir.values = append(ir.values, s.value)
				line["value"] = s.value
				for k, v := range s.figures {
					c.figures[ir.prog.Key][k] = append(c.figures[ir.prog.Key][k], v)
					line[k] = v
				}
			}
			if r.raw != nil {
				b, _ := json.Marshal(line)
				fmt.Fprintf(r.raw, "%s\n", b)
			}
		}
	}
	var sum []string
	for _, ir := range c.impls {
		v := "fail"
		if ir.ok() {
			v = fmt.Sprintf("%.0f", ir.median())
		}
		sum = append(sum, ir.prog.Key+"="+v)
	}
	fmt.Fprintf(os.Stderr, "%-18s %s\n", c, strings.Join(sum, " "))
	return c
}

// runScaleMode runs every scale cell: the idle ones first (they are the quickest
// and the most sensitive to what ran before), then conns, then router.
func (r *runner) runScaleMode(progs []harness.Program) []*scaleCell {
	s := r.cfg.scale
	var cells []*scaleCell
	for _, n := range s.idle {
		cells = append(cells, r.scaleCellRun(scaleIdle, n, progs))
	}
	for _, n := range s.conns {
		cells = append(cells, r.scaleCellRun(scaleConns, n, progs))
	}
	for _, n := range s.router {
		cells = append(cells, r.scaleCellRun(scaleRouter, n, progs))
	}
	return cells
}

// scaleFinish runs scale mode and writes (or prints) its section.
func (r *runner) scaleFinish(progs []harness.Program, m machineInfo, started time.Time, load string) {
	cells := r.runScaleMode(progs)
	md := scaleReport(r.cfg, cells, m, time.Since(started), started, load)
	if !r.cfg.write {
		fmt.Print(md)
		return
	}
	md = withScaleChart(r.cfg, cells, md)
	if err := writeSection(r.cfg.out, scaleHeading, md); err != nil {
		fatalf("%v", err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%v)\n", r.cfg.out, time.Since(started).Round(time.Second))
}
