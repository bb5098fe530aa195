package engine

import (
	"encoding/json"
	"strconv"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// MarshalHF writes the config as Hugging Face's config.json for this
// variant (every field spelled out), so a model folder made here loads in
// transformers and here alike.
func (c Config) MarshalHF() ([]byte, error) {
	act := func(a compute.Activation) string { return a.String() }
	enc := func(e EncoderConfig) map[string]any {
		return map[string]any{
			"hidden_size": e.Hidden, "intermediate_size": e.Intermediate,
			"num_hidden_layers": e.Layers, "num_attention_heads": e.Heads,
			"hidden_act": act(e.Activation), "layer_norm_eps": json.Number(strconv.FormatFloat(float64(e.LayerNormEps), 'g', -1, 32)),
			"attention_dropout": 0.0,
		}
	}
	vision, text := enc(c.Vision.EncoderConfig), enc(c.Text.EncoderConfig)
	vision["num_channels"] = c.Vision.Channels
	vision["patch_size"] = c.Vision.PatchSize
	text["vocab_size"] = c.Text.VocabSize
	text["max_position_embeddings"] = c.Text.MaxPositions
	text["projection_size"] = c.Text.ProjectionSize
	arch := "SiglipModel"
	if c.Variant == NaFlex {
		arch = "Siglip2Model"
		vision["num_patches"] = c.Vision.NumPatches
		vision["model_type"], text["model_type"] = "siglip2_vision_model", "siglip2_text_model"
	} else {
		vision["image_size"] = c.Vision.ImageSize
		vision["model_type"], text["model_type"] = "siglip_vision_model", "siglip_text_model"
	}
	return json.MarshalIndent(map[string]any{
		"architectures": []string{arch}, "model_type": c.ModelType,
		"vision_config": vision, "text_config": text, "torch_dtype": "float32",
	}, "", "  ")
}

// MarshalHF writes preprocessor_config.json for a model of config cfg.
func (p PreprocessorConfig) MarshalHF(cfg Config) ([]byte, error) {
	m := map[string]any{
		"do_resize": p.DoResize, "do_rescale": p.DoRescale, "do_normalize": p.DoNormalize,
		"do_convert_rgb": p.DoConvertRGB, "resample": p.Resample, "rescale_factor": p.RescaleFactor,
		"image_mean": p.Mean, "image_std": p.Std,
	}
	if cfg.Variant == NaFlex {
		m["image_processor_type"] = "Siglip2ImageProcessor"
		m["max_num_patches"] = p.MaxNumPatches
		m["patch_size"] = p.PatchSize
	} else {
		m["image_processor_type"] = "SiglipImageProcessor"
		m["size"] = map[string]int{"height": p.Height, "width": p.Width}
	}
	return json.MarshalIndent(m, "", "  ")
}
