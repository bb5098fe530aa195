//go:build unix

package cpu

import "syscall"

// cpuSeconds is the CPU time this process has used, all threads together.
// Unlike wall time it does not grow while other processes hold the cores.
// The result lives in a package variable so that measuring allocates
// nothing inside a benchmark's timed region.
var ru syscall.Rusage

func cpuSeconds() float64 {
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
