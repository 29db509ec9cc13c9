package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// The chart of the scale section (-scale): memory per connection against the number
// of connections, one line per implementation, both axes log, from the memPoint series
// of scale.go (memSeries). File: charts/scale-mem.svg.

const scaleMemChart = "scale-mem.svg"

// memChart draws points (several per implementation and N are summarised by their
// median and min–max) beside out, the markdown file, and returns the markdown image
// link to put in the scale section. It returns an empty link and no error when there
// is no point.
func memChart(out string, points []memPoint) (string, error) {
	dir := filepath.Join(filepath.Dir(out), chartDirName)
	path := filepath.Join(dir, scaleMemChart)
	err := writeChart(path, 1, 16*vg.Centimeter, 10*vg.Centimeter, []chartPanel{memPanel(points)})
	if errors.Is(err, errNoData) {
		return "", removeStaleCharts(dir, scaleMemChart, nil)
	} else if err != nil {
		return "", fmt.Errorf("chart %s: %w", scaleMemChart, err)
	}
	return chartLink(out, path, "memory per connection against the number of connections"), nil
}

// memPanel groups points by implementation (in order of first appearance) and N.
func memPanel(points []memPoint) chartPanel {
	pn := chartPanel{title: "memory per idle connection", xLabel: "connections",
		yLabel: "bytes per connection", xLog: true}
	var impls []string
	var ns []int
	byKey := map[string]map[int][]float64{}
	for _, p := range points {
		if byKey[p.Impl] == nil {
			byKey[p.Impl] = map[int][]float64{}
			impls = append(impls, p.Impl)
		}
		byKey[p.Impl][p.N] = append(byKey[p.Impl][p.N], p.BytesPerConn)
		if !slices.Contains(ns, p.N) {
			ns = append(ns, p.N)
		}
	}
	slices.Sort(ns)
	for _, n := range ns {
		pn.xTicks = append(pn.xTicks, plot.Tick{Value: float64(n), Label: siNumber(float64(n))})
	}
	for _, impl := range impls {
		s := chartSeries{key: impl, name: impl}
		if name, ok := chartNames[impl]; ok {
			s.name = name
		}
		for _, n := range ns {
			if v := byKey[impl][n]; len(v) > 0 {
				lo, hi := minMax(v)
				s.pts = append(s.pts, chartPoint{float64(n), median(v), lo, hi})
			}
		}
		pn.series = append(pn.series, s)
	}
	return pn
}

// withScaleChart draws the memory chart of the scale cells when the section is
// written and returns md, the section, with the chart's link at its end. A failure to
// draw is reported and leaves md as it is. scaleFinish calls it on the section it built.
func withScaleChart(cfg config, cells []*scaleCell, md string) string {
	if !cfg.write {
		return md
	}
	link, err := memChart(cfg.out, memSeries(cells))
	if err != nil {
		fmt.Fprintf(os.Stderr, "compare: chart not drawn: %v\n", err)
		return md
	}
	if link == "" {
		return md
	}
	return strings.TrimRight(md, "\n") + "\n\n" + link + "\n\n"
}
