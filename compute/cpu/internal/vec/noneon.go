//go:build !arm64

package vec

// The NEON kernels exist only on arm64; detect never selects them here.

func maxNEON([]float32) float32                                  { panic("unreachable") }
func expShiftNEON([]float32, float32) float32                    { panic("unreachable") }
func scaleNEON([]float32, float32)                               { panic("unreachable") }
func geluTanhNEON(_, _ []float32)                                { panic("unreachable") }
func geluErfNEON(_, _ []float32)                                 { panic("unreachable") }
func addNEON(_, _, _ []float32)                                  { panic("unreachable") }
func sumNEON([]float32) float32                                  { panic("unreachable") }
func sumSqDevNEON([]float32, float32) float32                    { panic("unreachable") }
func normalizeNEON(_, _ []float32, _, _ float32, _, _ []float32) { panic("unreachable") }
