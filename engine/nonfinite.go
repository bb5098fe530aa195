package engine

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
)

// NonFiniteWeightError reports a checkpoint tensor that holds a NaN or an
// infinity. Load returns it for the first such value it converts; weights
// are checked as they are converted, so the check reads nothing twice.
type NonFiniteWeightError struct {
	// File is the safetensors file and Tensor the tensor's name in it.
	File, Tensor string
	// Shape is the tensor's shape and Index the flat position of the
	// first non-finite element.
	Shape []int
	Index int
	// Value is that element (NaN, +Inf or -Inf) after conversion to
	// float32; a finite F64 too large for float32 shows as ±Inf.
	Value float32
}

// Error names the file, the tensor and the element, and says what to do.
func (e *NonFiniteWeightError) Error() string {
	return fmt.Sprintf("%s: tensor %q holds %s at %s: the checkpoint is corrupt or was saved after training diverged; download it again, or use another checkpoint",
		e.File, e.Tensor, describeValue(e.Value), elementName(e.Shape, e.Index))
}

// elementName writes a flat index as a multi-dimensional one: "element
// [3 17]".
func elementName(shape []int, flat int) string {
	if len(shape) == 0 {
		return "its only element"
	}
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] > 0 {
			idx[i] = flat % shape[i]
			flat /= shape[i]
		}
	}
	return "element " + safetensors.ShapeString(idx)
}

func describeValue(v float32) string {
	switch {
	case math.IsNaN(float64(v)):
		return "NaN"
	case v > 0:
		return "+Inf"
	}
	return "-Inf"
}

// maxLogitScale is the largest logit_scale whose exp fits a float32.
var maxLogitScale = float32(math.Log(math.MaxFloat32))

// checkLogitScale refuses a logit_scale whose exp overflows float32: every
// logit would be ±Inf or NaN (logit_bias is finite by then; ReadInto checks).
func checkLogitScale(w *Weights, scale float32) error {
	if scale <= maxLogitScale {
		return nil
	}
	where := "the checkpoint"
	if _, f, err := w.Info("logit_scale"); err == nil {
		where = f.Path
	}
	return fmt.Errorf("%s: tensor \"logit_scale\" is %g; exp(logit_scale) overflows float32 above %.2f, so every score would be infinite: the checkpoint is corrupt",
		where, scale, maxLogitScale)
}

// NonFiniteError reports where a NaN or an infinity first appeared in a
// forward pass. CheckVision, CheckText, CheckLabels and CheckLogits return
// it; print it beside the numbers it spoils (which stay NaN or ±Inf).
type NonFiniteError struct {
	// Stage names the place, for example "image pixel values", "vision
	// embeddings", "vision block 3 of 12 output", "vision post-layernorm",
	// "pooling head", "text final layer norm", "logits".
	Stage string
	// Level is the hidden-state index the explorer calls "layer": 0 for
	// the embeddings, b for block b's output (1-based), Layers+1 after the
	// final LayerNorm; -1 for stages outside the encoder stack.
	Level int
	// Item is the image or text in its batch (-1 when not applicable) and
	// Row the patch or token position inside it (-1 likewise).
	Item, Row int
	// Value is the first non-finite value found there.
	Value float32
	// Located is false when only the outputs could be checked (nothing
	// captured, no inputs to run again): Stage is then the whole tower.
	Located bool
	// Hint says what usually causes it and what the user can do.
	Hint string
}

// Error says what appeared where, and what to do.
func (e *NonFiniteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s first appears in %s", describeValue(e.Value), e.Stage)
	var at []string
	if e.Item >= 0 {
		at = append(at, fmt.Sprintf("item %d", e.Item))
	}
	if e.Row >= 0 {
		at = append(at, fmt.Sprintf("position %d", e.Row))
	}
	if len(at) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(at, ", "))
	}
	if e.Hint != "" {
		b.WriteString(": " + e.Hint)
	}
	return b.String()
}

// Hints shared by both towers.
const (
	hintOverflow = "an activation overflowed float32: the weights are finite but far too large (a corrupt or mis-converted checkpoint)"
	hintZeroNorm = "the pooled vector is all zeros, so it cannot be normalised"
	hintLocate   = "capture the internals (explore, dump) to find the block where it starts"
)

// firstNonFiniteRows scans rows [0, rows) of a rows×width matrix and
// returns the first non-finite element's row and value.
func firstNonFiniteRows(v []float32, rows, width int) (row int, val float32, ok bool) {
	n := min(len(v), rows*width)
	if i := safetensors.FirstNonFinite(v[:n]); i >= 0 {
		return i / width, v[i], true
	}
	return 0, 0, false
}

// stage is one place a tower's values can be checked: per batch item, the
// first rows(item) rows of width values.
type stage struct {
	name  string
	level int
	hint  string
	item  func(i int) ([]float32, error) // item i's rows
	rows  func(i int) int
	width int
}

// firstBad returns the earliest stage, over every item, holding a
// non-finite value.
func firstBad(stages []stage, items int) (*NonFiniteError, error) {
	for _, s := range stages {
		for i := 0; i < items; i++ {
			v, err := s.item(i)
			if err != nil {
				return nil, err
			}
			if row, val, ok := firstNonFiniteRows(v, s.rows(i), s.width); ok {
				if s.width == 0 || s.rows(i) == 1 {
					row = -1
				}
				return &NonFiniteError{Stage: s.name, Level: s.level, Item: i, Row: row, Value: val, Located: true, Hint: s.hint}, nil
			}
		}
	}
	return nil, nil
}

// rowsOf slices item i's part out of a batch-major array.
func rowsOf(all []float32, per int) func(i int) ([]float32, error) {
	return func(i int) ([]float32, error) { return all[i*per : (i+1)*per], nil }
}

// CheckVision returns nil when every image embedding in out is finite.
// Otherwise it returns a *NonFiniteError for the earliest place a NaN or
// infinity appears: the pixel values (when inputs are given), the
// embeddings, a block's output (when out holds captured internals), the
// post-layernorm, the pooling head or the normalisation. Without internals
// and with inputs, it runs the first affected image again with capture to
// find the block (the memory check of EncodeImages applies; ctx can cancel
// that pass). Only padding rows are skipped. The common case costs one scan
// of out.Embeds.
func (m *Model) CheckVision(ctx context.Context, inputs []VisionInput, out *VisionOutput) error {
	d := out.Hidden
	bad := -1
	for i := 0; i < out.Batch; i++ {
		if safetensors.FirstNonFinite(out.Embeds[i*d:(i+1)*d]) >= 0 {
			bad = i
			break
		}
	}
	if bad < 0 {
		return nil
	}
	if out.Internals == nil && bad < len(inputs) {
		again, err := m.EncodeImages(ctx, []VisionInput{inputs[bad]}, true)
		if err == nil {
			defer again.Internals.Release()
			if e := m.CheckVision(ctx, inputs[bad:bad+1], again); e != nil {
				if ne, ok := e.(*NonFiniteError); ok {
					ne.Item = bad
				}
				return e
			}
		}
	}
	valid := func(i int) int { return out.Grids[i][0] * out.Grids[i][1] }
	one := func(int) int { return 1 }
	vc := m.Config.Vision
	var stages []stage
	if len(inputs) == out.Batch {
		stages = append(stages, stage{name: "image pixel values", level: -1, width: vc.PatchDim(), rows: valid,
			hint: "preprocessing produced it: check rescale_factor, image_mean and image_std in preprocessor_config.json",
			item: func(i int) ([]float32, error) { return inputs[i].Patches, nil }})
	}
	located := out.Internals != nil
	if in := out.Internals; in != nil {
		for l := 0; l <= in.Layers(); l++ {
			s := stage{level: l, width: d, rows: valid, hint: hintOverflow,
				item: func(i int) ([]float32, error) { return in.HiddenState(l, i) }}
			s.name = fmt.Sprintf("vision block %d of %d output", l, in.Layers())
			if l == 0 {
				s.name = "vision embeddings (patch + position)"
			}
			stages = append(stages, s)
		}
	}
	last := stage{name: "vision post-layernorm", level: vc.Layers + 1, width: d, rows: valid, hint: hintOverflow,
		item: rowsOf(out.LastHidden, out.Tokens*d)}
	if !located {
		last.name, last.level, last.hint = "the vision tower (a block or the final LayerNorm)", -1, hintLocate
	}
	stages = append(stages, last,
		stage{name: "pooling head", level: -1, width: d, rows: one, hint: hintOverflow, item: rowsOf(out.Pooled, d)},
		stage{name: "image embedding (L2 normalisation)", level: -1, width: d, rows: one, hint: hintZeroNorm, item: rowsOf(out.Embeds, d)})
	e, err := firstBad(stages, out.Batch)
	if err != nil {
		return err
	}
	if e == nil { // cannot happen: Embeds holds one
		e = &NonFiniteError{Stage: "image embedding", Level: -1, Item: bad, Row: -1, Value: float32(math.NaN())}
	}
	e.Located = located || e.Stage != last.name
	return e
}

// CheckText is CheckVision for the text tower: nil when every embedding in
// out is finite, otherwise the earliest place a NaN or infinity appears
// (the embeddings and each block's output when out holds internals, the
// final layer norm, the head, the normalisation).
func (m *Model) CheckText(out *TextOutput) error {
	p := m.Config.Text.ProjectionSize
	if safetensors.FirstNonFinite(out.Embeds) < 0 {
		return nil
	}
	d := out.Hidden
	all := func(int) int { return out.Length }
	one := func(int) int { return 1 }
	var stages []stage
	located := out.Internals != nil
	if in := out.Internals; in != nil {
		for l := 0; l <= in.Layers(); l++ {
			s := stage{level: l, width: d, rows: all, hint: hintOverflow,
				item: func(i int) ([]float32, error) { return in.HiddenState(l, i) }}
			s.name = fmt.Sprintf("text block %d of %d output", l, in.Layers())
			if l == 0 {
				s.name = "text embeddings (token + position)"
			}
			stages = append(stages, s)
		}
	}
	last := stage{name: "text final layer norm", level: m.Config.Text.Layers + 1, width: d, rows: all, hint: hintOverflow,
		item: rowsOf(out.LastHidden, out.Length*d)}
	if !located {
		last.name, last.level, last.hint = "the text tower (a block or the final LayerNorm)", -1, hintLocate
	}
	stages = append(stages, last,
		stage{name: "text head", level: -1, width: p, rows: one, hint: hintOverflow, item: rowsOf(out.Pooled, p)},
		stage{name: "text embedding (L2 normalisation)", level: -1, width: p, rows: one, hint: hintZeroNorm, item: rowsOf(out.Embeds, p)})
	e, err := firstBad(stages, out.Batch)
	if err != nil || e == nil {
		return err
	}
	e.Located = located || e.Stage != last.name
	return e
}

// CheckLabels returns nil when every label's embedding is finite.
// Otherwise it encodes the first affected label again with internals
// capture (one short text: cheap; ctx can cancel it) and returns the
// *NonFiniteError of CheckText for it, Item being the label's index in
// labels.
func (m *Model) CheckLabels(ctx context.Context, labels []Label) error {
	for i, l := range labels {
		if safetensors.FirstNonFinite(l.Embed) < 0 {
			continue
		}
		out, err := m.EncodeTexts(ctx, [][]int{l.IDs}, true)
		if err != nil {
			return &NonFiniteError{Stage: fmt.Sprintf("the text embedding of label %q", l.Text), Level: -1, Item: i, Row: -1,
				Value: l.Embed[safetensors.FirstNonFinite(l.Embed)], Hint: hintLocate}
		}
		defer out.Internals.Release()
		e := m.CheckText(out)
		if ne, ok := e.(*NonFiniteError); ok {
			ne.Item = i
			ne.Stage += fmt.Sprintf(" for label %q", l.Text)
			return ne
		}
		// The embedding came from another batch (the label cache): this
		// run is finite, so report the stored embedding.
		return &NonFiniteError{Stage: fmt.Sprintf("the text embedding of label %q", l.Text), Level: -1, Item: i, Row: -1,
			Value: l.Embed[safetensors.FirstNonFinite(l.Embed)], Hint: hintLocate}
	}
	return nil
}

// CheckLogits returns nil when every logit is finite. Otherwise it blames
// the earliest of: an image embedding, a text embedding (Item is then the
// text's index), or the logit computation itself (exp(logit_scale) ×
// cosine + logit_bias). imageEmbeds and textEmbeds are what Logits took.
func (m *Model) CheckLogits(logits, imageEmbeds, textEmbeds []float32) error {
	i := safetensors.FirstNonFinite(logits)
	if i < 0 {
		return nil
	}
	d := m.Config.Vision.Hidden
	if j := safetensors.FirstNonFinite(imageEmbeds); j >= 0 {
		return &NonFiniteError{Stage: "an image embedding", Level: -1, Item: j / d, Row: -1, Value: imageEmbeds[j], Located: true,
			Hint: "check the vision tower's outputs with CheckVision"}
	}
	if j := safetensors.FirstNonFinite(textEmbeds); j >= 0 {
		return &NonFiniteError{Stage: "a text embedding", Level: -1, Item: j / d, Row: -1, Value: textEmbeds[j], Located: true,
			Hint: "check the text tower's outputs with CheckText or CheckLabels"}
	}
	return &NonFiniteError{Stage: "logits", Level: -1, Item: i, Row: -1, Value: logits[i], Located: true,
		Hint: fmt.Sprintf("exp(logit_scale) × cosine + logit_bias overflowed (logit_scale %g, logit_bias %g)", m.LogitScale, m.LogitBias)}
}

// tokenEmbeddingName is the text tower's token table in the checkpoint.
const tokenEmbeddingName = "text_model.embeddings.token_embedding.weight"

// checkRow finishes embeddingTable.row: the table stays memory-mapped and
// is converted one row at a time, so its rows are checked as they are
// converted, the first time a text uses them.
func (e *embeddingTable) checkRow(dst []float32, id int, err error) error {
	if err != nil {
		return fmt.Errorf("%s: tensor %q: %w", e.path, tokenEmbeddingName, err)
	}
	if j := safetensors.FirstNonFinite(dst[:e.dim]); j >= 0 {
		return &NonFiniteWeightError{File: e.path, Tensor: tokenEmbeddingName, Shape: []int{e.rows, e.dim}, Index: id*e.dim + j, Value: dst[j]}
	}
	return nil
}

// CheckFinite is CheckVision for an analysis: nil when the image embedding
// is finite, otherwise where the first NaN or infinity appears (the
// analysis holds the internals, so the block is found without running
// anything again).
func (a *Analysis) CheckFinite() error {
	return a.Model.CheckVision(context.Background(), []VisionInput{a.Prepared.Input}, a.Vision)
}
