package perf

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRSS(t *testing.T) {
	rss, peak, err := RSS()
	require.NoError(t, err)
	require.Positive(t, rss)
	require.GreaterOrEqual(t, peak, rss)

	// 64 MiB written page by page is resident until collected.
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	grown, _, err := RSS()
	require.NoError(t, err)
	require.Greater(t, grown-rss, int64(48<<10), "KiB")
	b[len(b)-1] = 1 // keep b alive past the reading
}

func TestSteadyRSS(t *testing.T) {
	rss, err := SteadyRSS()
	require.NoError(t, err)
	require.Positive(t, rss)
}
