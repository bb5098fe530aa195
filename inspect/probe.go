package inspect

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/siglip2-tui/siglip2-tui/engine"
)

// The causal probes answer "what does this score depend on?" by changing
// the forward pass and measuring the label's logit, where the maps of the
// other views (attention, rollout, the pooling head, the label map) only
// show where the model looks. Definitions, as the probe command's help and
// the JSON say them:
//
//   - dropping a patch removes its token (engine.Ablate): no layer and not
//     the pooling head can attend to it; the other tokens keep their own
//     position embeddings;
//   - occlusion: for each patch, the logit with that patch dropped minus
//     the whole image's logit; with blocks of K×K patches, each block is
//     dropped at once and every patch of it gets the block's delta;
//   - head ablation: for block l and head h, the logit with that head's
//     output zeroed (its slice of the attention context before the output
//     projection) minus the whole image's logit.
//
// A Probe fixes the image (an analysis) and the score (a label's text
// embedding); the probes run in small steps so a screen can show them
// filling in and stop them between steps.

// Probe is the score the probes explain: one label against one analysed
// image.
type Probe struct {
	a     *engine.Analysis
	label string
	text  []float32 // the label's L2-normalised text embedding
	base  float64
}

// NewProbe prepares the probes of label's score on a. text is the label's
// text embedding (engine.Label.Embed, or the text tower's output for
// given token ids).
func NewProbe(a *engine.Analysis, label string, text []float32) (*Probe, error) {
	if len(text) != a.Hidden() {
		return nil, fmt.Errorf("probe: the text embedding has %d values, the image embedding %d", len(text), a.Hidden())
	}
	p := &Probe{a: a, label: label, text: text}
	base, err := p.logit(a.ImageEmbedding())
	if err != nil {
		return nil, err
	}
	p.base = base
	return p, nil
}

// Label is the label the probe explains.
func (p *Probe) Label() string { return p.label }

// Analysis is the analysed image.
func (p *Probe) Analysis() *engine.Analysis { return p.a }

// BaseLogit is the whole image's logit for the label.
func (p *Probe) BaseLogit() float64 { return p.base }

// logit scores an image embedding against the label, as classify does.
func (p *Probe) logit(image []float32) (float64, error) {
	l, err := p.a.Model.Logits(image, p.text)
	if err != nil {
		return 0, err
	}
	return float64(l[0]), nil
}

// Sigmoid is a logit's probability.
func Sigmoid(l float64) float64 { return 1 / (1 + math.Exp(-l)) }

// run runs ablations and returns each one's logit.
func (p *Probe) run(ctx context.Context, abls []engine.Ablation, batch int) ([]float64, error) {
	res, err := p.a.Ablate(ctx, abls, engine.AblateOptions{Batch: batch})
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(res))
	for i, r := range res {
		if out[i], err = p.logit(r.Embed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OcclusionBlocks lists the blocks of K×K patches occlusion drops, tiling
// the grid from its top-left corner (blocks at the right and bottom edges
// may be smaller): block b holds the patch indices of Blocks()[b].
func OcclusionBlocks(rows, cols, k int) [][]int {
	k = max(k, 1)
	var out [][]int
	for r0 := 0; r0 < rows; r0 += k {
		for c0 := 0; c0 < cols; c0 += k {
			var b []int
			for r := r0; r < min(r0+k, rows); r++ {
				for c := c0; c < min(c0+k, cols); c++ {
					b = append(b, r*cols+c)
				}
			}
			out = append(out, b)
		}
	}
	return out
}

// Occlusion is the occlusion map of a probe: Delta[p] for every patch p
// (row-major over the grid), NaN for patches not measured yet.
type Occlusion struct {
	Rows, Cols int
	// Block is the side of the blocks dropped together (1: single
	// patches).
	Block int
	// Blocks are the blocks in the order they are measured.
	Blocks [][]int
	Delta  []float32
	// Done counts the blocks measured.
	Done int
}

// NewOcclusion starts an occlusion map with every delta unknown.
func (p *Probe) NewOcclusion(block int) *Occlusion {
	rows, cols := p.a.Grid()
	o := &Occlusion{Rows: rows, Cols: cols, Block: max(block, 1), Blocks: OcclusionBlocks(rows, cols, block), Delta: make([]float32, rows*cols)}
	for i := range o.Delta {
		o.Delta[i] = float32(math.NaN())
	}
	return o
}

// Complete tells whether every block is measured.
func (o *Occlusion) Complete() bool { return o.Done >= len(o.Blocks) }

// OcclusionStep measures the next n blocks of o (fewer at the end).
func (p *Probe) OcclusionStep(ctx context.Context, o *Occlusion, n, batch int) error {
	end := min(o.Done+n, len(o.Blocks))
	if end <= o.Done {
		return nil
	}
	abls := make([]engine.Ablation, 0, end-o.Done)
	for _, b := range o.Blocks[o.Done:end] {
		abls = append(abls, engine.Ablation{Drop: b})
	}
	logits, err := p.run(ctx, abls, batch)
	if err != nil {
		return err
	}
	for i, b := range o.Blocks[o.Done:end] {
		for _, patch := range b {
			o.Delta[patch] = float32(logits[i] - p.base)
		}
	}
	o.Done = end
	return nil
}

// Occlude measures a whole occlusion map, calling progress after every
// step.
func (p *Probe) Occlude(ctx context.Context, block, batch int, progress func(done, total int)) (*Occlusion, error) {
	o := p.NewOcclusion(block)
	for !o.Complete() {
		if err := p.OcclusionStep(ctx, o, max(batch, 1)*2, batch); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(o.Done, len(o.Blocks))
		}
	}
	return o, nil
}

// HeadAblation is the head-ablation grid of a probe: Delta[l][h] for block
// l and head h (both from 0), NaN until measured.
type HeadAblation struct {
	Layers, Heads int
	Delta         [][]float32
	Done          int // heads measured, block by block
}

// NewHeadAblation starts a head-ablation grid with every delta unknown.
func (p *Probe) NewHeadAblation() *HeadAblation {
	h := &HeadAblation{Layers: p.a.Layers(), Heads: p.a.Heads()}
	h.Delta = make([][]float32, h.Layers)
	for l := range h.Delta {
		h.Delta[l] = make([]float32, h.Heads)
		for i := range h.Delta[l] {
			h.Delta[l][i] = float32(math.NaN())
		}
	}
	return h
}

// Complete tells whether every head is measured.
func (h *HeadAblation) Complete() bool { return h.Done >= h.Layers*h.Heads }

// HeadStep measures the next n heads of h (fewer at the end). Heads of one
// block start from that block's input, so the later blocks cost less.
func (p *Probe) HeadStep(ctx context.Context, h *HeadAblation, n, batch int) error {
	total := h.Layers * h.Heads
	end := min(h.Done+n, total)
	if end <= h.Done {
		return nil
	}
	abls := make([]engine.Ablation, 0, end-h.Done)
	for i := h.Done; i < end; i++ {
		abls = append(abls, engine.Ablation{Silence: []engine.HeadRef{{Block: i / h.Heads, Head: i % h.Heads}}})
	}
	logits, err := p.run(ctx, abls, batch)
	if err != nil {
		return err
	}
	for k, i := 0, h.Done; i < end; k, i = k+1, i+1 {
		h.Delta[i/h.Heads][i%h.Heads] = float32(logits[k] - p.base)
	}
	h.Done = end
	return nil
}

// AblateHeads measures the whole head-ablation grid, calling progress
// after every step.
func (p *Probe) AblateHeads(ctx context.Context, batch int, progress func(done, total int)) (*HeadAblation, error) {
	h := p.NewHeadAblation()
	for !h.Complete() {
		if err := p.HeadStep(ctx, h, max(batch, 1)*2, batch); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(h.Done, h.Layers*h.Heads)
		}
	}
	return h, nil
}

// Clone is a copy of o that a step can fill in while o is on screen.
func (o *Occlusion) Clone() *Occlusion {
	c := *o
	c.Delta = slices.Clone(o.Delta)
	return &c
}

// Clone is a copy of h that a step can fill in while h is on screen.
func (h *HeadAblation) Clone() *HeadAblation {
	c := *h
	c.Delta = make([][]float32, len(h.Delta))
	for i, row := range h.Delta {
		c.Delta[i] = slices.Clone(row)
	}
	return &c
}
