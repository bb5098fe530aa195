package viz

import "math"

// Range is the span of values a map is painted over: Min maps to the low
// end of a colormap and Max to the high end. The TUI shows it beside the
// colour bar so the colours have a scale.
type Range struct {
	Min, Max float32
}

// Valid reports whether the range came from at least one finite value.
func (r Range) Valid() bool {
	return !math.IsNaN(float64(r.Min)) && !math.IsNaN(float64(r.Max))
}

// Unit maps v into [0,1] over the range, clamped. NaN stays NaN. A range
// with Max == Min maps every finite value to 0.
func (r Range) Unit(v float32) float32 {
	if v != v {
		return v
	}
	span := r.Max - r.Min
	if !(span > 0) {
		return 0
	}
	t := (v - r.Min) / span
	if t < 0 {
		return 0
	}
	if t > 1 {
		return 1
	}
	return t
}

// MinMax returns the smallest and largest finite values of vals, ignoring
// NaN and ±Inf, so one bad patch cannot wash out a whole map. With no
// finite value both ends are NaN (Range.Valid reports false).
func MinMax(vals []float32) Range {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range vals {
		if v != v || math.IsInf(float64(v), 0) {
			continue
		}
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo > hi {
		nan := float32(math.NaN())
		return Range{nan, nan}
	}
	return Range{lo, hi}
}

// SymmetricRange is the range from −m to m, m the largest finite
// magnitude of vals, so a diverging colormap's middle is zero: signed
// changes read as "down" (below the middle) and "up" (above). All zeros
// (or nothing finite) give ±10⁻⁶, so nothing divides by zero and every
// value sits at the middle.
func SymmetricRange(vals []float32) Range {
	var m float32
	for _, v := range vals {
		if v != v || math.IsInf(float64(v), 0) {
			continue
		}
		m = max(m, v, -v)
	}
	if m == 0 {
		m = 1e-6
	}
	return Range{-m, m}
}

// Normalize returns vals mapped to [0,1] over their own finite min and
// max, and that range, so a heatmap uses the whole colormap and the colour
// bar can show the true values. NaN entries stay NaN; +Inf and -Inf clamp
// to 1 and 0. If all finite values are equal they map to 0.
func Normalize(vals []float32) ([]float32, Range) {
	r := MinMax(vals)
	out := make([]float32, len(vals))
	for i, v := range vals {
		switch {
		case v != v:
			out[i] = v
		case !r.Valid():
			// No finite values: only ±Inf can be here.
			if v > 0 {
				out[i] = 1
			}
		default:
			out[i] = r.Unit(v)
		}
	}
	return out, r
}
