package engine

import (
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// encoder is a stack of transformer blocks, shared by both towers.
type encoder struct {
	Layers []encoderLayer `st:"layers.%d"`
}

// Forward runs blocks from…len(Layers)-1 of the pass. With one state
// tensor the blocks update it in place; with len(Layers)+1 (internals
// capture) block l reads states[l] and writes states[l+1]. It stops between
// blocks when the pass's context is cancelled.
func (e *encoder) Forward(p *pass, states []compute.Tensor, from int) error {
	for l := from; l < len(e.Layers); l++ {
		if err := p.cancelled(); err != nil {
			return err
		}
		in, out := states[0], states[0]
		if len(states) > 1 {
			in, out = states[l], states[l+1]
		}
		if err := e.Layers[l].Forward(p, l, out, in); err != nil {
			return err
		}
	}
	return nil
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
