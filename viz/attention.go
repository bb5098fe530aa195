package viz

import "fmt"

// MeanHeads selects the mean over all heads where a function takes a head
// index.
const MeanHeads = -1

// AttentionRow returns how much token query attends to each of the first
// valid tokens in one layer: attn is [heads][tokens][tokens] row-major
// (rows are queries, columns keys), and head picks one head or MeanHeads
// for the mean over heads. Keys from valid on (NaFlex padding, which the
// model gives zero weight) are dropped, so the result has valid values.
func AttentionRow(attn []float32, heads, tokens, valid, query, head int) ([]float32, error) {
	if err := checkAttention(attn, heads, tokens, valid); err != nil {
		return nil, fmt.Errorf("attention row: %w", err)
	}
	if query < 0 || query >= valid {
		return nil, fmt.Errorf("attention row: query token %d is outside the %d valid tokens", query, valid)
	}
	if head != MeanHeads && (head < 0 || head >= heads) {
		return nil, fmt.Errorf("attention row: head %d is outside 0..%d (or MeanHeads)", head, heads-1)
	}
	out := make([]float32, valid)
	if head != MeanHeads {
		off := (head*tokens + query) * tokens
		copy(out, attn[off:off+valid])
		return out, nil
	}
	acc := make([]float64, valid)
	for h := range heads {
		row := attn[(h*tokens+query)*tokens:][:valid]
		for j, v := range row {
			acc[j] += float64(v)
		}
	}
	for j, v := range acc {
		out[j] = float32(v / float64(heads))
	}
	return out, nil
}

// PoolingAttention returns the attention of the multihead-attention
// pooling head's probe over the first valid tokens: attn is [heads][tokens]
// row-major and head picks one head or MeanHeads. This is the map of what
// the image embedding is built from.
func PoolingAttention(attn []float32, heads, tokens, valid, head int) ([]float32, error) {
	if heads <= 0 || tokens <= 0 {
		return nil, fmt.Errorf("pooling attention: heads %d and tokens %d must be positive", heads, tokens)
	}
	if valid <= 0 || valid > tokens {
		return nil, fmt.Errorf("pooling attention: valid tokens %d must be in 1..%d", valid, tokens)
	}
	if len(attn) != heads*tokens {
		return nil, fmt.Errorf("pooling attention: got %d values, want heads·tokens = %d·%d = %d", len(attn), heads, tokens, heads*tokens)
	}
	if head != MeanHeads && (head < 0 || head >= heads) {
		return nil, fmt.Errorf("pooling attention: head %d is outside 0..%d (or MeanHeads)", head, heads-1)
	}
	out := make([]float32, valid)
	if head != MeanHeads {
		copy(out, attn[head*tokens:head*tokens+valid])
		return out, nil
	}
	for j := range valid {
		var s float64
		for h := range heads {
			s += float64(attn[h*tokens+j])
		}
		out[j] = float32(s / float64(heads))
	}
	return out, nil
}

// checkAttention validates one layer's [heads][tokens][tokens] attention.
func checkAttention(attn []float32, heads, tokens, valid int) error {
	if heads <= 0 || tokens <= 0 {
		return fmt.Errorf("heads %d and tokens %d must be positive", heads, tokens)
	}
	if valid <= 0 || valid > tokens {
		return fmt.Errorf("valid tokens %d must be in 1..%d", valid, tokens)
	}
	if len(attn) != heads*tokens*tokens {
		return fmt.Errorf("got %d values, want heads·tokens·tokens = %d·%d·%d = %d", len(attn), heads, tokens, tokens, heads*tokens*tokens)
	}
	return nil
}
