package naflex

import (
	"fmt"
	"math"
)

// ResizePositions resizes SigLIP 2's learned position table to a patch grid
// the way Siglip2VisionEmbeddings.resize_positional_embeddings does on CPU:
// the (side·side, dim) table is viewed as a side × side grid of dim-vectors
// (row = y), resized per channel with
// F.interpolate(size=(gridH, gridW), mode="bilinear", align_corners=False,
// antialias=True) in float32, and returned as gridH·gridW rows of dim
// values in row-major grid order. (Padding rows are the caller's: HF gives
// them row 0 of the result.)
//
// The arithmetic follows PyTorch 1.13's separable CPU kernel: weights are
// computed in float32 from a triangle filter widened by in/out when
// downscaling (plain bilinear with edge clamping when upscaling) and
// normalised to sum to 1; the width pass runs first, then the height pass,
// each skipped when its size is unchanged; sums accumulate in float32 in
// PyTorch's order with the rounding of its AVX2 build (see accumulate).
// Results equal torch bit for bit on the generated cases; another torch
// build may differ in the last bit of a few values.
func ResizePositions(table []float32, side, dim, gridH, gridW int) ([]float32, error) {
	if side <= 0 || dim <= 0 {
		return nil, fmt.Errorf("resize positions: table side %d and dim %d must be positive", side, dim)
	}
	if len(table) != side*side*dim {
		return nil, fmt.Errorf("resize positions: table has %d values, want %d×%d×%d = %d", len(table), side, side, dim, side*side*dim)
	}
	if gridH <= 0 || gridW <= 0 || gridH > 1<<16 || gridW > 1<<16 {
		return nil, fmt.Errorf("resize positions: grid %dx%d must be 1..65536 on each side", gridH, gridW)
	}
	if gridH == side && gridW == side {
		return append([]float32(nil), table...), nil // identity, as a copy
	}
	cur, curH, curW := table, side, side
	if gridW != side {
		ax := aaAxis(side, gridW)
		next := make([]float32, curH*gridW*dim)
		for y := 0; y < curH; y++ {
			for x := 0; x < gridW; x++ {
				w := ax.weights(x)
				out := next[(y*gridW+x)*dim : (y*gridW+x+1)*dim]
				in := func(j int) []float32 {
					k := (y*curW + ax.start[x] + j) * dim
					return cur[k : k+dim]
				}
				accumulate(out, w, in)
			}
		}
		cur, curW = next, gridW
	}
	if gridH != side {
		ax := aaAxis(side, gridH)
		next := make([]float32, gridH*curW*dim)
		for y := 0; y < gridH; y++ {
			w := ax.weights(y)
			for x := 0; x < curW; x++ {
				out := next[(y*curW+x)*dim : (y*curW+x+1)*dim]
				in := func(j int) []float32 {
					k := ((ax.start[y]+j)*curW + x) * dim
					return cur[k : k+dim]
				}
				accumulate(out, w, in)
			}
		}
		cur = next
	}
	return cur, nil
}

// accumulate sets out[c] = Σ_j in(j)[c]·w[j] in float32 with the rounding
// of the Debian torch 1.13 CPU kernel (AVX2 dispatch) the reference data
// comes from. Its C++ loop is `out = t0*w0; for j ≥ 1: out += tj*wj`; probing
// that build with two-tap inputs shows it rounds like this: the j = 0
// product, then taps in groups of four with a separately rounded multiply
// and add, then the last (size−1) mod 4 taps as fused multiply-adds (the
// pattern of a compiler unrolling the loop by four and contracting only the
// remainder). This model reproduces every generated case bit for bit.
func accumulate(out, w []float32, in func(j int) []float32) {
	if len(w) == 0 {
		clear(out)
		return
	}
	first := in(0)
	for c := range out {
		out[c] = first[c] * w[0]
	}
	j := 1
	for split := 1 + 4*((len(w)-1)/4); j < split; j++ {
		src, wj := in(j), w[j]
		for c, v := range src {
			out[c] += float32(v * wj) // the conversion forbids fusing
		}
	}
	for ; j < len(w); j++ {
		src, wj := in(j), float64(w[j])
		for c, v := range src {
			out[c] = fma32(float64(v), wj, out[c])
		}
	}
}

// fma32 is a float32 fused multiply-add: the float32 product is exact in
// float64, so only the final additions round.
func fma32(a, b float64, c float32) float32 {
	return float32(math.FMA(a, b, float64(c)))
}

// axisWeights are PyTorch's antialiased interpolation weights along one
// axis: output i reads count[i] inputs from start[i] with w[i*ksize:...].
type axisWeights struct {
	ksize        int
	start, count []int
	w            []float32
}

func (a *axisWeights) weights(i int) []float32 {
	return a.w[i*a.ksize : i*a.ksize+a.count[i]]
}

// aaAxis computes the weights of _compute_indices_weights_aa with
// HelperInterpLinear's triangle filter (PyTorch 1.13, scalar_t = float):
// scale = in/out in float32; support = scale (downscaling) or 1; for output
// i the centre is scale·(i+½), the window [int(c−support+½), int(c+support+½))
// clipped to the input, each weight filter((j+xmin−c+½)/max(scale,1)) and
// the weights divided by their float32 sum.
func aaAxis(in, out int) axisWeights {
	scale := float32(in) / float32(out)
	support := float32(1)
	invscale := float32(1)
	if scale >= 1 {
		support = scale
		invscale = float32(1 / float64(scale))
	}
	ksize := int(math.Ceil(float64(support)))*2 + 1
	a := axisWeights{ksize: ksize, start: make([]int, out), count: make([]int, out), w: make([]float32, out*ksize)}
	for i := 0; i < out; i++ {
		center := float32(float64(scale) * (float64(i) + 0.5))
		xmin := max(int(float64(center-support)+0.5), 0)
		xsize := min(int(float64(center+support)+0.5), in) - xmin
		xsize = max(0, min(xsize, ksize))
		w := a.w[i*ksize : i*ksize+xsize]
		var total float32
		for j := range w {
			d := float32(j+xmin) - center
			w[j] = triangle(float32((float64(d) + 0.5) * float64(invscale)))
			total += w[j]
		}
		if total != 0 {
			for j := range w {
				w[j] /= total
			}
		}
		a.start[i], a.count[i] = xmin, xsize
	}
	return a
}

// triangle is HelperInterpLinear::aa_filter in float32 (1 − |x| computed in
// double, as the C++ literal 1.0 makes it, then rounded).
func triangle(x float32) float32 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return float32(1 - float64(x))
	}
	return 0
}
