package engine

import (
	"cmp"
	"context"
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/naflex"
)

// VisionInput is one image as the vision tower takes it: patches flattened
// (py, px, channel), row-major over the patch grid, padded with zero rows up
// to Tokens (NaFlex) or exactly GridH·GridW of them (fixed resolution).
type VisionInput struct {
	Patches      []float32 // Tokens × PatchDim
	Tokens       int
	GridH, GridW int
}

// Valid is the number of real (unpadded) patches.
func (in VisionInput) Valid() int { return in.GridH * in.GridW }

// VisionTower is SigLIP's vision transformer: patch embedding plus position
// embedding, pre-LN transformer blocks, a final LayerNorm and the
// attention-pooling head.
type VisionTower struct {
	Config  VisionConfig
	Variant Variant

	PatchEmbedding linear         // hidden × PatchDim, (py, px, channel) order
	Positions      compute.Tensor `st:"embeddings.position_embedding.weight" shape:"positions,hidden"`
	Encoder        encoder        `st:"encoder"`
	PostLayerNorm  layerNorm      `st:"post_layernorm" shape:"hidden"`
	Head           poolingHead    `st:"head"`

	positions []float32 // host copy of the learned table, for NaFlex resizing

	bound    []compute.Tensor     // every tensor of the tower's weights, for free
	resized  map[[2]int][]float32 // NaFlex positions per (gridH, gridW)
	work     *visionWork          // scratch of the last batch shape
	captures internalsPool        // released captures, for reuse
}

// visionWork holds the activations of a forward pass for one batch shape.
type visionWork struct {
	batch, tokens int
	arena         arena
	patches       compute.Tensor // batch·tokens × PatchDim
	positions     compute.Tensor // batch·tokens × hidden (NaFlex only)
	state         compute.Tensor // batch·tokens × hidden, updated in place
	last          compute.Tensor // batch·tokens × hidden, after the final LayerNorm
	pooled        compute.Tensor // batch × hidden
	blocks        *scratch
	head          *headScratch
	states        []compute.Tensor // one entry: state (no capture)
	validKeys     []int            // per image
}

func loadVisionTower(c compute.Backend, w *Weights, cfg Config) (*VisionTower, error) {
	vc := cfg.Vision
	grid := vc.PositionGrid(cfg.Variant)
	v := &VisionTower{Config: vc, Variant: cfg.Variant, resized: map[[2]int][]float32{}}
	v.Encoder.Layers = make([]encoderLayer, vc.Layers)
	if hr, ok := c.(compute.HostWeightReader); ok && hr.MultipliesInPlace() {
		w.Prescan("vision_model.") // the weights read in place, checked on every core
	}
	b := &binder{backend: c, weights: w, dims: map[string]int{
		"hidden": vc.Hidden, "intermediate": vc.Intermediate, "positions": grid * grid,
	}}
	if err := b.bind("vision_model", v); err != nil {
		b.release()
		return nil, err
	}
	if err := v.loadPatchEmbedding(b, w); err != nil {
		b.release()
		return nil, err
	}
	var err error
	if v.positions, err = w.Float32("vision_model.embeddings.position_embedding.weight", grid*grid, vc.Hidden); err != nil {
		b.release()
		return nil, err
	}
	if v.Head.probe, err = w.Float32("vision_model.head.probe", 1, 1, vc.Hidden); err != nil {
		b.release()
		return nil, err
	}
	v.bound = b.tensors()
	return v, nil
}

// free frees the tower's weights and activations.
func (v *VisionTower) free(c compute.Backend) {
	for _, t := range v.bound {
		c.Free(t)
	}
	v.bound = nil
	if v.work != nil {
		v.work.arena.free()
		v.work = nil
	}
}

// loadPatchEmbedding reads the patch embedding into (py, px, channel) column
// order: NaFlex checkpoints store it so; fixed-resolution ones store a Conv2d
// kernel (hidden, channel, py, px) that is reordered here.
func (v *VisionTower) loadPatchEmbedding(b *binder, w *Weights) error {
	vc := v.Config
	p, d := vc.PatchSize, vc.Hidden
	name := "vision_model.embeddings.patch_embedding"
	var weight []float32
	var err error
	if v.Variant == NaFlex {
		weight, err = w.Float32(name+".weight", d, vc.PatchDim())
	} else {
		var conv []float32
		if conv, err = w.Float32(name+".weight", d, vc.Channels, p, p); err != nil {
			return err
		}
		weight = make([]float32, len(conv))
		for o := 0; o < d; o++ {
			for ch := 0; ch < vc.Channels; ch++ {
				for py := 0; py < p; py++ {
					for px := 0; px < p; px++ {
						weight[o*vc.PatchDim()+(py*p+px)*vc.Channels+ch] = conv[((o*vc.Channels+ch)*p+py)*p+px]
					}
				}
			}
		}
	}
	if err != nil {
		return err
	}
	bias, err := w.Float32(name+".bias", d)
	if err != nil {
		return err
	}
	// The reordered weight is a copy already: the backend's own form of it
	// when it has one, else a plain tensor.
	if prep, ok := b.backend.(compute.LinearWeightPreparer); ok {
		if p, ok := prep.PrepareLinearWeight(compute.Tensor{Rows: d, Cols: vc.PatchDim(), Stride: vc.PatchDim(), Host: weight}); ok {
			b.allocated = append(b.allocated, p)
			v.PatchEmbedding.Weight = p
		}
	}
	if v.PatchEmbedding.Weight.Empty() {
		if v.PatchEmbedding.Weight, err = b.upload(name+".weight", d, vc.PatchDim(), weight); err != nil {
			return err
		}
	}
	v.PatchEmbedding.Bias, err = b.upload(name+".bias", 1, d, bias)
	return err
}

// FixedGrid is the patch grid of a fixed-resolution checkpoint.
func (v *VisionTower) FixedGrid() int { return v.Config.ImageSize / v.Config.PatchSize }

// ResizedPositions returns the position embeddings for a gridH × gridW image
// (gridH·gridW × hidden): the learned grid itself for fixed-resolution
// checkpoints, resized with antialiased bilinear interpolation for NaFlex.
func (v *VisionTower) ResizedPositions(gridH, gridW int) ([]float32, error) {
	if v.Variant == FixedRes {
		if g := v.FixedGrid(); gridH != g || gridW != g {
			return nil, fmt.Errorf("a fixed-resolution model has a %dx%d patch grid, not %dx%d", g, g, gridH, gridW)
		}
		return v.positions, nil
	}
	key := [2]int{gridH, gridW}
	if p, ok := v.resized[key]; ok {
		return p, nil
	}
	side := v.Config.PositionGrid(NaFlex)
	p, err := naflex.ResizePositions(v.positions, side, v.Config.Hidden, gridH, gridW)
	if err != nil {
		return nil, err
	}
	if len(v.resized) > 64 {
		clear(v.resized)
	}
	v.resized[key] = p
	return p, nil
}

func (v *VisionTower) checkInputs(inputs []VisionInput) (tokens int, err error) {
	if len(inputs) == 0 {
		return 0, fmt.Errorf("no images to encode")
	}
	tokens = inputs[0].Tokens
	for i, in := range inputs {
		switch {
		case in.Tokens != tokens:
			return 0, fmt.Errorf("image %d has %d patch rows, image 0 has %d: a batch needs one size (use one max_num_patches)", i, in.Tokens, tokens)
		case in.GridH < 1 || in.GridW < 1 || in.Valid() > in.Tokens:
			return 0, fmt.Errorf("image %d: a %dx%d patch grid does not fit %d rows", i, in.GridH, in.GridW, in.Tokens)
		case len(in.Patches) != in.Tokens*v.Config.PatchDim():
			return 0, fmt.Errorf("image %d: %d patch values, want %d rows × %d", i, len(in.Patches), in.Tokens, v.Config.PatchDim())
		}
		if v.Variant == FixedRes {
			if g := v.FixedGrid(); in.GridH != g || in.GridW != g || in.Tokens != g*g {
				return 0, fmt.Errorf("image %d: a fixed-resolution model takes a %dx%d patch grid, not %dx%d", i, g, g, in.GridH, in.GridW)
			}
		}
	}
	return tokens, nil
}

// workFor returns scratch for a batch shape, reusing the last one when the
// shape repeats (the common case: one image at a time).
func (v *VisionTower) workFor(c compute.Backend, batch, tokens int) (*visionWork, error) {
	if w := v.work; w != nil && w.batch == batch && w.tokens == tokens {
		return w, nil
	}
	if v.work != nil {
		v.work.arena.free()
		v.work = nil
	}
	vc := v.Config
	rows := batch * tokens
	w := &visionWork{batch: batch, tokens: tokens, arena: arena{c: c}, states: make([]compute.Tensor, 1), validKeys: make([]int, batch)}
	a := &w.arena
	w.patches = a.alloc(rows, vc.PatchDim())
	if v.Variant == NaFlex {
		w.positions = a.alloc(rows, vc.Hidden)
	}
	w.state, w.last, w.pooled = a.alloc(rows, vc.Hidden), a.alloc(rows, vc.Hidden), a.alloc(batch, vc.Hidden)
	w.blocks = newScratch(a, rows, vc.EncoderConfig)
	var err error
	if a.err == nil {
		w.head, err = newHeadScratch(a, vc.EncoderConfig, batch, tokens, v.Head.probe)
	}
	if err = cmp.Or(a.err, err); err != nil {
		a.free()
		return nil, fmt.Errorf("allocate vision activations for %d×%d tokens: %w", batch, tokens, err)
	}
	v.work = w
	return w, nil
}

// embed writes patch embeddings plus position embeddings into x.
func (v *VisionTower) embed(c compute.Backend, x compute.Tensor, w *visionWork, inputs []VisionInput) error {
	for i, in := range inputs {
		if err := c.Upload(w.patches.RowRange(i*w.tokens, (i+1)*w.tokens), in.Patches); err != nil {
			return err
		}
	}
	v.PatchEmbedding.Forward(c, x, w.patches, compute.NoActivation)
	if v.Variant == FixedRes {
		for i := range inputs {
			rows := x.RowRange(i*w.tokens, (i+1)*w.tokens)
			c.Add(rows, rows, v.Positions)
		}
		return nil
	}
	d := v.Config.Hidden
	for i, in := range inputs {
		pos, err := v.ResizedPositions(in.GridH, in.GridW)
		if err != nil {
			return err
		}
		dst := w.positions.RowRange(i*w.tokens, (i+1)*w.tokens)
		if err := c.Upload(dst.RowRange(0, in.Valid()), pos); err != nil {
			return err
		}
		// Padding rows take the resized embedding of grid cell (0, 0), as
		// Hugging Face fills them.
		for r := in.Valid(); r < w.tokens; r++ {
			if err := c.Upload(dst.RowRange(r, r+1), pos[:d]); err != nil {
				return err
			}
		}
	}
	c.Add(x, x, w.positions)
	return nil
}

// VisionOutput is what the vision tower computed for a batch of images.
type VisionOutput struct {
	Batch, Tokens, Hidden int
	// Grids holds each image's patch grid (rows, columns).
	Grids [][2]int
	// LastHidden is the final LayerNorm's output, batch × tokens × hidden.
	LastHidden []float32
	// Pooled is the pooling head's output (pooler_output), batch × hidden.
	Pooled []float32
	// Embeds is Pooled with every row L2-normalised (image_embeds).
	Embeds []float32
	// Internals holds captured per-layer tensors, or nil.
	Internals *Internals
}

// forward runs the tower into out, reusing out's slices when they are
// large enough, so repeated forwards of one shape allocate nothing. Callers
// serialise (Model does).
func (v *VisionTower) forward(ctx context.Context, c compute.Backend, inputs []VisionInput, capture bool, out *VisionOutput) error {
	tokens, err := v.checkInputs(inputs)
	if err != nil {
		return err
	}
	batch := len(inputs)
	w, err := v.workFor(c, batch, tokens)
	if err != nil {
		return err
	}
	vc := v.Config
	w.states[0] = w.state
	p := &pass{ctx: ctx, c: c, cfg: vc.EncoderConfig, s: w.blocks}
	states := w.states[:1]
	var poolProbs compute.Tensor
	var internals *Internals
	if capture {
		if internals, err = newInternals(c, vc.EncoderConfig, batch, tokens, true, &v.captures); err != nil {
			return err
		}
		states, p.probs, poolProbs = internals.states, internals.probs, internals.poolProbs
	}
	var validKeys []int
	if v.Variant == NaFlex {
		validKeys = w.validKeys[:batch]
		for i, in := range inputs {
			validKeys[i] = in.Valid()
		}
	}
	p.shape = attentionShape(vc.EncoderConfig, batch, tokens, validKeys)

	if err := v.embed(c, states[0], w, inputs); err != nil {
		return v.failed(c, internals, err)
	}
	if err := v.Encoder.Forward(p, states, 0); err != nil {
		return v.failed(c, internals, err)
	}
	v.PostLayerNorm.Forward(c, w.last, states[len(states)-1], vc.LayerNormEps)
	v.Head.Forward(c, vc.EncoderConfig, w.pooled, w.last, w.head, batch, tokens, validKeys, poolProbs)
	if err := c.Sync(); err != nil {
		return v.failed(c, internals, err)
	}

	*out = VisionOutput{Batch: batch, Tokens: tokens, Hidden: vc.Hidden, Internals: internals,
		Grids: out.Grids[:0], LastHidden: resize(out.LastHidden, batch*tokens*vc.Hidden),
		Pooled: resize(out.Pooled, batch*vc.Hidden), Embeds: resize(out.Embeds, batch*vc.Hidden)}
	for _, in := range inputs {
		out.Grids = append(out.Grids, [2]int{in.GridH, in.GridW})
	}
	if err := c.Download(out.LastHidden, w.last); err != nil {
		return v.failed(c, internals, err)
	}
	if err := c.Download(out.Pooled, w.pooled); err != nil {
		return v.failed(c, internals, err)
	}
	copy(out.Embeds, out.Pooled)
	l2Normalize(out.Embeds, vc.Hidden)
	return nil
}

// resize returns s with length n, reusing its array when it is big enough.
func resize(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

func (v *VisionTower) failed(c compute.Backend, in *Internals, err error) error {
	if in != nil {
		in.Release()
	}
	return fmt.Errorf("vision forward on %s: %w", c.Name(), err)
}
