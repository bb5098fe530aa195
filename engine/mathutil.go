package engine

import "math"

// l2Normalize divides each dim-wide row of x by its Euclidean norm in place,
// as torch's x / x.norm(p=2, dim=-1, keepdim=True) does in float32.
func l2Normalize(x []float32, dim int) {
	for r := 0; r+dim <= len(x); r += dim {
		row := x[r : r+dim]
		var s float64
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		n := float32(math.Sqrt(s))
		for i := range row {
			row[i] /= n
		}
	}
}

// sigmoid is the logistic function in float32.
func sigmoid(x float32) float32 {
	return float32(1 / (1 + math.Exp(-float64(x))))
}
