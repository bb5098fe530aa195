package compute

import "fmt"

// The shape checks every backend makes before it computes: a mismatch is a
// programming error (the engine checks shapes against the config first), so
// they panic, naming the backend and the shapes. Backends call them so
// that one definition of a valid operation serves them all.

// CheckLinear panics unless dst = act(x·wᵀ + bias) is well formed: x M×K,
// w N×K, bias empty or 1×N, dst M×N, a known activation.
func CheckLinear(backend string, dst, x, w, bias Tensor, act Activation) {
	if w.Cols != x.Cols || dst.Rows != x.Rows || dst.Cols != w.Rows ||
		(!bias.Empty() && (bias.Rows != 1 || bias.Cols != w.Rows)) || act < NoActivation || act > GELUErf {
		panic(fmt.Sprintf("%s: linear dst %dx%d = x %dx%d · w %dx%dᵀ + bias %dx%d (%v)",
			backend, dst.Rows, dst.Cols, x.Rows, x.Cols, w.Rows, w.Cols, bias.Rows, bias.Cols, act))
	}
}

// CheckLayerNorm panics unless dst, x (same shape) and the 1×Cols gain and
// bias are well formed.
func CheckLayerNorm(backend string, dst, x, gain, bias Tensor) {
	if dst.Rows != x.Rows || dst.Cols != x.Cols || gain.Cols != x.Cols || bias.Cols != x.Cols ||
		(x.Cols > 0 && (gain.Rows != 1 || bias.Rows != 1)) {
		panic(fmt.Sprintf("%s: layernorm dst %dx%d x %dx%d gain %dx%d bias %dx%d",
			backend, dst.Rows, dst.Cols, x.Rows, x.Cols, gain.Rows, gain.Cols, bias.Rows, bias.Cols))
	}
}

// CheckAdd panics unless dst, a and b have one shape.
func CheckAdd(backend string, dst, a, b Tensor) {
	if dst.Rows != a.Rows || dst.Cols != a.Cols || b.Rows != a.Rows || b.Cols != a.Cols {
		panic(fmt.Sprintf("%s: add %dx%d = %dx%d + %dx%d", backend, dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

// CheckAttention panics unless the operands fit the shape: q and dst
// Seqs·QLen rows, k and v Seqs·KLen rows, all Heads·HeadDim wide; probs
// empty or Seqs·Heads·QLen × KLen; ValidKeys nil or one count in [0, KLen]
// per sequence.
func CheckAttention(backend string, dst, q, k, v, probs Tensor, s AttentionShape) {
	width := s.Heads * s.HeadDim
	if s.Seqs < 0 || s.QLen < 0 || s.KLen < 0 || s.Heads < 0 || s.HeadDim < 0 ||
		q.Rows != s.Seqs*s.QLen || k.Rows != s.Seqs*s.KLen || v.Rows != k.Rows || dst.Rows != q.Rows ||
		q.Cols != width || k.Cols != width || v.Cols != width || dst.Cols != width ||
		(!probs.Empty() && (probs.Rows != s.Seqs*s.Heads*s.QLen || probs.Cols != s.KLen)) ||
		(s.ValidKeys != nil && len(s.ValidKeys) != s.Seqs) {
		panic(fmt.Sprintf("%s: attention shape %+v with q %dx%d k %dx%d v %dx%d dst %dx%d probs %dx%d",
			backend, s, q.Rows, q.Cols, k.Rows, k.Cols, v.Rows, v.Cols, dst.Rows, dst.Cols, probs.Rows, probs.Cols))
	}
	for i, n := range s.ValidKeys {
		if n < 0 || n > s.KLen {
			panic(fmt.Sprintf("%s: attention: sequence %d has %d valid keys of %d", backend, i, n, s.KLen))
		}
	}
}
