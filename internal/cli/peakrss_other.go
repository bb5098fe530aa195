//go:build !unix && !windows

package cli

// peakRSS is unknown here: 0, which bench --cold prints as unknown.
func peakRSS() int64 { return 0 }
