package engine

import (
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// encoder is a stack of transformer blocks, shared by both towers.
type encoder struct {
	Layers []encoderLayer `st:"layers.%d"`
}

// Forward runs every block. With one state tensor the blocks update it in
// place; with len(Layers)+1 (internals capture) block l reads states[l] and
// writes states[l+1]. probs is empty or holds one tensor per block for the
// attention probabilities.
func (e *encoder) Forward(c compute.Backend, cfg EncoderConfig, states []compute.Tensor, s *scratch, shape compute.AttentionShape, probs []compute.Tensor) {
	for l := range e.Layers {
		in, out := states[0], states[0]
		if len(states) > 1 {
			in, out = states[l], states[l+1]
		}
		var p compute.Tensor
		if len(probs) > 0 {
			p = probs[l]
		}
		e.Layers[l].Forward(c, cfg, out, in, s, shape, p)
	}
}

// attentionShape describes self-attention over batch sequences of tokens.
func attentionShape(cfg EncoderConfig, batch, tokens int, validKeys []int) compute.AttentionShape {
	return compute.AttentionShape{
		Seqs: batch, QLen: tokens, KLen: tokens,
		Heads: cfg.Heads, HeadDim: cfg.HeadDim(),
		Scale:     headScale(cfg.HeadDim()),
		ValidKeys: validKeys,
	}
}

// headScale is head_dim**-0.5, computed in float64 as Python does and then
// applied in float32 as PyTorch applies a Python scalar to a float32 tensor.
func headScale(headDim int) float32 {
	return float32(math.Pow(float64(headDim), -0.5))
}
