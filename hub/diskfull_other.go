//go:build !unix && !windows

package hub

// isDiskFull cannot recognise a full disk on this platform.
func isDiskFull(error) bool { return false }
