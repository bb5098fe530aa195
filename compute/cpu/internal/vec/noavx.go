//go:build !amd64

package vec

// The AVX kernels exist only on amd64; detect never selects them here.

func maxAVX512(*float32, int) float32                                   { panic("unreachable") }
func expShiftAVX512(*float32, int, float32) float32                     { panic("unreachable") }
func scaleAVX512(*float32, int, float32)                                { panic("unreachable") }
func geluTanhAVX512(*float32, int, *float32)                            { panic("unreachable") }
func geluErfAVX512(*float32, int, *float32)                             { panic("unreachable") }
func addAVX512(_, _, _ *float32, _ int)                                 { panic("unreachable") }
func sumAVX512(*float32, int) float32                                   { panic("unreachable") }
func sumSqDevAVX512(*float32, int, float32) float32                     { panic("unreachable") }
func normalizeAVX512(_, _ *float32, _ int, _, _ float32, _, _ *float32) { panic("unreachable") }
func maxAVX2(*float32, int) float32                                     { panic("unreachable") }
func expShiftAVX2(*float32, int, float32) float32                       { panic("unreachable") }
func scaleAVX2(*float32, int, float32)                                  { panic("unreachable") }
func geluTanhAVX2(*float32, int, *float32)                              { panic("unreachable") }
func geluErfAVX2(*float32, int, *float32)                               { panic("unreachable") }
func addAVX2(_, _, _ *float32, _ int)                                   { panic("unreachable") }
func sumAVX2(*float32, int) float32                                     { panic("unreachable") }
func sumSqDevAVX2(*float32, int, float32) float32                       { panic("unreachable") }
func normalizeAVX2(_, _ *float32, _ int, _, _ float32, _, _ *float32)   { panic("unreachable") }
func expShiftCols32AVX512(*float32, int, *float32)                      { panic("unreachable") }
