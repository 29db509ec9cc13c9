package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// The charts of the side-by-side section ("## Side by side with libzmq"): per transport,
// throughput against message size (msg/s and MB/s) and the round-trip percentiles of
// REQ/REP at each message size, for libzmq, ours and the floor, from the medians (and
// min–max) of the runs just made. Files: charts/side-thr-TRANSPORT.svg and
// charts/side-lat-TRANSPORT.svg.

const sideChartPrefix = "side-"

// chartImpls are the implementations the side-by-side charts draw, in legend order.
var chartImpls = []string{"libzmq", "ours", "floor"}

var chartNames = map[string]string{"libzmq": "libzmq (C)", "ours": "ours", "floor": "floor"}

// percentileNames are the round-trip percentiles of -percentiles, in order.
var percentileNames = []string{"p50", "p90", "p99", "p99.9", "max"}

// withPercentiles adds -percentiles to the command line of a latency test (remote_lat,
// inproc_lat: zmqbench, its Go peers and the C programs all take it as a leading flag),
// so that every latency run also reports its round-trip percentiles.
func withPercentiles(c cell, argv []string) []string {
	if c.metric != "lat" {
		return argv
	}
	return append([]string{argv[0], "-percentiles"}, argv[1:]...)
}

// addRTT records one run's round-trip percentiles.
func (r *implResult) addRTT(rtt map[string]float64) {
	if len(rtt) == 0 {
		return
	}
	if r.rtt == nil {
		r.rtt = map[string][]float64{}
	}
	for k, v := range rtt {
		r.rtt[k] = append(r.rtt[k], v)
	}
}

// sideCharts draws the side-by-side section's charts beside out (the markdown file)
// and returns their markdown image links, keyed "thr TRANSPORT" and "lat TRANSPORT". A
// chart with nothing to draw is left out; the section's older charts that this run
// did not draw are removed.
func sideCharts(out string, transports []string, cells []*cellResult) (map[string]string, error) {
	dir := filepath.Join(filepath.Dir(out), chartDirName)
	links := map[string]string{}
	drawn := map[string]bool{}
	for _, tr := range transports {
		for _, metric := range []string{"thr", "lat"} {
			panels := thrPanels(cells, tr)
			alt := tr + ": throughput against message size, msg/s and MB/s, libzmq, ours and the floor"
			if metric == "lat" {
				panels = latPanels(cells, tr)
				alt = tr + ": REQ/REP round-trip percentiles, libzmq, ours and the floor"
			}
			name := fmt.Sprintf("%s%s-%s.svg", sideChartPrefix, metric, tr)
			path := filepath.Join(dir, name)
			err := writeChart(path, 2, 12*vg.Centimeter, 9*vg.Centimeter, panels)
			if errors.Is(err, errNoData) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("chart %s: %w", name, err)
			}
			drawn[name] = true
			links[metric+" "+tr] = chartLink(out, path, alt)
		}
	}
	if err := removeStaleCharts(dir, sideChartPrefix, drawn); err != nil {
		return nil, err
	}
	return links, nil
}

// cellsOf returns the cells of transport tr and metric, in message-size order.
func cellsOf(cells []*cellResult, tr, metric string) []*cellResult {
	var out []*cellResult
	for _, c := range cells {
		if c.transport == tr && c.metric == metric {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *cellResult) int { return a.size - b.size })
	return out
}

// thrPanels are transport tr's throughput against message size: msg/s, then MB/s
// (msg/s × size / 10⁶), both axes log.
func thrPanels(cells []*cellResult, tr string) []chartPanel {
	cs := cellsOf(cells, tr, "thr")
	var ticks []plot.Tick
	for _, c := range cs {
		ticks = append(ticks, plot.Tick{Value: float64(c.size), Label: sizeName(c.size)})
	}
	msgs := chartPanel{title: tr + ", PUSH → PULL: messages", xLabel: "message size",
		yLabel: "msg/s", xLog: true, xTicks: ticks}
	bytes := chartPanel{title: tr + ", PUSH → PULL: bytes", xLabel: "message size",
		yLabel: "MB/s", xLog: true, xTicks: ticks}
	for _, key := range chartImpls {
		m := chartSeries{key: key, name: chartNames[key]}
		b := m
		for _, c := range cs {
			ir := c.get(key)
			if ir == nil || !ir.ok() {
				continue
			}
			lo, hi := minMax(ir.values)
			s := float64(c.size)
			m.pts = append(m.pts, chartPoint{s, ir.median(), lo, hi})
			b.pts = append(b.pts, chartPoint{s, ir.median() * s / 1e6, lo * s / 1e6, hi * s / 1e6})
		}
		msgs.series = append(msgs.series, m)
		bytes.series = append(bytes.series, b)
	}
	return []chartPanel{msgs, bytes}
}

// latPanels are transport tr's round-trip percentiles, one panel per message size:
// for each implementation the median over the rounds of each percentile.
func latPanels(cells []*cellResult, tr string) []chartPanel {
	var ticks []plot.Tick
	for i, n := range percentileNames {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: n})
	}
	var panels []chartPanel
	for _, c := range cellsOf(cells, tr, "lat") {
		pn := chartPanel{title: fmt.Sprintf("%s, REQ ↔ REP, %s", tr, sizeName(c.size)),
			xLabel: "round-trip percentile", yLabel: "round trip µs", xTicks: ticks}
		for _, key := range chartImpls {
			ir := c.get(key)
			if ir == nil {
				continue
			}
			s := chartSeries{key: key, name: chartNames[key]}
			for i, n := range percentileNames {
				if v := ir.rtt[n]; len(v) > 0 {
					lo, hi := minMax(v)
					s.pts = append(s.pts, chartPoint{float64(i), median(v), lo, hi})
				}
			}
			pn.series = append(pn.series, s)
		}
		panels = append(panels, pn)
	}
	return panels
}

// sideChartsOrWarn draws the side-by-side charts when the section is written; a
// failure to draw is reported and leaves the tables without charts, since the runs
// took minutes and their tables are worth keeping.
func sideChartsOrWarn(cfg config, cells []*cellResult) map[string]string {
	if !cfg.write {
		return nil
	}
	links, err := sideCharts(cfg.out, cfg.transports, cells)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compare: charts not drawn: %v\n", err)
		return nil
	}
	return links
}
