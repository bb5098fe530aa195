package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

func TestParseConfigDefaults(t *testing.T) {
	// Hugging Face saves only non-default fields; an almost empty config must
	// come out as the base-size defaults of SiglipConfig / Siglip2Config.
	cases := []struct {
		json    string
		variant Variant
		check   func(c Config) string
	}{
		{`{"model_type":"siglip"}`, FixedRes, func(c Config) string {
			if c.Vision.Hidden != 768 || c.Vision.Layers != 12 || c.Vision.Heads != 12 || c.Vision.Intermediate != 3072 ||
				c.Vision.ImageSize != 224 || c.Vision.PatchSize != 16 || c.Vision.LayerNormEps != 1e-6 ||
				c.Vision.Activation != compute.GELUTanh || !c.Vision.UseHead {
				return "vision defaults"
			}
			if c.Text.VocabSize != 32000 || c.Text.MaxPositions != 64 || c.Text.ProjectionSize != 768 || c.Text.Hidden != 768 {
				return "text defaults"
			}
			return ""
		}},
		{`{"model_type":"siglip2","vision_config":{"hidden_size":1152,"num_attention_heads":16,"intermediate_size":4304,"num_hidden_layers":27},"text_config":{"hidden_size":1152,"num_attention_heads":16,"intermediate_size":4304,"num_hidden_layers":27,"vocab_size":256000}}`, NaFlex, func(c Config) string {
			if c.Vision.NumPatches != 256 || c.Vision.PositionGrid(NaFlex) != 16 || c.Vision.HeadDim() != 72 {
				return "naflex defaults"
			}
			if c.Text.ProjectionSize != 1152 {
				return "projection defaults to text hidden size"
			}
			return ""
		}},
		{`{"model_type":"siglip","vision_config":{"hidden_act":"gelu","layer_norm_eps":1e-5}}`, FixedRes, func(c Config) string {
			if c.Vision.Activation != compute.GELUErf || c.Vision.LayerNormEps != 1e-5 || c.Text.Activation != compute.GELUTanh {
				return "activation / eps"
			}
			return ""
		}},
	}
	for _, c := range cases {
		cfg, err := ParseConfig([]byte(c.json))
		if err != nil {
			t.Errorf("%s: %v", c.json, err)
			continue
		}
		if cfg.Variant != c.variant {
			t.Errorf("%s: variant %v", c.json, cfg.Variant)
		}
		if msg := c.check(cfg); msg != "" {
			t.Errorf("%s: wrong %s: %+v", c.json, msg, cfg)
		}
	}
}

func TestParseConfigRejects(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"model_type":"siglip","vision_config":{"hidden_act":"relu"}}`, `hidden_act "relu"`},
		{`{"model_type":"siglip","vision_config":{"num_channels":1}}`, "num_channels"},
		{`{"model_type":"siglip","vision_config":{"num_hidden_layers":0}}`, "num_hidden_layers = 0"},
		{`{"model_type":"siglip","vision_config":{"patch_size":0}}`, "patch_size"},
		{`{"model_type":"siglip","vision_config":{"image_size":8}}`, "image_size = 8"},
		{`{"model_type":"siglip2","vision_config":{"num_patches":200}}`, "not a square"},
		{`{"model_type":"siglip","text_config":{"vocab_size":-3}}`, "vocab_size"},
		{`{"model_type":"siglip","text_config":{"projection_size":512}}`, "projection_size 512"},
		{`{"model_type":"siglip","vision_config":{"vision_use_head":false}}`, "vision_use_head"},
		{`{"model_type":"siglip","vision_config":{"layer_norm_eps":0}}`, "layer_norm_eps"},
		{`{"model_type":"siglip","vision_config":{"hidden_size":"big"}}`, "parse config"},
		{`[]`, "parse config"},
	}
	for _, c := range cases {
		_, err := ParseConfig([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.json, err, c.want)
		}
	}
}

func TestPreprocessorConfig(t *testing.T) {
	fixed, _ := ParseConfig([]byte(`{"model_type":"siglip","vision_config":{"image_size":384}}`))
	naf, _ := ParseConfig([]byte(`{"model_type":"siglip2"}`))
	p := DefaultPreprocessor(fixed)
	if p.Resample != 3 || p.Height != 384 || p.Width != 384 || p.RescaleFactor != 1.0/255 {
		t.Errorf("fixed defaults: %+v", p)
	}
	p = DefaultPreprocessor(naf)
	if p.Resample != 2 || p.MaxNumPatches != 256 || p.PatchSize != 16 {
		t.Errorf("naflex defaults: %+v", p)
	}
	p, err := ParsePreprocessorConfig([]byte(`{"image_mean":[0.1,0.2,0.3],"image_std":[0.5],"max_num_patches":1024,"resample":3}`), naf)
	if err != nil || p.Mean != [3]float32{0.1, 0.2, 0.3} || p.Std != [3]float32{0.5, 0.5, 0.5} || p.MaxNumPatches != 1024 || p.Resample != 3 {
		t.Errorf("parsed: %+v, %v", p, err)
	}
	for _, bad := range []string{`{"image_std":[0,1,1]}`, `{"image_mean":[1,2]}`, `{"patch_size":14}`, `{"max_num_patches":0}`, `{"do_resize":false}`} {
		if _, err := ParsePreprocessorConfig([]byte(bad), naf); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// A folder without preprocessor_config.json is refused, as
	// transformers refuses it (TestMissingPreprocessorConfig).
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "preprocessor_config.json"), []byte("nope"), 0o644)
	if _, err := LoadPreprocessorConfig(dir, fixed); err == nil || !strings.Contains(err.Error(), "preprocessor_config.json") {
		t.Errorf("corrupt file: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"siglip2_fixed", "siglip2_naflex"} {
		b, err := os.ReadFile(filepath.Join(referenceDir, name, "config.json"))
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"model_type":"siglip2","vision_config":{"num_patches":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		v, tx := cfg.Vision, cfg.Text
		if v.Hidden < 1 || v.Hidden > maxHidden || v.Hidden%v.Heads != 0 || tx.Hidden%tx.Heads != 0 ||
			v.Layers > maxLayers || tx.VocabSize > maxVocab || v.PatchSize < 1 || tx.ProjectionSize != v.Hidden {
			t.Fatalf("accepted an invalid config: %+v", cfg)
		}
		if cfg.Variant == NaFlex && v.PositionGrid(NaFlex)*v.PositionGrid(NaFlex) != v.NumPatches {
			t.Fatalf("accepted a non-square position grid: %+v", cfg)
		}
		_, _ = ParsePreprocessorConfig(data, cfg)
	})
}

func TestArchitectureFLOPs(t *testing.T) {
	// The speed issue quotes 35.4 / 112.1 / 216.2 GFLOP for the base vision
	// tower at 224 / 384 / 512 px.
	for _, c := range []struct {
		res  int
		want float64
	}{{224, 35.4e9}, {384, 112.1e9}, {512, 216.2e9}} {
		cfg, err := ArchitectureConfig("base", 16, c.res, 1000)
		if err != nil {
			t.Fatal(err)
		}
		g := c.res / 16
		if got := cfg.VisionFLOPs(g * g); got < c.want*0.995 || got > c.want*1.005 {
			t.Errorf("%d px: %.1f GFLOP, want %.1f", c.res, got/1e9, c.want/1e9)
		}
	}
	for _, name := range ArchitectureNames() {
		if _, err := ArchitectureConfig(name, 16, 0, 256000); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ArchitectureConfig("huge", 16, 224, 10); err == nil {
		t.Error("unknown size accepted")
	}
}

// MarshalHF must round-trip through ParseConfig for both variants.
func TestConfigRoundTrip(t *testing.T) {
	for _, name := range []string{"siglip2_fixed", "siglip2_naflex"} {
		cfg, err := LoadConfig(filepath.Join(referenceDir, name))
		if err != nil {
			t.Fatal(err)
		}
		js, err := cfg.MarshalHF()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseConfig(js)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, js)
		}
		if back != cfg {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", name, back, cfg)
		}
		pre, _ := LoadPreprocessorConfig(filepath.Join(referenceDir, name), cfg)
		pj, err := pre.MarshalHF(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if p2, err := ParsePreprocessorConfig(pj, cfg); err != nil || p2 != pre {
			t.Errorf("%s preprocessor round trip: %+v, %v; want %+v", name, p2, err, pre)
		}
	}
}
