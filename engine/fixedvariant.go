package engine

import (
	"bytes"
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/naflex"
)

// FixedResFromNaFlex returns a fixed-resolution model with the weights of
// the NaFlex model m: images are squashed to imageSize × imageSize, its
// patch embedding is m's (reordered into the Conv2d layout a fixed-resolution
// checkpoint stores) and its position table is m's learned grid resized to
// (imageSize/patch)² exactly as NaFlex resizes it for a square image. On a
// square image both models therefore compute the same thing; on any other
// image the difference is only squashing versus keeping the aspect ratio.
// It lets the compare command show that difference with one set of weights
// (the built-in demo has no fixed-resolution sibling). The new model keeps
// m's tokenizer and preprocessing settings (resample filter, mean, std).
func FixedResFromNaFlex(m *Model, imageSize int, opts Options) (*Model, error) {
	if m.Config.Variant != NaFlex {
		return nil, fmt.Errorf("fixed-resolution copy: %s is already a fixed-resolution model", m.Dir)
	}
	vc := m.Config.Vision
	p, d := vc.PatchSize, vc.Hidden
	if imageSize < p || imageSize > maxImageSize {
		return nil, fmt.Errorf("fixed-resolution copy: image size %d is outside [%d, %d] (one patch to %d pixels)", imageSize, p, maxImageSize, maxImageSize)
	}
	cfg := m.Config
	cfg.ModelType, cfg.Variant = "siglip", FixedRes
	cfg.Vision.ImageSize = imageSize
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("fixed-resolution copy: %w", err)
	}
	grid := imageSize / p
	side := vc.PositionGrid(NaFlex)
	var tensors []safetensors.Tensor
	for _, name := range m.weights.Names() {
		info, _, err := m.weights.Info(name)
		if err != nil {
			return nil, err
		}
		vals, err := m.weights.Float32(name, info.Shape...)
		if err != nil {
			return nil, fmt.Errorf("fixed-resolution copy: %w", err)
		}
		shape := info.Shape
		switch name {
		case "vision_model.embeddings.patch_embedding.weight":
			vals = naflexToConv(vals, d, vc.Channels, p)
			shape = []int{d, vc.Channels, p, p}
		case "vision_model.embeddings.position_embedding.weight":
			if vals, err = naflex.ResizePositions(vals, side, d, grid, grid); err != nil {
				return nil, fmt.Errorf("fixed-resolution copy: %w", err)
			}
			shape = []int{grid * grid, d}
		}
		tensors = append(tensors, safetensors.Tensor{Name: name, Shape: shape, Data: vals})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, map[string]string{"format": "pt"}); err != nil {
		return nil, fmt.Errorf("fixed-resolution copy: %w", err)
	}
	f, err := safetensors.FromBytes("fixed-resolution copy", buf.Bytes())
	if err != nil {
		return nil, err
	}
	w, err := fromFiles([]*safetensors.File{f})
	if err != nil {
		return nil, err
	}
	pre := m.Preprocessor
	pre.Height, pre.Width = imageSize, imageSize
	out, err := newModel(cfg, pre, w, opts)
	if err != nil {
		return nil, err
	}
	out.Tokenizer, out.TokenizerErr, out.vocabulary = m.Tokenizer, m.TokenizerErr, m.vocabulary
	out.Dir = fmt.Sprintf("%s (squashed to %d×%d)", m.Dir, imageSize, imageSize)
	return out, nil
}

// naflexToConv reorders a patch embedding from the NaFlex Linear layout
// (out, (py, px, channel)) to the Conv2d layout (out, channel, py, px).
func naflexToConv(w []float32, out, channels, p int) []float32 {
	conv := make([]float32, len(w))
	dim := channels * p * p
	for o := range out {
		for ch := range channels {
			for py := range p {
				for px := range p {
					conv[((o*channels+ch)*p+py)*p+px] = w[o*dim+(py*p+px)*channels+ch]
				}
			}
		}
	}
	return conv
}
