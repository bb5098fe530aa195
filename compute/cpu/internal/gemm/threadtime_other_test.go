//go:build !linux

package gemm

import "testing"

// cpuRate runs f b.N times and reports flops per op as GFLOP per second of
// wall time (no per-thread CPU clock here).
func cpuRate(b *testing.B, flops float64, f func()) {
	f()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/cpu-s")
}
