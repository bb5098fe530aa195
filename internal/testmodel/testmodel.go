// Package testmodel gives the tests of inspect, tui and the CLI one small
// model and one structured picture to work on, so they do not each build
// their own: a random-weight NaFlex SigLIP 2 (3 blocks, 4 heads, 8-pixel
// patches, a 4×4 position grid) with the tiny hand-made tokenizer of
// engine/tokenizer/testdata, on the naive reference backend.
//
// Only tests import it. It may import engine, compute/naive and preprocess.
package testmodel

import (
	"path/filepath"
	"runtime"
	"sync"

	"github.com/siglip2-tui/siglip2-tui/compute/naive"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// ConfigJSON is the tiny model's config: 3 blocks, 4 heads, 8-pixel
// patches, a position grid of 4×4 and a text tower that fits the tiny
// tokenizer's 27 ids.
const ConfigJSON = `{"model_type":"siglip2",
 "vision_config":{"hidden_size":32,"intermediate_size":48,"num_hidden_layers":3,"num_attention_heads":4,"num_patches":16,"patch_size":8},
 "text_config":{"hidden_size":32,"intermediate_size":40,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":27,"max_position_embeddings":8}}`

// Options pin the reference backend, so golden screens (which show the
// backend's name and values to the last character) do not change with the
// engine's default backend.
var Options = engine.Options{Backend: naive.New()}

var (
	once  sync.Once
	model *engine.Model
	err   error
)

// Tiny returns the shared tiny model (seed 7, a NaFlex budget of 50
// patches). It is read-only once built: tests must not change it.
func Tiny() (*engine.Model, error) {
	once.Do(func() {
		cfg, e := engine.ParseConfig([]byte(ConfigJSON))
		if e != nil {
			err = e
			return
		}
		pre := engine.DefaultPreprocessor(cfg)
		pre.MaxNumPatches = 50
		m, e := engine.NewRandom(cfg, pre, 7, Options)
		if e != nil {
			err = e
			return
		}
		tok, e := tokenizer.Load(TokenizerPath())
		if e != nil {
			err = e
			return
		}
		m.Tokenizer = tok
		model = m
	})
	return model, err
}

// TokenizerPath is the tiny tokenizer's tokenizer.json.
func TokenizerPath() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testmodel: cannot locate its own source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "engine", "tokenizer", "testdata", "tiny", "tokenizer.json")
}

// Image is a w×h picture with structure (a bright disc on a gradient, a
// dark bar), so maps are not uniform.
func Image(w, h int) *preprocess.Image {
	img, _ := preprocess.NewImage(w, h)
	for y := range h {
		for x := range w {
			i := 3 * (y*w + x)
			r, g, b := uint8(40+150*x/w), uint8(60+120*y/h), uint8(120)
			dx, dy := float64(x)-0.3*float64(w), float64(y)-0.4*float64(h)
			if dx*dx+dy*dy < float64(h*h)/16 {
				r, g, b = 250, 220, 60
			}
			if x > 2*w/3 && y > h/2 {
				r, g, b = 20, 20, 30
			}
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = r, g, b
		}
	}
	return img
}
