package engine

import (
	"context"
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// TextTower is SigLIP's text transformer: token + position embeddings,
// pre-LN transformer blocks without a mask, a final LayerNorm, and a linear
// head applied to the hidden state at the LAST position. That position is
// usually padding: the model was trained that way.
type TextTower struct {
	Config TextConfig

	tokens         *embeddingTable // vocab × hidden, left memory-mapped
	positions      []float32       // max_positions × hidden
	Encoder        encoder         `st:"encoder"`
	FinalLayerNorm layerNorm       `st:"final_layer_norm" shape:"hidden"`
	Head           linear          `st:"head" shape:"projection,hidden"`

	bound    []compute.Tensor // every tensor of the tower's weights, for free
	work     *textWork
	captures internalsPool
}

// embeddingTable reads rows of the token embedding straight from the
// memory-mapped checkpoint in its stored dtype: a 256 000 × 768 table is
// never converted as a whole, only the rows in use are touched.
type embeddingTable struct {
	raw       []byte
	dtype     safetensors.DType
	rows, dim int
	path      string // the file, for errors
}

// row converts row id into dst.
func (e *embeddingTable) row(dst []float32, id int) error {
	size := e.dim * e.dtype.Size()
	return e.checkRow(dst, id, safetensors.DecodeFloat32(dst[:e.dim], e.raw[id*size:(id+1)*size], e.dtype))
}

type textWork struct {
	batch, length int
	arena         arena
	embedded      []float32      // host: batch·length × hidden
	state         compute.Tensor // batch·length × hidden
	last          compute.Tensor // after the final LayerNorm
	pooled        compute.Tensor // batch × projection
	blocks        *scratch
	states        []compute.Tensor // one entry: state (no capture)
}

func loadTextTower(c compute.Backend, w *Weights, cfg TextConfig) (*TextTower, error) {
	t := &TextTower{Config: cfg}
	t.Encoder.Layers = make([]encoderLayer, cfg.Layers)
	if hr, ok := c.(compute.HostWeightReader); ok && hr.MultipliesInPlace() {
		w.Prescan("text_model.encoder.") // the weights read in place, checked on every core
	}
	b := &binder{backend: c, weights: w, dims: map[string]int{
		"hidden": cfg.Hidden, "intermediate": cfg.Intermediate, "projection": cfg.ProjectionSize,
	}}
	if err := b.bind("text_model", t); err != nil {
		b.release()
		return nil, err
	}
	var err error
	if t.positions, err = w.Float32("text_model.embeddings.position_embedding.weight", cfg.MaxPositions, cfg.Hidden); err != nil {
		b.release()
		return nil, err
	}
	name := "text_model.embeddings.token_embedding.weight"
	info, f, err := w.Info(name)
	if err == nil {
		err = checkShape(info, f.Path, []int{cfg.VocabSize, cfg.Hidden})
	}
	if err == nil {
		switch info.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16:
		default:
			err = fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F16 or BF16", f.Path, name, info.DType)
		}
	}
	if err != nil {
		b.release()
		return nil, err
	}
	raw, _, _ := f.Bytes(name)
	f.ReadRandomly(name)
	t.tokens = &embeddingTable{raw: raw, dtype: info.DType, rows: cfg.VocabSize, dim: cfg.Hidden, path: f.Path}
	t.bound = b.tensors()
	return t, nil
}

// checkTextTower checks that the checkpoint holds every tensor of the text
// tower with its shape and a floating-point dtype, reading no values.
func checkTextTower(c compute.Backend, w *Weights, cfg TextConfig) error {
	t := &TextTower{Config: cfg}
	t.Encoder.Layers = make([]encoderLayer, cfg.Layers)
	b := &binder{backend: c, weights: w, dry: true, dims: map[string]int{
		"hidden": cfg.Hidden, "intermediate": cfg.Intermediate, "projection": cfg.ProjectionSize,
	}}
	if err := b.bind("text_model", t); err != nil {
		return err
	}
	if err := w.check("text_model.embeddings.position_embedding.weight", []int{cfg.MaxPositions, cfg.Hidden}); err != nil {
		return err
	}
	name := "text_model.embeddings.token_embedding.weight"
	info, f, err := w.Info(name)
	if err != nil {
		return err
	}
	if err := checkShape(info, f.Path, []int{cfg.VocabSize, cfg.Hidden}); err != nil {
		return err
	}
	switch info.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16:
		return nil
	}
	return fmt.Errorf("%s: tensor %q has dtype %s; weights must be F32, F16 or BF16", f.Path, name, info.DType)
}

// free frees the tower's weights and activations.
func (t *TextTower) free(c compute.Backend) {
	for _, x := range t.bound {
		c.Free(x)
	}
	t.bound = nil
	if t.work != nil {
		t.work.arena.free()
		t.work = nil
	}
}

func (t *TextTower) workFor(c compute.Backend, batch, length int) (*textWork, error) {
	if w := t.work; w != nil && w.batch == batch && w.length == length {
		return w, nil
	}
	if t.work != nil {
		t.work.arena.free()
		t.work = nil
	}
	cfg := t.Config
	rows := batch * length
	w := &textWork{batch: batch, length: length, arena: arena{c: c}, embedded: make([]float32, rows*cfg.Hidden), states: make([]compute.Tensor, 1)}
	a := &w.arena
	w.state, w.last, w.pooled = a.alloc(rows, cfg.Hidden), a.alloc(rows, cfg.Hidden), a.alloc(batch, cfg.ProjectionSize)
	w.blocks = newScratch(a, rows, cfg.EncoderConfig)
	if a.err != nil {
		a.free()
		return nil, fmt.Errorf("allocate text activations for %d×%d tokens: %w", batch, length, a.err)
	}
	t.work = w
	return w, nil
}

// embed writes token embedding + position embedding for every id, on the
// host, into w.embedded.
func (t *TextTower) embed(w *textWork, ids [][]int) error {
	d := t.Config.Hidden
	for b, row := range ids {
		for p, id := range row {
			if id < 0 || id >= t.Config.VocabSize {
				return fmt.Errorf("text %d: token id %d at position %d is outside the vocabulary [0, %d)", b, id, p, t.Config.VocabSize)
			}
			dst := w.embedded[(b*w.length+p)*d : (b*w.length+p+1)*d]
			if err := t.tokens.row(dst, id); err != nil {
				return err
			}
			pos := t.positions[p*d : (p+1)*d]
			for i := range dst {
				dst[i] += pos[i]
			}
		}
	}
	return nil
}

// TextOutput is what the text tower computed for a batch of token rows.
type TextOutput struct {
	Batch, Length, Hidden int
	// LastHidden is the final LayerNorm's output, batch × length × hidden.
	LastHidden []float32
	// Pooled is the head applied at the last position, batch × projection.
	Pooled []float32
	// Embeds is Pooled with every row L2-normalised (text_embeds).
	Embeds []float32
	// Internals holds captured per-layer tensors, or nil.
	Internals *Internals
}

// forward runs the tower into out, reusing out's slices when large enough.
func (t *TextTower) forward(ctx context.Context, c compute.Backend, ids [][]int, capture bool, out *TextOutput) error {
	if len(ids) == 0 {
		return fmt.Errorf("no texts to encode")
	}
	length := len(ids[0])
	for i, row := range ids {
		if len(row) != length {
			return fmt.Errorf("text %d has %d ids, text 0 has %d: pad every text to the same length", i, len(row), length)
		}
	}
	if length < 1 || length > t.Config.MaxPositions {
		return fmt.Errorf("texts have %d ids; the model takes 1 to %d (max_position_embeddings)", length, t.Config.MaxPositions)
	}
	batch := len(ids)
	w, err := t.workFor(c, batch, length)
	if err != nil {
		return err
	}
	cfg := t.Config
	if err := t.embed(w, ids); err != nil {
		return err
	}
	w.states[0] = w.state
	states := w.states[:1]
	p := &pass{ctx: ctx, c: c, cfg: cfg.EncoderConfig, s: w.blocks, shape: attentionShape(cfg.EncoderConfig, batch, length, nil)}
	var internals *Internals
	if capture {
		if internals, err = newInternals(c, cfg.EncoderConfig, batch, length, false, &t.captures); err != nil {
			return err
		}
		states, p.probs = internals.states, internals.probs
	}
	fail := func(err error) error {
		if internals != nil {
			internals.Release()
		}
		return fmt.Errorf("text forward on %s: %w", c.Name(), err)
	}
	if err := c.Upload(states[0], w.embedded); err != nil {
		return fail(err)
	}
	if err := t.Encoder.Forward(p, states, 0); err != nil {
		return fail(err)
	}
	t.FinalLayerNorm.Forward(c, w.last, states[len(states)-1], cfg.LayerNormEps)
	lastTokens := w.last.Strided((length-1)*cfg.Hidden, length*cfg.Hidden, batch, cfg.Hidden)
	t.Head.Forward(c, w.pooled, lastTokens, compute.NoActivation)
	if err := c.Sync(); err != nil {
		return fail(err)
	}
	*out = TextOutput{Batch: batch, Length: length, Hidden: cfg.Hidden, Internals: internals,
		LastHidden: resize(out.LastHidden, batch*length*cfg.Hidden), Pooled: resize(out.Pooled, batch*cfg.ProjectionSize),
		Embeds: resize(out.Embeds, batch*cfg.ProjectionSize)}
	if err := c.Download(out.LastHidden, w.last); err != nil {
		return fail(err)
	}
	if err := c.Download(out.Pooled, w.pooled); err != nil {
		return fail(err)
	}
	copy(out.Embeds, out.Pooled)
	l2Normalize(out.Embeds, cfg.ProjectionSize)
	return nil
}
