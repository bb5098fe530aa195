//go:build unix

package tokenizer

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time this process has used so far.
// Benchmarks report it beside wall time because the machines they run on
// are shared: CPU time per operation is steadier than wall time when
// other jobs compete for the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
