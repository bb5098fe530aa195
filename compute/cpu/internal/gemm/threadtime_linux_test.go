package gemm

import (
	"runtime"
	"syscall"
	"testing"
)

// threadSeconds is the CPU time of the calling thread: unlike wall time
// it does not grow while another process holds the core.
func threadSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// cpuRate runs f b.N times on one locked thread and reports flops per op
// as GFLOP per second of that thread's CPU time.
func cpuRate(b *testing.B, flops float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	b.ResetTimer()
	t0 := threadSeconds()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.ReportMetric(flops*float64(b.N)/(threadSeconds()-t0)/1e9, "GFLOP/cpu-s")
}
