package engine

import (
	"github.com/siglip2-tui/siglip2-tui/compute"
)

// linear is PyTorch's nn.Linear: y = x·Wᵀ + b, W stored out×in.
type linear struct {
	Weight compute.Tensor
	Bias   compute.Tensor
	// parts, when not nil, are the linears a stacked one (query, key and
	// value) is made of, kept apart because the backend reads each weight
	// where it lies: Forward runs one product per part into its columns
	// of dst, and Weight is empty. Bias is still the stacked bias.
	parts []linear
}

// Forward writes act(x·Wᵀ + b) into dst.
func (l *linear) Forward(c compute.Backend, dst, x compute.Tensor, act compute.Activation) {
	if l.parts != nil {
		col := 0
		for i := range l.parts {
			p := &l.parts[i]
			p.Forward(c, dst.ColRange(col, col+p.Weight.Rows), x, act)
			col += p.Weight.Rows
		}
		return
	}
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

// Forward writes block l's attention over x into dst, capturing the
// probabilities and silencing heads as the pass asks.
func (a *selfAttention) Forward(p *pass, l int, dst, x compute.Tensor) error {
	c, s := p.c, p.s
	width := p.shape.Heads * p.shape.HeadDim
	a.QKV.Forward(c, s.qkv, x, compute.NoActivation)
	q, k, v := s.qkv.ColRange(0, width), s.qkv.ColRange(width, 2*width), s.qkv.ColRange(2*width, 3*width)
	c.Attention(s.context, q, k, v, p.attentionProbs(l), p.shape)
	if err := p.silenceHeads(l, s.context); err != nil {
		return err
	}
	a.Out.Forward(c, dst, s.context, compute.NoActivation)
	return nil
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

// Forward computes block i of the pass on x into out (which may be x).
func (l *encoderLayer) Forward(p *pass, i int, out, x compute.Tensor) error {
	c, s, eps := p.c, p.s, p.cfg.LayerNormEps
	l.LayerNorm1.Forward(c, s.normed, x, eps)
	if err := l.SelfAttention.Forward(p, i, s.delta, s.normed); err != nil {
		return err
	}
	c.Add(out, x, s.delta)

	l.LayerNorm2.Forward(c, s.normed, out, eps)
	l.MLP.Forward(c, s.delta, s.normed, s.mlpHidden, p.cfg.Activation)
	c.Add(out, out, s.delta)
	return nil
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

// newScratch allocates a block's activations for rows tokens in a.
func newScratch(a *arena, rows int, cfg EncoderConfig) *scratch {
	return &scratch{
		normed:    a.alloc(rows, cfg.Hidden),
		qkv:       a.alloc(rows, 3*cfg.Hidden),
		context:   a.alloc(rows, cfg.Hidden),
		delta:     a.alloc(rows, cfg.Hidden),
		mlpHidden: a.alloc(rows, cfg.Intermediate),
	}
}
