package gemm

import "unsafe"

// unsafeSlice views n floats from p; the driver has bounds-checked them.
func unsafeSlice(p *float32, n int) []float32 { return unsafe.Slice(p, n) }
