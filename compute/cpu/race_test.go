//go:build race

package cpu

// raceEnabled: the race detector allocates (and empties sync.Pools) on its own.
const raceEnabled = true
