//go:build !race

package socket

// raceEnabled reports whether the race detector is on (it changes sync.Pool).
const raceEnabled = false
