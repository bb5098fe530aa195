package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
)

// Variant tells the two SigLIP 2 checkpoint families apart.
type Variant int

const (
	// FixedRes checkpoints (model_type "siglip") squash every image to one
	// square size and embed patches with a Conv2d and a fixed position table.
	FixedRes Variant = iota
	// NaFlex checkpoints (model_type "siglip2") keep the aspect ratio, embed
	// flattened patches with a Linear and resize the position grid per image.
	NaFlex
)

// String names the variant as the status line shows it.
func (v Variant) String() string {
	if v == NaFlex {
		return "NaFlex"
	}
	return "fixed-res"
}

// EncoderConfig holds what a transformer tower's blocks need.
type EncoderConfig struct {
	Hidden       int
	Intermediate int
	Layers       int
	Heads        int
	Activation   compute.Activation
	LayerNormEps float32
}

// HeadDim is the width of one attention head.
func (c EncoderConfig) HeadDim() int { return c.Hidden / c.Heads }

// VisionConfig is the vision tower's part of config.json.
type VisionConfig struct {
	EncoderConfig
	Channels  int
	PatchSize int
	// ImageSize is the square input size of fixed-resolution checkpoints.
	ImageSize int
	// NumPatches is the size of the NaFlex position table (a square grid).
	NumPatches int
	// UseHead tells whether the attention-pooling head exists.
	UseHead bool
}

// PatchDim is the number of values in one flattened patch.
func (c VisionConfig) PatchDim() int { return c.Channels * c.PatchSize * c.PatchSize }

// PositionGrid is the side of the learned position grid.
func (c VisionConfig) PositionGrid(v Variant) int {
	if v == NaFlex {
		return int(math.Round(math.Sqrt(float64(c.NumPatches))))
	}
	return c.ImageSize / c.PatchSize
}

// TextConfig is the text tower's part of config.json.
type TextConfig struct {
	EncoderConfig
	VocabSize      int
	MaxPositions   int
	ProjectionSize int
}

// Config is a checkpoint's config.json with Hugging Face's defaults filled in.
type Config struct {
	ModelType string
	Variant   Variant
	Vision    VisionConfig
	Text      TextConfig
}

// rawEncoder mirrors the fields of a tower config; pointers tell absent
// fields (which take Hugging Face's defaults) from zero values.
type rawEncoder struct {
	HiddenSize        *int     `json:"hidden_size"`
	IntermediateSize  *int     `json:"intermediate_size"`
	NumHiddenLayers   *int     `json:"num_hidden_layers"`
	NumAttentionHeads *int     `json:"num_attention_heads"`
	HiddenAct         *string  `json:"hidden_act"`
	LayerNormEps      *float64 `json:"layer_norm_eps"`
	// vision
	NumChannels   *int  `json:"num_channels"`
	PatchSize     *int  `json:"patch_size"`
	ImageSize     *int  `json:"image_size"`
	NumPatches    *int  `json:"num_patches"`
	VisionUseHead *bool `json:"vision_use_head"`
	// text
	VocabSize             *int `json:"vocab_size"`
	MaxPositionEmbeddings *int `json:"max_position_embeddings"`
	ProjectionSize        *int `json:"projection_size"`
}

type rawConfig struct {
	ModelType    string      `json:"model_type"`
	VisionConfig *rawEncoder `json:"vision_config"`
	TextConfig   *rawEncoder `json:"text_config"`
	// Some checkpoints repeat vision_use_head at the top level.
	VisionUseHead *bool `json:"vision_use_head"`
}

// Limits that keep a hostile or mistaken config from allocating absurd
// amounts of memory before any weight is read.
const (
	maxHidden       = 16384
	maxIntermediate = 65536
	maxLayers       = 256
	maxHeads        = 256
	maxPatchSize    = 128
	maxImageSize    = 8192
	maxNumPatches   = 65536
	maxVocab        = 4 << 20
	maxPositions    = 16384
)

// LoadConfig reads dir/config.json.
func LoadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := inputfile.ReadFile(path, inputfile.ConfigLimit)
	if err != nil {
		return Config{}, fmt.Errorf("read model config: %w (a model folder needs config.json, model.safetensors and preprocessor_config.json as Hugging Face saves them)", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig parses a config.json, fills Hugging Face's defaults for absent
// fields and validates the sizes.
func ParseConfig(data []byte) (Config, error) {
	var raw rawConfig
	if err := json.Unmarshal(data, &raw); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	cfg := Config{ModelType: raw.ModelType}
	switch raw.ModelType {
	case "siglip":
		cfg.Variant = FixedRes
	case "siglip2":
		cfg.Variant = NaFlex
	default:
		return Config{}, fmt.Errorf("model_type %q is not a SigLIP 2 checkpoint (want \"siglip\" for fixed-resolution or \"siglip2\" for NaFlex)", raw.ModelType)
	}
	if raw.VisionConfig == nil {
		raw.VisionConfig = &rawEncoder{}
	}
	if raw.TextConfig == nil {
		raw.TextConfig = &rawEncoder{}
	}
	if raw.VisionConfig.VisionUseHead == nil {
		raw.VisionConfig.VisionUseHead = raw.VisionUseHead
	}
	var err error
	if cfg.Vision.EncoderConfig, err = encoderWithDefaults(raw.VisionConfig); err != nil {
		return Config{}, fmt.Errorf("vision_config: %w", err)
	}
	if cfg.Text.EncoderConfig, err = encoderWithDefaults(raw.TextConfig); err != nil {
		return Config{}, fmt.Errorf("text_config: %w", err)
	}
	v, t := raw.VisionConfig, raw.TextConfig
	cfg.Vision.Channels = intOr(v.NumChannels, 3)
	cfg.Vision.PatchSize = intOr(v.PatchSize, 16)
	cfg.Vision.ImageSize = intOr(v.ImageSize, 224)
	cfg.Vision.NumPatches = intOr(v.NumPatches, 256)
	cfg.Vision.UseHead = v.VisionUseHead == nil || *v.VisionUseHead
	cfg.Text.VocabSize = intOr(t.VocabSize, 32000)
	cfg.Text.MaxPositions = intOr(t.MaxPositionEmbeddings, 64)
	cfg.Text.ProjectionSize = intOr(t.ProjectionSize, cfg.Text.Hidden)
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func encoderWithDefaults(r *rawEncoder) (EncoderConfig, error) {
	c := EncoderConfig{
		Hidden:       intOr(r.HiddenSize, 768),
		Intermediate: intOr(r.IntermediateSize, 3072),
		Layers:       intOr(r.NumHiddenLayers, 12),
		Heads:        intOr(r.NumAttentionHeads, 12),
		LayerNormEps: 1e-6,
		Activation:   compute.GELUTanh,
	}
	if r.LayerNormEps != nil {
		if !(*r.LayerNormEps > 0 && *r.LayerNormEps < 1) {
			return c, fmt.Errorf("layer_norm_eps %g is outside (0, 1)", *r.LayerNormEps)
		}
		c.LayerNormEps = float32(*r.LayerNormEps)
	}
	if r.HiddenAct != nil {
		switch *r.HiddenAct {
		case "gelu_pytorch_tanh", "gelu_new", "gelu_fast":
			c.Activation = compute.GELUTanh
		case "gelu":
			c.Activation = compute.GELUErf
		default:
			return c, fmt.Errorf("hidden_act %q is not supported (SigLIP 2 uses gelu_pytorch_tanh)", *r.HiddenAct)
		}
	}
	return c, nil
}

// checkRange reports a size outside [lo, hi].
func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s = %d is outside the supported range [%d, %d]", name, v, lo, hi)
	}
	return nil
}

func (e EncoderConfig) validate() error {
	for _, c := range []struct {
		name      string
		v, lo, hi int
	}{
		{"hidden_size", e.Hidden, 1, maxHidden},
		{"intermediate_size", e.Intermediate, 1, maxIntermediate},
		{"num_hidden_layers", e.Layers, 1, maxLayers},
		{"num_attention_heads", e.Heads, 1, maxHeads},
	} {
		if err := checkRange(c.name, c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	if e.Hidden%e.Heads != 0 {
		return fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d", e.Hidden, e.Heads)
	}
	return nil
}

func (c Config) validate() error {
	if err := c.Vision.EncoderConfig.validate(); err != nil {
		return fmt.Errorf("vision_config: %w", err)
	}
	if err := c.Text.EncoderConfig.validate(); err != nil {
		return fmt.Errorf("text_config: %w", err)
	}
	v := c.Vision
	if v.Channels != 3 {
		return fmt.Errorf("vision_config: num_channels = %d; only RGB (3) models are supported", v.Channels)
	}
	if err := checkRange("vision_config: patch_size", v.PatchSize, 1, maxPatchSize); err != nil {
		return err
	}
	if !v.UseHead {
		return fmt.Errorf("vision_config: vision_use_head is false; label scores need the attention-pooling head, which this checkpoint lacks")
	}
	switch c.Variant {
	case FixedRes:
		if err := checkRange("vision_config: image_size", v.ImageSize, v.PatchSize, maxImageSize); err != nil {
			return err
		}
	case NaFlex:
		if err := checkRange("vision_config: num_patches", v.NumPatches, 1, maxNumPatches); err != nil {
			return err
		}
		if g := v.PositionGrid(NaFlex); g*g != v.NumPatches {
			return fmt.Errorf("vision_config: num_patches = %d is not a square number; the position grid must be square", v.NumPatches)
		}
	}
	t := c.Text
	if err := checkRange("text_config: vocab_size", t.VocabSize, 1, maxVocab); err != nil {
		return err
	}
	if err := checkRange("text_config: max_position_embeddings", t.MaxPositions, 1, maxPositions); err != nil {
		return err
	}
	if err := checkRange("text_config: projection_size", t.ProjectionSize, 1, maxHidden); err != nil {
		return err
	}
	if t.ProjectionSize != v.Hidden {
		return fmt.Errorf("text_config: projection_size %d differs from the vision hidden_size %d; image and text embeddings could not be compared", t.ProjectionSize, v.Hidden)
	}
	return nil
}
