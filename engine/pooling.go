package engine

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// poolingHead is SigLIP's multi-head attention pooling (MAP) head: a learned
// probe token attends over the patches (nn.MultiheadAttention), then a
// LayerNorm + MLP residual gives the image embedding.
type poolingHead struct {
	Probe        compute.Tensor `st:"probe" shape:"1,1,hidden"`
	InProjWeight compute.Tensor `st:"attention.in_proj_weight" shape:"3*hidden,hidden"`
	InProjBias   compute.Tensor `st:"attention.in_proj_bias" shape:"3*hidden"`
	OutProj      linear         `st:"attention.out_proj" shape:"hidden,hidden"`
	LayerNorm    layerNorm      `st:"layernorm" shape:"hidden"`
	MLP          mlp            `st:"mlp"`

	probe []float32 // host copy, replicated once per batch item
}

// inProj returns the stacked query/key/value projection of the attention.
func (h *poolingHead) inProj() linear { return linear{Weight: h.InProjWeight, Bias: h.InProjBias} }

// headScratch holds the pooling head's activations for one batch size.
type headScratch struct {
	probes, query, context, attended, normed, delta compute.Tensor // batch × hidden
	keyValue                                        compute.Tensor // batch·tokens × 2·hidden
	mlpHidden                                       compute.Tensor // batch × intermediate
}

// newHeadScratch allocates the head's activations in a and fills the
// probe rows, one per batch item.
func newHeadScratch(a *arena, cfg EncoderConfig, batch, tokens int, probe []float32) (*headScratch, error) {
	d := cfg.Hidden
	s := &headScratch{
		probes: a.alloc(batch, d), query: a.alloc(batch, d), context: a.alloc(batch, d),
		attended: a.alloc(batch, d), normed: a.alloc(batch, d), delta: a.alloc(batch, d),
		keyValue: a.alloc(batch*tokens, 2*d), mlpHidden: a.alloc(batch, cfg.Intermediate),
	}
	if a.err != nil {
		return nil, a.err
	}
	rep := make([]float32, 0, batch*d)
	for range batch {
		rep = append(rep, probe...)
	}
	if err := a.c.Upload(s.probes, rep); err != nil {
		return nil, err
	}
	return s, nil
}

// Forward pools x (batch·tokens × hidden) into dst (batch × hidden). probs,
// when not empty, receives the probe's attention (batch·heads × tokens).
func (h *poolingHead) Forward(c compute.Backend, cfg EncoderConfig, dst, x compute.Tensor, s *headScratch, batch, tokens int, validKeys []int, probs compute.Tensor) {
	d := cfg.Hidden
	in := h.inProj()
	query, keyValue := in.rows(0, d), in.rows(d, 3*d)
	query.Forward(c, s.query, s.probes, compute.NoActivation)
	keyValue.Forward(c, s.keyValue, x, compute.NoActivation)
	shape := compute.AttentionShape{Seqs: batch, QLen: 1, KLen: tokens, Heads: cfg.Heads, HeadDim: cfg.HeadDim(),
		Scale: headScale(cfg.HeadDim()), ValidKeys: validKeys}
	c.Attention(s.context, s.query, s.keyValue.ColRange(0, d), s.keyValue.ColRange(d, 2*d), probs, shape)
	h.OutProj.Forward(c, s.attended, s.context, compute.NoActivation)

	h.LayerNorm.Forward(c, s.normed, s.attended, cfg.LayerNormEps)
	h.MLP.Forward(c, s.delta, s.normed, s.mlpHidden, cfg.Activation)
	c.Add(dst, s.attended, s.delta)
}

// patchEmbeddings passes every row of x (rows × hidden, final patch
// features) through the pooling head on its own, as if the probe attended to
// that patch alone: value projection, output projection, then the head's
// LayerNorm + MLP residual (MaskCLIP-style). The result lives in the image
// embedding space, so comparing it with a text embedding gives a label→patch
// map. It is an approximation: the real head mixes patches by attention.
func (h *poolingHead) patchEmbeddings(c compute.Backend, cfg EncoderConfig, x compute.Tensor) ([]float32, error) {
	rows, d := x.Rows, cfg.Hidden
	a := &arena{c: c}
	defer a.free()
	value, attended, normed, hidden := a.alloc(rows, d), a.alloc(rows, d), a.alloc(rows, d), a.alloc(rows, cfg.Intermediate)
	if a.err != nil {
		return nil, fmt.Errorf("patch embeddings: %w", a.err)
	}
	in := h.inProj()
	v := in.rows(2*d, 3*d)
	v.Forward(c, value, x, compute.NoActivation)
	h.OutProj.Forward(c, attended, value, compute.NoActivation)
	h.LayerNorm.Forward(c, normed, attended, cfg.LayerNormEps)
	h.MLP.Forward(c, value, normed, hidden, cfg.Activation)
	c.Add(attended, attended, value)
	if err := c.Sync(); err != nil {
		return nil, fmt.Errorf("patch embeddings: %w", err)
	}
	out := make([]float32, rows*d)
	if err := c.Download(out, attended); err != nil {
		return nil, fmt.Errorf("patch embeddings: %w", err)
	}
	l2Normalize(out, d)
	return out, nil
}
