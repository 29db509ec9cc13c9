// Package raceflag tells tests whether the race detector is on. It changes behaviour
// tests may depend on: sync.Pool drops items at random under it.
package raceflag
