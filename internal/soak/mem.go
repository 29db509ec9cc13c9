package soak

import (
	"fmt"
	"time"
)

// Sample is one reading of a process's resident memory and, for our
// processes, goroutine count (-1 when the process does not report it).
type Sample struct {
	At         time.Duration // since the run started
	RSS        int64         // bytes
	Goroutines int
}

// Growth bounds for Flat: after warm-up, the lowest reading at the end may
// exceed the highest reading early on by at most this much.
const (
	rssGrowthFactor = 1.5
	rssGrowthSlack  = 16 << 20
	goroutineSlack  = 16
	minSamples      = 10
)

// Flat checks that a long-lived process's memory and goroutines did not grow
// over the run. It compares the lowest readings of the last fifth of the
// samples with the highest of the second fifth (the first is warm-up): a
// leak raises even the lowest reading, while a garbage-collection peak
// early on only raises the baseline. It returns "" when flat, or why not.
func Flat(samples []Sample) string {
	n := len(samples)
	if n < minSamples {
		return fmt.Sprintf("only %d samples, need %d to judge growth", n, minSamples)
	}
	base := samples[n/5 : 2*n/5]
	end := samples[n-n/5:]
	var baseRSS, baseG int64 = 0, -1
	for _, s := range base {
		baseRSS = max(baseRSS, s.RSS)
		if s.Goroutines >= 0 {
			baseG = max(baseG, int64(s.Goroutines))
		}
	}
	endRSS, endG := end[0].RSS, int64(end[0].Goroutines)
	for _, s := range end {
		endRSS = min(endRSS, s.RSS)
		endG = min(endG, int64(s.Goroutines))
	}
	if limit := int64(float64(baseRSS)*rssGrowthFactor) + rssGrowthSlack; endRSS > limit {
		return fmt.Sprintf("RSS grew from at most %.1f MiB early to at least %.1f MiB at the end (limit %.1f MiB)",
			mib(baseRSS), mib(endRSS), mib(limit))
	}
	if baseG >= 0 && endG > baseG+goroutineSlack {
		return fmt.Sprintf("goroutines grew from at most %d early to at least %d at the end (limit %d)",
			baseG, endG, baseG+goroutineSlack)
	}
	return ""
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
