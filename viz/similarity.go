package viz

import (
	"fmt"
	"math"
)

// SimilarityMap returns the cosine similarity of token query's feature
// vector to each of the first valid tokens' vectors: out[i] = <f_q, f_i> /
// (|f_q|·|f_i|), in [-1, 1]. features is [T][dim] row-major with T ≥
// valid; tokens from valid on (NaFlex padding) are ignored. A zero vector
// has similarity 0 to everything (not NaN), so a dead patch shows as
// neutral rather than breaking the colour scale.
func SimilarityMap(features []float32, dim, valid, query int) ([]float32, error) {
	if err := checkFeatures(features, dim, valid); err != nil {
		return nil, fmt.Errorf("similarity map: %w", err)
	}
	if query < 0 || query >= valid {
		return nil, fmt.Errorf("similarity map: query token %d is outside the %d valid tokens", query, valid)
	}
	q := features[query*dim : (query+1)*dim]
	var qq float64
	for _, v := range q {
		qq += float64(v) * float64(v)
	}
	out := make([]float32, valid)
	if qq == 0 {
		return out, nil
	}
	qn := math.Sqrt(qq)
	for i := range valid {
		row := features[i*dim : (i+1)*dim]
		dot, nn := dotNorm(q, row)
		if nn == 0 {
			continue
		}
		out[i] = float32(dot / (qn * math.Sqrt(nn)))
	}
	return out, nil
}

// dotNorm returns <a,b> and |b|² accumulated in float64 (a and b have the
// same length), four lanes at a time.
func dotNorm(a, b []float32) (dot, nn float64) {
	b = b[:len(a)]
	var d0, d1, d2, d3, n0, n1, n2, n3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		b0, b1, b2, b3 := float64(b[i]), float64(b[i+1]), float64(b[i+2]), float64(b[i+3])
		d0 += float64(a[i]) * b0
		d1 += float64(a[i+1]) * b1
		d2 += float64(a[i+2]) * b2
		d3 += float64(a[i+3]) * b3
		n0 += b0 * b0
		n1 += b1 * b1
		n2 += b2 * b2
		n3 += b3 * b3
	}
	for ; i < len(a); i++ {
		bv := float64(b[i])
		d0 += float64(a[i]) * bv
		n0 += bv * bv
	}
	return d0 + d1 + d2 + d3, n0 + n1 + n2 + n3
}

// checkFeatures validates a [T][dim] feature matrix with valid ≤ T tokens.
func checkFeatures(features []float32, dim, valid int) error {
	if dim <= 0 {
		return fmt.Errorf("feature dimension %d must be positive", dim)
	}
	if valid <= 0 {
		return fmt.Errorf("need at least one valid token, got %d", valid)
	}
	if len(features)%dim != 0 {
		return fmt.Errorf("%d feature values are not a whole number of %d-dimensional tokens", len(features), dim)
	}
	if t := len(features) / dim; valid > t {
		return fmt.Errorf("%d valid tokens but the features hold only %d", valid, t)
	}
	return nil
}
