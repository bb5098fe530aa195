package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"

	"github.com/siglip2-tui/siglip2-tui/internal/inputfile"
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
	DoResize      *bool         `json:"do_resize"`
	DoRescale     *bool         `json:"do_rescale"`
	DoNormalize   *bool         `json:"do_normalize"`
	DoConvertRGB  *bool         `json:"do_convert_rgb"`
	Resample      *int          `json:"resample"`
	RescaleFactor *float64      `json:"rescale_factor"`
	ImageMean     floatOrFloats `json:"image_mean"`
	ImageStd      floatOrFloats `json:"image_std"`
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

// LoadPreprocessorConfig reads dir/preprocessor_config.json. A folder
// without it is refused, as transformers' AutoImageProcessor refuses it:
// guessed settings would give other numbers than the checkpoint's own.
func LoadPreprocessorConfig(dir string, cfg Config) (PreprocessorConfig, error) {
	path := filepath.Join(dir, "preprocessor_config.json")
	data, err := inputfile.ReadFile(path, inputfile.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return PreprocessorConfig{}, fmt.Errorf("%s is missing: it holds the image settings (size, resampling, normalisation) this checkpoint was trained with, and transformers refuses a folder without it too; copy it from the model's hub repository (or use the hub id instead of a folder)", path)
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
	var err error
	if p.Mean, err = raw.ImageMean.three("image_mean", p.Mean); err != nil {
		return p, err
	}
	if p.Std, err = raw.ImageStd.three("image_std", p.Std); err != nil {
		return p, err
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
	if err := p.validate(cfg); err != nil {
		return p, err
	}
	return p, nil
}

// Ranges preprocessor_config.json's numbers must lie in. They allow every
// released SigLIP 2 processor (and normalising in pixel units, with
// do_rescale false and a mean near 127.5) while keeping every pixel value
// finite and far from float32's limits.
const (
	maxRescale = 1.0
	maxMeanAbs = 1e3
	minStd     = 1e-3
	maxStd     = 1e3
)

// validate checks every field against its valid range and against the
// model's config; each message names the field and the range.
func (p PreprocessorConfig) validate(cfg Config) error {
	// Like transformers, ignore rescale_factor without do_rescale and the
	// mean and std without do_normalize.
	if p.DoRescale && !(p.RescaleFactor > 0 && p.RescaleFactor <= maxRescale) { // NaN fails too
		return fmt.Errorf("rescale_factor = %g is outside (0, %g] (1/255 = 0.00392 maps 8-bit pixels to [0, 1])", p.RescaleFactor, maxRescale)
	}
	for c := range 3 {
		if !p.DoNormalize {
			break
		}
		if m := float64(p.Mean[c]); !(math.Abs(m) <= maxMeanAbs) {
			return fmt.Errorf("image_mean[%d] = %s is outside [%g, %g]", c, fmtFloat32(p.Mean[c]), -maxMeanAbs, maxMeanAbs)
		}
		if s := float64(p.Std[c]); !(s >= minStd && s <= maxStd) {
			return fmt.Errorf("image_std[%d] = %s is outside [%g, %g] (a standard deviation must be positive)", c, fmtFloat32(p.Std[c]), minStd, maxStd)
		}
	}
	if p.Resample != 2 && p.Resample != 3 {
		return fmt.Errorf("resample = %d is not supported (2 = bilinear and 3 = bicubic are)", p.Resample)
	}
	if !p.DoResize {
		return fmt.Errorf("do_resize = false is not supported: images must be resized to the model's input size")
	}
	if err := checkRange("patch_size", p.PatchSize, 1, maxPatchSize); err != nil {
		return err
	}
	switch cfg.Variant {
	case FixedRes:
		if err := checkRange("size.height", p.Height, 1, maxImageSize); err != nil {
			return err
		}
		if err := checkRange("size.width", p.Width, 1, maxImageSize); err != nil {
			return err
		}
		if p.Height != cfg.Vision.ImageSize || p.Width != cfg.Vision.ImageSize {
			return fmt.Errorf("size %dx%d does not match the model's image_size %d (config.json and preprocessor_config.json disagree)", p.Height, p.Width, cfg.Vision.ImageSize)
		}
	case NaFlex:
		if p.PatchSize != cfg.Vision.PatchSize {
			return fmt.Errorf("patch_size %d does not match the model's patch_size %d (config.json and preprocessor_config.json disagree)", p.PatchSize, cfg.Vision.PatchSize)
		}
		if err := checkRange("max_num_patches", p.MaxNumPatches, 1, maxNumPatches); err != nil {
			return err
		}
	}
	return nil
}

// fmtFloat32 writes the shortest decimal that reads back as v.
func fmtFloat32(v float32) string {
	if math.IsInf(float64(v), 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(float64(v), 'g', -1, 32)
}

// floatOrFloats is image_mean or image_std: one number for every channel,
// or a list of 1 or 3 (transformers accepts both spellings).
type floatOrFloats []float64

// UnmarshalJSON accepts a number or a list of numbers.
func (f *floatOrFloats) UnmarshalJSON(b []byte) error {
	if string(b) == "null" { // transformers then takes its default
		*f = nil
		return nil
	}
	var one float64
	if err := json.Unmarshal(b, &one); err == nil {
		*f = floatOrFloats{one}
		return nil
	}
	var list []float64
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("want a number or a list of 1 or 3 numbers: %w", err)
	}
	*f = append(floatOrFloats{}, list...) // [] is present but empty, not absent
	return nil
}

// three spreads the value over the three channels; absent keeps def.
func (f floatOrFloats) three(name string, def [3]float32) ([3]float32, error) {
	switch {
	case f == nil:
		return def, nil
	case len(f) == 1:
		return [3]float32{float32(f[0]), float32(f[0]), float32(f[0])}, nil
	case len(f) == 3:
		return [3]float32{float32(f[0]), float32(f[1]), float32(f[2])}, nil
	}
	return def, fmt.Errorf("%s has %d values, want 1 or 3 (one per RGB channel)", name, len(f))
}
