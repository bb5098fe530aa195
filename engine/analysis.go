package engine

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// Analysis is one image as one model saw it, with every internal captured:
// what the explorer, the heatmap command and compare read. Views only read
// it; nothing here runs the model again, except label maps, which pass the
// final patch features through the pooling head once and cache the result.
type Analysis struct {
	Model    *Model
	Source   *preprocess.Image
	Prepared *PreparedImage
	Vision   *VisionOutput
	Timings  Timings

	mu          sync.Mutex
	patchEmbeds []float32
}

// Timings records how long each stage took, for the status line.
type Timings struct {
	Preprocess time.Duration
	Vision     time.Duration
	// PatchEmbeddings is the one-off cost of label maps, once computed.
	PatchEmbeddings time.Duration
}

// Analyze prepares img for the model and runs the vision tower with
// internals capture. maxPatches overrides the NaFlex budget (0 keeps the
// checkpoint's). Cancelling ctx stops the pass between two blocks. A NaN
// or an infinity in the result is reported (a *NonFiniteError naming where
// it first appeared), not returned as an analysis.
func (m *Model) Analyze(ctx context.Context, img *preprocess.Image, maxPatches int) (*Analysis, error) {
	start := time.Now()
	p, err := m.Prepare(img, maxPatches)
	if err != nil {
		return nil, err
	}
	prepared := time.Now()
	out, err := m.EncodeImages(ctx, []VisionInput{p.Input}, true)
	if err != nil {
		return nil, err
	}
	if err := m.CheckVision(ctx, []VisionInput{p.Input}, out); err != nil {
		if out.Internals != nil {
			out.Internals.Release()
		}
		return nil, err
	}
	return &Analysis{Model: m, Source: img, Prepared: p, Vision: out,
		Timings: Timings{Preprocess: prepared.Sub(start), Vision: time.Since(prepared)}}, nil
}

// Grid is the patch grid (rows, columns); Valid() = rows·columns patches.
func (a *Analysis) Grid() (rows, cols int) { return a.Prepared.Input.GridH, a.Prepared.Input.GridW }

// Valid is the number of real patches (NaFlex padding excluded).
func (a *Analysis) Valid() int { return a.Prepared.Input.Valid() }

// Tokens is the sequence length the tower ran on, padding included.
func (a *Analysis) Tokens() int { return a.Vision.Tokens }

// Layers is the number of transformer blocks.
func (a *Analysis) Layers() int { return a.Model.Config.Vision.Layers }

// Heads is the number of attention heads per block.
func (a *Analysis) Heads() int { return a.Model.Config.Vision.Heads }

// Hidden is the feature width.
func (a *Analysis) Hidden() int { return a.Model.Config.Vision.Hidden }

// FeatureLevels is the number of feature levels Features accepts: the
// embeddings (0), every block's output (1…L) and the final LayerNorm (L+1).
func (a *Analysis) FeatureLevels() int { return a.Layers() + 2 }

// FeatureLevelName names a feature level the same way every screen and
// export does: "embeddings" (0), "block k" (the output of block k), "final
// LayerNorm" (L+1: what the pooling head and the label maps read).
func (a *Analysis) FeatureLevelName(level int) string {
	switch {
	case level == 0:
		return "embeddings"
	case level == a.Layers()+1:
		return "final LayerNorm"
	}
	return fmt.Sprintf("block %d", level)
}

// Features returns the valid patches' features at a level (valid × hidden,
// row-major over the patch grid).
func (a *Analysis) Features(level int) ([]float32, error) {
	d, valid := a.Hidden(), a.Valid()
	if level == a.Layers()+1 {
		return a.Vision.LastHidden[:valid*d], nil
	}
	if level < 0 || level > a.Layers()+1 {
		return nil, fmt.Errorf("feature level %d out of range [0, %d]", level, a.Layers()+1)
	}
	h, err := a.Vision.Internals.HiddenState(level, 0)
	if err != nil {
		return nil, err
	}
	return h[:valid*d], nil
}

// Attention returns block layer's attention probabilities, heads × tokens ×
// tokens (Tokens(), padding included; padding keys hold 0).
func (a *Analysis) Attention(layer int) ([]float32, error) {
	return a.Vision.Internals.Attention(layer, 0)
}

// AttentionLayers returns every block's attention, for rollout.
func (a *Analysis) AttentionLayers() ([][]float32, error) {
	out := make([][]float32, a.Layers())
	for l := range out {
		var err error
		if out[l], err = a.Attention(l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PoolingAttention returns the pooling head's attention over the tokens,
// heads × tokens: where the image embedding looks.
func (a *Analysis) PoolingAttention() ([]float32, error) {
	return a.Vision.Internals.PoolingAttention(0)
}

// ImageEmbedding is the L2-normalised image embedding.
func (a *Analysis) ImageEmbedding() []float32 { return a.Vision.Embeds }

// PatchEmbeddings returns every valid patch passed through the pooling head
// on its own, L2-normalised (valid × hidden); computed once.
func (a *Analysis) PatchEmbeddings() ([]float32, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.patchEmbeds == nil {
		start := time.Now()
		pe, err := a.Model.PatchEmbeddings(a.Vision, 0)
		if err != nil {
			return nil, err
		}
		a.patchEmbeds = pe
		a.Timings.PatchEmbeddings = time.Since(start)
	}
	return a.patchEmbeds, nil
}

// LabelMap returns, for every valid patch, the logit its pooled-on-its-own
// features would get against a label: cos(patch, label)·exp(scale) + bias.
// It is an approximation (MaskCLIP-style): the real head mixes patches.
func (a *Analysis) LabelMap(labelEmbed []float32) ([]float32, error) {
	pe, err := a.PatchEmbeddings()
	if err != nil {
		return nil, err
	}
	d := a.Hidden()
	if len(labelEmbed) != d {
		return nil, fmt.Errorf("label embedding has %d values, want %d", len(labelEmbed), d)
	}
	scale := float32(math.Exp(float64(a.Model.LogitScale)))
	out := make([]float32, a.Valid())
	for p := range out {
		var dot float32
		row := pe[p*d : (p+1)*d]
		for k, v := range row {
			dot += v * labelEmbed[k]
		}
		out[p] = dot*scale + a.Model.LogitBias
	}
	return out, nil
}

// Release frees the captured internals on the backend.
func (a *Analysis) Release() {
	if a.Vision != nil && a.Vision.Internals != nil {
		a.Vision.Internals.Release()
	}
}
