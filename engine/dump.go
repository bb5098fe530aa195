package engine

import (
	"fmt"

	"github.com/siglip2-tui/siglip2-tui/engine/safetensors"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// DumpTensors collects every tensor of a forward pass under the names, dtypes
// and shapes of the reference goldens (testdata/reference/README.md), so the
// result can be held against Hugging Face transformers in Python:
// inputs.*, vision.* and, when texts were encoded, text.*, image_embeds,
// text_embeds, logits_per_image, logits_per_text and probs_per_image. vis and
// txt must have been computed with internals capture.
func (m *Model) DumpTensors(images []*PreparedImage, vis *VisionOutput, ids [][]int, txt *TextOutput) ([]safetensors.Tensor, error) {
	if vis == nil || vis.Internals == nil {
		return nil, fmt.Errorf("dump needs a vision forward with internals capture")
	}
	if txt != nil && txt.Internals == nil {
		return nil, fmt.Errorf("dump needs a text forward with internals capture")
	}
	var out []safetensors.Tensor
	add := func(name string, data any, shape ...int) {
		out = append(out, safetensors.Tensor{Name: name, Shape: shape, Data: data})
	}
	n, tokens, d := vis.Batch, vis.Tokens, vis.Hidden
	vc := m.Config.Vision

	// Inputs.
	if m.Config.Variant == FixedRes {
		h, w := images[0].Resized.Height, images[0].Resized.Width
		var chw []float32
		for _, im := range images {
			c, err := preprocess.ToCHW(im.PixelValues, w, h)
			if err != nil {
				return nil, err
			}
			chw = append(chw, c...)
		}
		add("inputs.pixel_values", chw, n, 3, h, w)
	} else {
		var patches []float32
		mask := make([]int32, 0, n*tokens)
		spatial := make([]int64, 0, 2*n)
		for _, im := range images {
			patches = append(patches, im.Input.Patches...)
			for r := 0; r < tokens; r++ {
				mask = append(mask, boolInt32(r < im.Input.Valid()))
			}
			spatial = append(spatial, int64(im.Input.GridH), int64(im.Input.GridW))
		}
		add("inputs.pixel_values", patches, n, tokens, vc.PatchDim())
		add("inputs.pixel_attention_mask", mask, n, tokens)
		add("inputs.spatial_shapes", spatial, n, 2)
	}
	for i, im := range images {
		add(fmt.Sprintf("inputs.resized_u8.%d", i), im.Resized.Pix, im.Resized.Height, im.Resized.Width, 3)
	}

	// Vision tower.
	in := vis.Internals
	for l := 0; l <= in.Layers(); l++ {
		var all []float32
		for b := 0; b < n; b++ {
			h, err := in.HiddenState(l, b)
			if err != nil {
				return nil, err
			}
			all = append(all, h...)
		}
		add(fmt.Sprintf("vision.hidden_states.%d", l), all, n, tokens, d)
	}
	for l := 0; l < in.Layers(); l++ {
		var all []float32
		for b := 0; b < n; b++ {
			a, err := in.Attention(l, b)
			if err != nil {
				return nil, err
			}
			all = append(all, a...)
		}
		add(fmt.Sprintf("vision.attentions.%d", l), all, n, in.Heads, tokens, tokens)
	}
	add("vision.last_hidden_state", vis.LastHidden, n, tokens, d)
	add("vision.pooler_output", vis.Pooled, n, d)
	if m.Config.Variant == NaFlex {
		for i, im := range images {
			pos, err := m.Vision.ResizedPositions(im.Input.GridH, im.Input.GridW)
			if err != nil {
				return nil, err
			}
			add(fmt.Sprintf("vision.pos_embed_resized.%d", i), pos, im.Input.GridH, im.Input.GridW, d)
		}
	}
	add("image_embeds", vis.Embeds, n, d)
	if txt == nil {
		return out, nil
	}

	// Text tower and the pair.
	t, length := txt.Batch, txt.Length
	idVals := make([]int64, 0, t*length)
	for _, row := range ids {
		for _, id := range row {
			idVals = append(idVals, int64(id))
		}
	}
	add("inputs.input_ids", idVals, t, length)
	tin := txt.Internals
	for l := 0; l <= tin.Layers(); l++ {
		var all []float32
		for b := 0; b < t; b++ {
			h, err := tin.HiddenState(l, b)
			if err != nil {
				return nil, err
			}
			all = append(all, h...)
		}
		add(fmt.Sprintf("text.hidden_states.%d", l), all, t, length, txt.Hidden)
	}
	for l := 0; l < tin.Layers(); l++ {
		var all []float32
		for b := 0; b < t; b++ {
			a, err := tin.Attention(l, b)
			if err != nil {
				return nil, err
			}
			all = append(all, a...)
		}
		add(fmt.Sprintf("text.attentions.%d", l), all, t, tin.Heads, length, length)
	}
	add("text.last_hidden_state", txt.LastHidden, t, length, txt.Hidden)
	add("text.pooler_output", txt.Pooled, t, m.Config.Text.ProjectionSize)
	add("text_embeds", txt.Embeds, t, m.Config.Text.ProjectionSize)
	logits, err := m.Logits(vis.Embeds, txt.Embeds)
	if err != nil {
		return nil, err
	}
	add("logits_per_image", logits, n, t)
	add("logits_per_text", transpose(logits, n, t), t, n)
	add("probs_per_image", Probabilities(logits), n, t)
	return out, nil
}

func boolInt32(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func transpose(a []float32, rows, cols int) []float32 {
	out := make([]float32, len(a))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = a[r*cols+c]
		}
	}
	return out
}
