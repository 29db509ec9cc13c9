//go:build race

package wire

// raceEnabled reports whether the race detector is on (it changes sync.Pool).
const raceEnabled = true
