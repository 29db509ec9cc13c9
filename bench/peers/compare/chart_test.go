package main

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerless/zmq/bench/peers/internal/harness"
)

// These tests draw each chart from a small fixed data set and check the drawing: a
// well-formed SVG with the expected series, titles and tick labels. They say nothing
// about the figures of any real run.

// svgTexts parses an SVG document fully and returns the text of its <text> elements.
func svgTexts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	d := xml.NewDecoder(f)
	var texts []string
	root, inText := "", false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "%s is not well-formed XML", path)
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(tok)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	require.Equal(t, "svg", root, "%s: root element", path)
	return texts
}

func impl(key string, values ...float64) *implResult {
	return &implResult{prog: harness.Program{Key: key, Name: key}, values: values, count: 1000}
}

// fixedCells is a tcp run at 64 B and 1 KiB: thr for libzmq, pebbe (not charted),
// ours and the floor; lat at 64 B with percentiles for libzmq and ours and a floor
// whose runs all failed.
func fixedCells() []*cellResult {
	lat := func(key string, rtt map[string][]float64, values ...float64) *implResult {
		ir := impl(key, values...)
		ir.rtt = rtt
		return ir
	}
	return []*cellResult{
		{cell: cell{"tcp", "thr", 1024}, impls: []*implResult{
			impl("libzmq", 1.1e6, 1.0e6, 1.3e6), impl("pebbe", 0.5e6), impl("ours", 2.2e6, 2.0e6), impl("floor", 3e6)}},
		{cell: cell{"tcp", "thr", 64}, impls: []*implResult{
			impl("libzmq", 5e6), impl("pebbe", 1e6), impl("ours", 8e6, 7.5e6, 9e6), impl("floor", 20e6)}},
		{cell: cell{"tcp", "lat", 64}, impls: []*implResult{
			lat("libzmq", map[string][]float64{"p50": {30, 32}, "p90": {40, 41}, "p99": {80, 90}, "p99.9": {150, 200}, "max": {900, 2000}}, 15, 16),
			lat("ours", map[string][]float64{"p50": {25}, "p90": {33}, "p99": {70}, "p99.9": {120}, "max": {1500}}, 12),
			{prog: harness.Program{Key: "floor", Name: "floor"}, errs: []string{"timed out"}},
		}},
	}
}

func TestSideChartsDrawEachTransportAndMetric(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "RESULTS.md")
	charts := filepath.Join(dir, chartDirName)
	require.NoError(t, os.MkdirAll(charts, 0o755))
	// Left over from an earlier run with ipc: removed. Not the section's: kept.
	require.NoError(t, os.WriteFile(filepath.Join(charts, "side-thr-ipc.svg"), []byte("<svg/>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(charts, scaleMemChart), []byte("<svg/>"), 0o644))

	links, err := sideCharts(out, []string{"tcp", "ipc"}, fixedCells())
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"thr tcp": "![tcp: throughput against message size, msg/s and MB/s, libzmq, ours and the floor](charts/side-thr-tcp.svg)",
		"lat tcp": "![tcp: REQ/REP round-trip percentiles, libzmq, ours and the floor](charts/side-lat-tcp.svg)",
	}, links)
	require.NoFileExists(t, filepath.Join(charts, "side-thr-ipc.svg"))
	require.FileExists(t, filepath.Join(charts, scaleMemChart))

	thr := svgTexts(t, filepath.Join(charts, "side-thr-tcp.svg"))
	for _, want := range []string{"tcp, PUSH → PULL: messages", "tcp, PUSH → PULL: bytes",
		"msg/s", "MB/s", "message size", "64 B", "1 KiB", "libzmq (C)", "ours", "floor"} {
		require.Contains(t, thr, want)
	}
	require.NotContains(t, thr, "pebbe", "only libzmq, ours and the floor are charted")
	svg, err := os.ReadFile(filepath.Join(charts, "side-thr-tcp.svg"))
	require.NoError(t, err)
	for _, colour := range []string{"#1F77B4", "#D62728", "#555555"} { // libzmq, ours, floor
		require.Contains(t, string(svg), colour)
	}

	lat := svgTexts(t, filepath.Join(charts, "side-lat-tcp.svg"))
	for _, want := range []string{"tcp, REQ ↔ REP, 64 B", "round trip µs",
		"p50", "p90", "p99", "p99.9", "max", "libzmq (C)", "ours"} {
		require.Contains(t, lat, want)
	}
	require.NotContains(t, lat, "floor", "the floor's runs failed: no series")

	// The same data draws the same bytes, so regenerated charts change only with figures.
	_, err = sideCharts(out, []string{"tcp"}, fixedCells())
	require.NoError(t, err)
	again, err := os.ReadFile(filepath.Join(charts, "side-thr-tcp.svg"))
	require.NoError(t, err)
	require.Equal(t, string(svg), string(again))
}

func TestSideChartsNothingToDraw(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "RESULTS.md")
	// Every run failed: no chart, no file.
	cells := []*cellResult{{cell: cell{"ipc", "thr", 64}, impls: []*implResult{
		{prog: harness.Program{Key: "ours"}, errs: []string{"boom"}}}}}
	links, err := sideCharts(out, []string{"ipc"}, cells)
	require.NoError(t, err)
	require.Empty(t, links)
	require.NoFileExists(t, filepath.Join(dir, chartDirName, "side-thr-ipc.svg"))
}

func TestReportLinksChartsUnderTheirTables(t *testing.T) {
	cfg := config{rounds: 1, target: time.Second, transports: []string{"tcp"}, sizes: []int{64, 1024},
		metrics: []string{"thr", "lat"}, impls: []string{"libzmq", "pebbe", "ours", "floor"}}
	links := map[string]string{"thr tcp": "![thr](charts/side-thr-tcp.svg)", "lat tcp": "![lat](charts/side-lat-tcp.svg)"}
	md := report(cfg, fixedCells(), links, machineInfo{}, time.Minute, time.Now(), "1.00, 1.00, 1.00")
	thrTable := strings.Index(md, "### tcp, 2 processes, throughput")
	latTable := strings.Index(md, "### tcp, 2 processes, latency")
	thrChart := strings.Index(md, links["thr tcp"])
	latChart := strings.Index(md, links["lat tcp"])
	require.True(t, thrTable >= 0 && latTable >= 0, md)
	require.True(t, thrTable < thrChart && thrChart < latTable && latTable < latChart, md)
	require.Contains(t, md, "- Charts (under each table")

	md = report(cfg, fixedCells(), nil, machineInfo{}, time.Minute, time.Now(), "1.00, 1.00, 1.00")
	require.NotContains(t, md, "![")
	require.NotContains(t, md, "- Charts")
}

func TestMemChart(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "RESULTS.md")
	points := []memPoint{
		{"libzmq", 100, 30000}, {"libzmq", 1000, 21000}, {"libzmq", 10000, 20000},
		{"ours", 100, 12000}, {"ours", 1000, 9000}, {"ours", 1000, 9500}, {"ours", 10000, 8000},
	}
	link, err := memChart(out, points)
	require.NoError(t, err)
	require.Equal(t, "![memory per connection against the number of connections](charts/scale-mem.svg)", link)
	texts := svgTexts(t, filepath.Join(dir, chartDirName, scaleMemChart))
	for _, want := range []string{"memory per idle connection", "connections", "bytes per connection",
		"100", "1k", "10k", "libzmq (C)", "ours"} {
		require.Contains(t, texts, want)
	}

	// No points: no chart, and the old one goes.
	link, err = memChart(out, nil)
	require.NoError(t, err)
	require.Empty(t, link)
	require.NoFileExists(t, filepath.Join(dir, chartDirName, scaleMemChart))
}

func TestWithScaleChart(t *testing.T) {
	dir := t.TempDir()
	cfg := config{out: filepath.Join(dir, "RESULTS.md"), write: true}
	cells := []*scaleCell{
		{test: scaleIdle, clients: 100, impls: []*implResult{impl("libzmq", 30000, 31000), impl("ours", 12000)}},
		{test: scaleIdle, clients: 1000, impls: []*implResult{impl("libzmq", 28000), impl("ours", 9000)}},
	}
	md := withScaleChart(cfg, cells, "## Scale side by side with libzmq\n\n| table |\n")
	require.Equal(t, "## Scale side by side with libzmq\n\n| table |\n\n"+
		"![memory per connection against the number of connections](charts/scale-mem.svg)\n\n", md)
	texts := svgTexts(t, filepath.Join(dir, chartDirName, scaleMemChart))
	require.Contains(t, texts, "libzmq (C)")
	require.Contains(t, texts, "ours")

	// Printed, not written: nothing drawn.
	cfg.write = false
	require.Equal(t, "md", withScaleChart(cfg, cells, "md"))
}

func TestMemPanelMedians(t *testing.T) {
	pn := memPanel([]memPoint{{"ours", 1000, 9000}, {"ours", 1000, 9500}, {"ours", 1000, 12000}, {"ours", 10, 1}})
	require.Len(t, pn.series, 1)
	require.Equal(t, []chartPoint{{10, 1, 1, 1}, {1000, 9500, 9000, 12000}}, pn.series[0].pts)
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	require.Equal(t, []string{"1k", "10k", "100k", "1M", "10M"}, labels(900, 2e7))
	require.Equal(t, []string{"20", "50", "100", "200", "500"}, labels(15, 900))
	require.Equal(t, []string{"0.2", "0.5", "1"}, labels(0.15, 1.2))
	require.Empty(t, (logTicks{}).Ticks(0, 10))
	require.Equal(t, "2.5M", siNumber(2.5e6))
	require.Equal(t, "64k", siNumber(64000))
}

func TestWithPercentiles(t *testing.T) {
	argv := []string{"/bin/remote_lat", "-curve", "tcp://127.0.0.1:1", "64", "10"}
	require.Equal(t, []string{"/bin/remote_lat", "-percentiles", "-curve", "tcp://127.0.0.1:1", "64", "10"},
		withPercentiles(cell{"tcp", "lat", 64}, argv))
	require.Equal(t, argv, withPercentiles(cell{"tcp", "thr", 64}, argv))
}

func TestReportTabulatesRoundTripP99(t *testing.T) {
	cfg := config{rounds: 1, target: time.Second, transports: []string{"tcp"}, sizes: []int{64},
		metrics: []string{"lat"}, impls: []string{"libzmq", "ours", "floor"}}
	cells := fixedCells()
	// A floor with percentiles this time: ours' p99 70 µs against the floor's median 50.
	cells[2].impls[2] = &implResult{prog: harness.Program{Key: "floor", Name: "floor"}, values: []float64{10, 11, 12},
		count: 1000, rtt: map[string][]float64{"p99": {40, 50, 60}}}
	md := report(cfg, cells, nil, machineInfo{}, time.Minute, time.Now(), "1.00, 1.00, 1.00")
	require.Contains(t, md, "| tcp | lat p99 ours ÷ floor | 1.40× |")
	require.Contains(t, md, "| round-trip p99 µs, median | p99 ÷ floor |")
	require.Contains(t, md, "| 64 B | ours | 12.00 | 12.00 – 12.00 | 0.77× | 1.09× | 1000 | 70.0 | 1.40× |")
	require.Contains(t, md, "| 64 B | libzmq | 15.50 | 15.00 – 16.00 | 1.00× | 1.41× | 1000 | 85.0 | 1.70× |")

	// Without the floor's percentiles the ratio is a dash, not a number.
	md = report(cfg, fixedCells(), nil, machineInfo{}, time.Minute, time.Now(), "1.00, 1.00, 1.00")
	require.Contains(t, md, "| tcp | lat p99 ours ÷ floor | – |")
	require.Contains(t, md, "| 64 B | floor | failed: timed out | | | | | | |")
}

func TestReportNotesARetriedPilot(t *testing.T) {
	cfg := config{rounds: 1, target: time.Second, transports: []string{"tcp"}, sizes: []int{64},
		metrics: []string{"thr"}, impls: []string{"libzmq", "ours", "floor"}}
	cells := fixedCells()
	cells[1].impls[0].pilotErrs = []string{"local_thr: timed out after 15s"}
	md := report(cfg, cells, nil, machineInfo{}, time.Minute, time.Now(), "1.00, 1.00, 1.00")
	require.Contains(t, md, "- libzmq, 64 B: the pilot run failed once and was made again: local_thr: timed out after 15s")
	require.NotContains(t, md, "- ours, 64 B: the pilot")
}
