package engine

import (
	"github.com/siglip2-tui/siglip2-tui/compute"
)

// linear is PyTorch's nn.Linear: y = x·Wᵀ + b, W stored out×in.
type linear struct {
	Weight compute.Tensor
	Bias   compute.Tensor
}

// Forward writes act(x·Wᵀ + b) into dst.
func (l *linear) Forward(c compute.Backend, dst, x compute.Tensor, act compute.Activation) {
	c.Linear(dst, x, l.Weight, l.Bias, act)
}

// rows returns the linear made of output rows [r0, r1), for example the key
// and value parts of a stacked projection.
func (l *linear) rows(r0, r1 int) linear {
	return linear{Weight: l.Weight.RowRange(r0, r1), Bias: l.Bias.ColRange(r0, r1)}
}

// layerNorm is nn.LayerNorm over the feature dimension.
type layerNorm struct {
	Weight compute.Tensor
	Bias   compute.Tensor
}

// Forward writes the normalised rows of x into dst (which may be x).
func (n *layerNorm) Forward(c compute.Backend, dst, x compute.Tensor, eps float32) {
	c.LayerNorm(dst, x, n.Weight, n.Bias, eps)
}

// mlp is the transformer block's feed-forward part: fc2(act(fc1(x))).
type mlp struct {
	FC1 linear `st:"fc1" shape:"intermediate,hidden"`
	FC2 linear `st:"fc2" shape:"hidden,intermediate"`
}

// Forward writes the MLP of x into dst, using hidden (rows×intermediate) as
// scratch.
func (m *mlp) Forward(c compute.Backend, dst, x, hidden compute.Tensor, act compute.Activation) {
	m.FC1.Forward(c, hidden, x, act)
	m.FC2.Forward(c, dst, hidden, compute.NoActivation)
}

// selfAttention is multi-head self-attention with the query, key and value
// projections stacked into one matrix product.
type selfAttention struct {
	QKV linear `st:"q_proj|k_proj|v_proj" shape:"hidden,hidden"`
	Out linear `st:"out_proj" shape:"hidden,hidden"`
}

// Forward writes attention over x into dst. probs, when not empty, receives
// the attention probabilities (sequences·heads·tokens × tokens).
func (a *selfAttention) Forward(c compute.Backend, dst, x compute.Tensor, s *scratch, shape compute.AttentionShape, probs compute.Tensor) {
	width := shape.Heads * shape.HeadDim
	a.QKV.Forward(c, s.qkv, x, compute.NoActivation)
	q, k, v := s.qkv.ColRange(0, width), s.qkv.ColRange(width, 2*width), s.qkv.ColRange(2*width, 3*width)
	c.Attention(s.context, q, k, v, probs, shape)
	a.Out.Forward(c, dst, s.context, compute.NoActivation)
}

// encoderLayer is one pre-LayerNorm transformer block:
//
//	x = x + attention(layer_norm1(x))
//	x = x + mlp(layer_norm2(x))
type encoderLayer struct {
	LayerNorm1    layerNorm     `st:"layer_norm1" shape:"hidden"`
	SelfAttention selfAttention `st:"self_attn"`
	LayerNorm2    layerNorm     `st:"layer_norm2" shape:"hidden"`
	MLP           mlp           `st:"mlp"`
}

// Forward computes the block on x into out (which may be x).
func (l *encoderLayer) Forward(c compute.Backend, cfg EncoderConfig, out, x compute.Tensor, s *scratch, shape compute.AttentionShape, probs compute.Tensor) {
	l.LayerNorm1.Forward(c, s.normed, x, cfg.LayerNormEps)
	l.SelfAttention.Forward(c, s.delta, s.normed, s, shape, probs)
	c.Add(out, x, s.delta)

	l.LayerNorm2.Forward(c, s.normed, out, cfg.LayerNormEps)
	l.MLP.Forward(c, s.delta, s.normed, s.mlpHidden, cfg.Activation)
	c.Add(out, out, s.delta)
}

// scratch holds a forward pass's intermediate activations for one batch
// shape, allocated once and reused so steady-state forwards allocate nothing.
type scratch struct {
	normed    compute.Tensor // rows × hidden
	qkv       compute.Tensor // rows × 3·hidden
	context   compute.Tensor // rows × hidden
	delta     compute.Tensor // rows × hidden
	mlpHidden compute.Tensor // rows × intermediate
}

func newScratch(c compute.Backend, rows int, cfg EncoderConfig) (*scratch, error) {
	s := &scratch{}
	var err error
	for _, t := range []struct {
		dst  *compute.Tensor
		cols int
	}{{&s.normed, cfg.Hidden}, {&s.qkv, 3 * cfg.Hidden}, {&s.context, cfg.Hidden}, {&s.delta, cfg.Hidden}, {&s.mlpHidden, cfg.Intermediate}} {
		if *t.dst, err = c.Alloc(rows, t.cols); err != nil {
			s.free(c)
			return nil, err
		}
	}
	return s, nil
}

func (s *scratch) free(c compute.Backend) {
	for _, t := range []compute.Tensor{s.normed, s.qkv, s.context, s.delta, s.mlpHidden} {
		if !t.Empty() {
			c.Free(t)
		}
	}
}
