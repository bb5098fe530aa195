package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// PreprocessorConfig is preprocessor_config.json: how Hugging Face's image
// processor turns an image into pixel values for this checkpoint.
type PreprocessorConfig struct {
	DoResize     bool
	DoRescale    bool
	DoNormalize  bool
	DoConvertRGB bool
	// Resample is PIL's filter number: 2 = bilinear, 3 = bicubic.
	Resample      int
	RescaleFactor float64
	Mean, Std     [3]float32
	// Height and Width are the fixed-resolution target size.
	Height, Width int
	// MaxNumPatches and PatchSize drive the NaFlex size search.
	MaxNumPatches int
	PatchSize     int
}

type rawPreprocessor struct {
	DoResize      *bool     `json:"do_resize"`
	DoRescale     *bool     `json:"do_rescale"`
	DoNormalize   *bool     `json:"do_normalize"`
	DoConvertRGB  *bool     `json:"do_convert_rgb"`
	Resample      *int      `json:"resample"`
	RescaleFactor *float64  `json:"rescale_factor"`
	ImageMean     []float64 `json:"image_mean"`
	ImageStd      []float64 `json:"image_std"`
	Size          *struct {
		Height *int `json:"height"`
		Width  *int `json:"width"`
	} `json:"size"`
	MaxNumPatches *int `json:"max_num_patches"`
	PatchSize     *int `json:"patch_size"`
}

// DefaultPreprocessor is what Hugging Face's SiglipImageProcessor (fixed
// resolution) or Siglip2ImageProcessor (NaFlex) use when a field is absent.
func DefaultPreprocessor(cfg Config) PreprocessorConfig {
	p := PreprocessorConfig{
		DoResize: true, DoRescale: true, DoNormalize: true, DoConvertRGB: true,
		RescaleFactor: 1.0 / 255,
		Mean:          [3]float32{0.5, 0.5, 0.5},
		Std:           [3]float32{0.5, 0.5, 0.5},
		PatchSize:     cfg.Vision.PatchSize,
	}
	if cfg.Variant == NaFlex {
		p.Resample = 2
		p.MaxNumPatches = 256
	} else {
		p.Resample = 3
		p.Height, p.Width = cfg.Vision.ImageSize, cfg.Vision.ImageSize
	}
	return p
}

// LoadPreprocessorConfig reads dir/preprocessor_config.json, or returns the
// defaults for cfg when the file does not exist.
func LoadPreprocessorConfig(dir string, cfg Config) (PreprocessorConfig, error) {
	path := filepath.Join(dir, "preprocessor_config.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultPreprocessor(cfg), nil
	}
	if err != nil {
		return PreprocessorConfig{}, fmt.Errorf("read preprocessor config: %w", err)
	}
	p, err := ParsePreprocessorConfig(data, cfg)
	if err != nil {
		return PreprocessorConfig{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePreprocessorConfig parses preprocessor_config.json for a model whose
// config is cfg, filling defaults and checking that it fits the model.
func ParsePreprocessorConfig(data []byte, cfg Config) (PreprocessorConfig, error) {
	var raw rawPreprocessor
	if err := json.Unmarshal(data, &raw); err != nil {
		return PreprocessorConfig{}, fmt.Errorf("parse: %w", err)
	}
	p := DefaultPreprocessor(cfg)
	setBool := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	setBool(&p.DoResize, raw.DoResize)
	setBool(&p.DoRescale, raw.DoRescale)
	setBool(&p.DoNormalize, raw.DoNormalize)
	// Hugging Face leaves do_convert_rgb unset by default and then fails on
	// RGBA input; converting is the only way to run such images at all.
	if raw.DoConvertRGB != nil && !*raw.DoConvertRGB {
		p.DoConvertRGB = false
	}
	if raw.Resample != nil {
		p.Resample = *raw.Resample
	}
	if raw.RescaleFactor != nil {
		p.RescaleFactor = *raw.RescaleFactor
	}
	for name, pair := range map[string]struct {
		src []float64
		dst *[3]float32
	}{"image_mean": {raw.ImageMean, &p.Mean}, "image_std": {raw.ImageStd, &p.Std}} {
		switch len(pair.src) {
		case 0:
		case 1:
			*pair.dst = [3]float32{float32(pair.src[0]), float32(pair.src[0]), float32(pair.src[0])}
		case 3:
			*pair.dst = [3]float32{float32(pair.src[0]), float32(pair.src[1]), float32(pair.src[2])}
		default:
			return p, fmt.Errorf("%s has %d values, want 1 or 3", name, len(pair.src))
		}
	}
	for _, s := range p.Std {
		if s == 0 {
			return p, fmt.Errorf("image_std contains 0")
		}
	}
	if raw.Size != nil {
		if raw.Size.Height != nil {
			p.Height = *raw.Size.Height
		}
		if raw.Size.Width != nil {
			p.Width = *raw.Size.Width
		}
	}
	if raw.MaxNumPatches != nil {
		p.MaxNumPatches = *raw.MaxNumPatches
	}
	if raw.PatchSize != nil {
		p.PatchSize = *raw.PatchSize
	}
	if p.Resample != 2 && p.Resample != 3 {
		return p, fmt.Errorf("resample = %d is not supported (2 = bilinear and 3 = bicubic are)", p.Resample)
	}
	if !p.DoResize {
		return p, fmt.Errorf("do_resize = false is not supported: images must be resized to the model's input size")
	}
	switch cfg.Variant {
	case FixedRes:
		if p.Height != cfg.Vision.ImageSize || p.Width != cfg.Vision.ImageSize {
			return p, fmt.Errorf("size %dx%d does not match the model's image_size %d (config.json and preprocessor_config.json disagree)", p.Height, p.Width, cfg.Vision.ImageSize)
		}
	case NaFlex:
		if p.PatchSize != cfg.Vision.PatchSize {
			return p, fmt.Errorf("patch_size %d does not match the model's patch_size %d (config.json and preprocessor_config.json disagree)", p.PatchSize, cfg.Vision.PatchSize)
		}
		if err := checkRange("max_num_patches", p.MaxNumPatches, 1, maxNumPatches); err != nil {
			return p, err
		}
	}
	return p, nil
}
