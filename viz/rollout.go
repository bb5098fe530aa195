package viz

import "fmt"

// Rollout computes attention rollout (Abnar & Zuidema, "Quantifying
// Attention Flow in Transformers", 2020): an estimate of how much each
// input patch flows into a token's representation after several layers,
// accounting for the residual connections.
//
// Definition. For layer l with attention A_l of shape [heads][T][T], let V
// be the valid (non-padding) tokens and
//
//	M_l[i][j]  = mean over heads h of A_l[h][i][j],        i, j ∈ V
//	Ã_l[i][j]  = 0.5·M_l[i][j] + 0.5·δ_ij                  (residual)
//	Â_l[i][j]  = Ã_l[i][j] / Σ_{k∈V} Ã_l[i][k]             (rows sum to 1)
//	R_L        = Â_L · Â_{L-1} · … · Â_0
//
// Row q of R_L is the rollout map for query token q through layers 0..L
// (0-based, inclusive). Padding keys get zero weight from the model, so
// restricting to V only matters for the renormalisation.
//
// NewRollout does the per-layer work once (mean over heads, residual,
// renormalisation: O(layers·heads·V²)); each Row is then a chain of
// vector-matrix products, O((L+1)·V²), cheap enough to follow the cursor.
// The TUI should build one Rollout per image and keep it.
type Rollout struct {
	valid int
	mats  [][]float32 // per layer, Â_l as valid×valid row-major
}

// NewRollout prepares rollout over the given layers (layers[l] is layer
// l's attention, [heads][tokens][tokens] row-major) for the first valid
// tokens.
func NewRollout(layers [][]float32, heads, tokens, valid int) (*Rollout, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("attention rollout: no layers given")
	}
	r := &Rollout{valid: valid, mats: make([][]float32, len(layers))}
	inv := float32(1) / float32(heads)
	for l, attn := range layers {
		if err := checkAttention(attn, heads, tokens, valid); err != nil {
			return nil, fmt.Errorf("attention rollout, layer %d: %w", l, err)
		}
		m := make([]float32, valid*valid)
		for i := range valid {
			dst := m[i*valid : (i+1)*valid]
			h := 0
			for ; h+4 <= heads; h += 4 { // four heads per pass over dst
				a0 := attn[(h*tokens+i)*tokens:][:valid]
				a1 := attn[((h+1)*tokens+i)*tokens:][:valid]
				a2 := attn[((h+2)*tokens+i)*tokens:][:valid]
				a3 := attn[((h+3)*tokens+i)*tokens:][:valid]
				for j := range dst {
					dst[j] += (a0[j] + a1[j]) + (a2[j] + a3[j])
				}
			}
			for ; h < heads; h++ {
				a := attn[(h*tokens+i)*tokens:][:valid]
				for j := range dst {
					dst[j] += a[j]
				}
			}
		}
		for i := range valid {
			row := m[i*valid : (i+1)*valid]
			var sum float64
			for j := range row {
				row[j] = 0.5 * row[j] * inv
				if j == i {
					row[j] += 0.5
				}
				sum += float64(row[j])
			}
			// sum ≥ 0.5 because of the residual term, so this is safe.
			s := float32(1 / sum)
			for j := range row {
				row[j] *= s
			}
		}
		r.mats[l] = m
	}
	return r, nil
}

// Layers is the number of layers the rollout was built from.
func (r *Rollout) Layers() int { return len(r.mats) }

// Valid is the number of valid tokens, the length of every row.
func (r *Rollout) Valid() int { return r.valid }

// Row returns row query of R_layer = Â_layer·…·Â_0 (see Rollout): how
// much each valid token contributes to token query after layers
// 0..layer. The values are non-negative and sum to 1.
func (r *Rollout) Row(layer, query int) ([]float32, error) {
	if layer < 0 || layer >= len(r.mats) {
		return nil, fmt.Errorf("attention rollout: layer %d is outside 0..%d", layer, len(r.mats)-1)
	}
	if query < 0 || query >= r.valid {
		return nil, fmt.Errorf("attention rollout: query token %d is outside the %d valid tokens", query, r.valid)
	}
	n := r.valid
	v := make([]float32, n)
	next := make([]float32, n)
	v[query] = 1
	// e_qᵀ·Â_layer·…·Â_0, multiplying from the left.
	for l := layer; l >= 0; l-- {
		m := r.mats[l]
		clear(next)
		i := 0
		for ; i+4 <= n; i += 4 { // four rows per pass over next
			w0, w1, w2, w3 := v[i], v[i+1], v[i+2], v[i+3]
			if w0 == 0 && w1 == 0 && w2 == 0 && w3 == 0 {
				continue
			}
			m0, m1 := m[i*n:(i+1)*n], m[(i+1)*n:(i+2)*n]
			m2, m3 := m[(i+2)*n:(i+3)*n], m[(i+3)*n:(i+4)*n]
			for j := range next {
				next[j] += (w0*m0[j] + w1*m1[j]) + (w2*m2[j] + w3*m3[j])
			}
		}
		for ; i < n; i++ {
			if v[i] != 0 {
				axpy(next, v[i], m[i*n:(i+1)*n])
			}
		}
		v, next = next, v
	}
	return v, nil
}

// RolloutRow is NewRollout followed by Row, for one-off use (the CLI).
// Interactive callers should keep the Rollout instead.
func RolloutRow(layers [][]float32, heads, tokens, valid, layer, query int) ([]float32, error) {
	r, err := NewRollout(layers, heads, tokens, valid)
	if err != nil {
		return nil, err
	}
	return r.Row(layer, query)
}

// axpy does y += a·x (len(x) == len(y)), unrolled by four.
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}
