package main

import (
	"slices"
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

// scaleCell is one test at one client count, with every implementation's runs. For
// router the values are replies/s, for conns connections/s, for idle bytes per
// connection.
type scaleCell struct {
	test    string // scaleRouter, scaleConns or scaleIdle
	clients int
	impls   []*implResult
}

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
