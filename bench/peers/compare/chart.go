package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts of RESULTS.md are SVG files in a directory "charts" beside the markdown
// file (bench/charts for bench/RESULTS.md), drawn with gonum.org/v1/plot from the runs
// just made and linked from the section that was written with markdown image links.
// Each section owns the files with its prefix: writing the section draws them again
// and removes those of its prefix that the run did not draw.

const chartDirName = "charts"

// errNoData is returned when a chart has no point to draw.
var errNoData = errors.New("no data to draw")

// chartPoint is one median (y) at x, with the min–max range over the rounds.
type chartPoint struct{ x, y, lo, hi float64 }

// chartSeries is one implementation's line in a panel.
type chartSeries struct {
	key  string // implementation key (libzmq, ours, floor): picks the colour
	name string // the legend's text
	pts  []chartPoint
}

// chartPanel is one plot of a chart; a chart is a grid of panels in one file.
type chartPanel struct {
	title, xLabel, yLabel string
	xLog                  bool        // log x axis (message sizes, connection counts)
	xTicks                []plot.Tick // the labelled x positions; nil: automatic
	series                []chartSeries
}

// chartStyle gives the fixed colour of an implementation (so "ours" looks the same in
// every chart) and whether its line is dashed (the floor, a reference, not a library).
func chartStyle(key string, i int) (color.Color, bool) {
	switch key {
	case "libzmq":
		return color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, false
	case "ours":
		return color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, false
	case "floor":
		return color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}, true
	}
	others := []color.Color{
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
		color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	}
	return others[i%len(others)], false
}

// writeChart draws panels into an SVG file at path, at most cols to a row, each
// panel w × h. Series points that a log axis cannot show (zero or negative) are left
// out, and so are panels left with no point; with none at all it returns errNoData and
// writes nothing.
func writeChart(path string, cols int, w, h vg.Length, panels []chartPanel) error {
	var plots []*plot.Plot
	for _, pn := range panels {
		if p := pn.plot(); p != nil {
			plots = append(plots, p)
		}
	}
	if len(plots) == 0 {
		return errNoData
	}
	cols = max(1, min(cols, len(plots)))
	rows := (len(plots) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i, p := range plots {
		if grid[i/cols] == nil {
			grid[i/cols] = make([]*plot.Plot, cols)
		}
		grid[i/cols][i%cols] = p
	}
	c := vgsvg.New(vg.Length(cols)*w, vg.Length(rows)*h)
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 6 * vg.Millimeter, PadY: 6 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter,
		PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter}
	canvases := plot.Align(grid, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i/cols][i%cols])
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// chartFont is the typeface of every label. The SVG names it without embedding it
// (Liberation Sans has the metrics of Arial and Helvetica, which viewers substitute).
var chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// plot builds the panel's plot: log y axis, the series as lines with points and
// min–max bars, a legend at the top left. It returns nil when no point is drawable.
func (pn chartPanel) plot() *plot.Plot {
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	var series []chartSeries
	for _, s := range pn.series {
		var pts []chartPoint
		for _, pt := range s.pts {
			if pt.y <= 0 || (pn.xLog && pt.x <= 0) || math.IsNaN(pt.y) || math.IsInf(pt.y, 0) {
				continue
			}
			pt.lo, pt.hi = min(pt.lo, pt.y), max(pt.hi, pt.y)
			if pt.lo <= 0 {
				pt.lo = pt.y
			}
			pts = append(pts, pt)
			xlo, xhi = min(xlo, pt.x), max(xhi, pt.x)
			ylo, yhi = min(ylo, pt.lo), max(yhi, pt.hi)
		}
		if len(pts) > 0 {
			series = append(series, chartSeries{s.key, s.name, pts})
		}
	}
	if len(series) == 0 {
		return nil
	}
	p := plot.New()
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Typeface, f.Variant = chartFont.Typeface, chartFont.Variant
	}
	p.Title.Text = pn.title
	p.X.Label.Text = pn.xLabel
	p.Y.Label.Text = pn.yLabel
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	// Room above the data for the legend: a third of the height, in log space.
	p.Y.Min, p.Y.Max = ylo/1.6, yhi*1.6
	p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, 0.5)
	if pn.xLog {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
		p.X.Min, p.X.Max = xlo/1.6, xhi*1.6
	} else {
		p.X.Min, p.X.Max = xlo-0.4, xhi+0.4
	}
	if pn.xTicks != nil {
		p.X.Tick.Marker = plot.ConstantTicks(pn.xTicks)
	}
	grid := plotter.NewGrid()
	grid.Horizontal.Color = color.Gray{Y: 0xdd}
	grid.Vertical.Color = color.Gray{Y: 0xdd}
	p.Add(grid)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = 2*vg.Millimeter, -vg.Millimeter
	p.Legend.ThumbnailWidth = 8 * vg.Millimeter
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Padding = vg.Points(2)

	for i, s := range series {
		clr, dashed := chartStyle(s.key, i)
		xys := make(plotter.XYs, len(s.pts))
		bars := errPoints{XYs: make(plotter.XYs, len(s.pts)), YErrors: make(plotter.YErrors, len(s.pts))}
		for j, pt := range s.pts {
			xys[j] = plotter.XY{X: pt.x, Y: pt.y}
			bars.XYs[j] = xys[j]
			bars.YErrors[j].Low, bars.YErrors[j].High = pt.y-pt.lo, pt.hi-pt.y
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue // a NaN or an infinity, filtered above
		}
		line.Color, line.Width = clr, vg.Points(1.5)
		if dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		points.Color = clr
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(2.5)
		p.Add(line, points)
		if eb, err := plotter.NewYErrorBars(bars); err == nil {
			eb.Color, eb.CapWidth = clr, vg.Points(4)
			p.Add(eb)
		}
		p.Legend.Add(s.name, line, points)
	}
	return p
}

// errPoints are a series' medians with their distances to the min and max.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// logTicks labels the powers of ten of a log axis with SI suffixes (1k, 10M), and 2×
// and 5× as well when the axis spans at most three decades, with unlabelled minor ticks
// at the other multiples.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || lo >= hi {
		return nil
	}
	few := math.Log10(hi)-math.Log10(lo) <= 3
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		dec := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := dec * float64(m)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 5)) {
				t.Label = siNumber(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// siNumber formats v with an SI suffix: 0.5, 20, 1k, 64k, 2.5M, 1G.
func siNumber(v float64) string {
	suffix := ""
	for _, s := range []struct {
		f float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= s.f {
			v, suffix = v/s.f, s.s
			break
		}
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64) + suffix
}

// chartLink is the markdown image link to the chart at path, relative to the
// markdown file out.
func chartLink(out, path, alt string) string {
	rel, err := filepath.Rel(filepath.Dir(out), path)
	if err != nil {
		rel = path
	}
	return fmt.Sprintf("![%s](%s)", alt, filepath.ToSlash(rel))
}

// removeStaleCharts removes the SVG files of dir whose names start with prefix and are
// not in keep (the charts a section drew before and did not draw this time).
func removeStaleCharts(dir, prefix string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".svg") && !keep[name] {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return nil
}
