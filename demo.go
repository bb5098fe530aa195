package main

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
)

// The --demo model: a tiny NaFlex SigLIP 2 with random weights, built in
// memory in a fraction of a second, so anyone can try the interface
// offline. Its outputs mean nothing and the screen says so.
//
// Vision: hidden 64, 4 blocks of 4 heads, 16-pixel patches, a 8×8 position
// grid, up to 256 patches per image. Text: hidden 64, 2 blocks, a
// character-level tokenizer (below) and SigLIP 2's 64-token framing.
const demoConfigJSON = `{"model_type":"siglip2",
 "vision_config":{"hidden_size":64,"intermediate_size":128,"num_hidden_layers":4,"num_attention_heads":4,"num_patches":64,"patch_size":16},
 "text_config":{"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":%d,"max_position_embeddings":64}}`

// demoModelName is how the demo model is named on screen and in exports.
const demoModelName = "demo (random weights — for trying the interface)"

// demoSeed fixes the random weights, so every demo run looks the same.
const demoSeed = 2025

// demoLabels are the labels the demo starts with when --labels is not
// given: things the demo image shows.
var demoLabels = []string{"a house", "the sun", "a tree", "the sky"}

// demoModel builds the random-weight demo model with its tokenizer, on
// backend (nil: the engine's default).
func demoModel(backend compute.Backend) (*engine.Model, error) {
	tokJSON, vocab := demoTokenizerJSON()
	tok, err := tokenizer.Parse(tokJSON)
	if err != nil {
		return nil, fmt.Errorf("demo tokenizer: %w", err)
	}
	cfg, err := engine.ParseConfig(fmt.Appendf(nil, demoConfigJSON, vocab))
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	m, err := engine.NewRandom(cfg, engine.DefaultPreprocessor(cfg), demoSeed, engine.Options{Backend: backend})
	if err != nil {
		return nil, fmt.Errorf("demo model: %w", err)
	}
	m.Tokenizer = tok
	m.Dir = demoModelName
	return m, nil
}

// demoTokenizerJSON writes a character-level tokenizer.json: the special
// tokens Gemma's tokenizer has at ids 0–3, one token per printable ASCII
// character (space as '▁') and byte fallback for everything else. It
// returns the JSON and the vocabulary size.
func demoTokenizerJSON() ([]byte, int) {
	vocab := map[string]int{"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3}
	next := 4
	add := func(piece string) {
		if _, ok := vocab[piece]; !ok {
			vocab[piece] = next
			next++
		}
	}
	add("▁")
	for c := '!'; c <= '~'; c++ {
		add(string(c))
	}
	for b := range 256 {
		add(fmt.Sprintf("<0x%02X>", b))
	}
	special := func(id int, s string) map[string]any {
		return map[string]any{"id": id, "content": s, "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false}
	}
	doc := map[string]any{
		"version":        "1.0",
		"added_tokens":   []any{special(0, "<pad>"), special(1, "<eos>"), special(2, "<bos>"), special(3, "<unk>")},
		"normalizer":     map[string]any{"type": "Replace", "pattern": map[string]any{"String": " "}, "content": "▁"},
		"pre_tokenizer":  nil,
		"post_processor": nil,
		"decoder":        nil,
		"model": map[string]any{
			"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
			"ignore_merges": false, "dropout": nil, "continuing_subword_prefix": nil, "end_of_word_suffix": nil,
			"vocab": vocab, "merges": []string{},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b, next
}

// demoImage paints the demo scene, 384×256: sky, sun, hills, a house with
// a red roof and a tree, so the maps have parts to tell apart.
func demoImage() *preprocess.Image {
	const w, h = 384, 256
	img, err := preprocess.NewImage(w, h)
	if err != nil {
		panic(err) // a fixed, valid size
	}
	set := func(x, y int, r, g, b float64) {
		i := 3 * (y*w + x)
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = clamp8(r), clamp8(g), clamp8(b)
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			// Sky: blue, lighter towards the horizon.
			t := fy / 160
			r, g, b := 70+100*t, 130+80*t, 230-10*t
			// Sun.
			if d := math.Hypot(fx-300, fy-55); d < 28 {
				r, g, b = 255, 225, 90
			} else if d < 40 {
				k := (40 - d) / 12
				r, g, b = r+(255-r)*k*0.6, g+(230-g)*k*0.6, b+(120-b)*k*0.6
			}
			// Hills.
			hill := 170 + 18*math.Sin(fx/45) + 10*math.Sin(fx/17+1)
			if fy > hill {
				shade := (fy - hill) / 120
				r, g, b = 60-30*shade, 150-50*shade, 60-20*shade
			}
			// House: wall, door, window, roof.
			if fx >= 70 && fx < 170 && fy >= 140 && fy < 215 {
				r, g, b = 235, 220, 190
				if fx >= 108 && fx < 132 && fy >= 170 {
					r, g, b = 110, 70, 40
				}
				if fx >= 140 && fx < 160 && fy >= 155 && fy < 175 {
					r, g, b = 150, 200, 240
				}
			}
			if fy >= 95 && fy < 140 && math.Abs(fx-120) < (fy-95)*1.25 {
				r, g, b = 190, 45, 40
			}
			// Tree: trunk and crown.
			if fx >= 236 && fx < 248 && fy >= 160 && fy < 215 {
				r, g, b = 100, 65, 35
			}
			if d := math.Hypot(fx-242, fy-140); d < 34 {
				k := 0.8 + 0.2*math.Sin(fx/3)*math.Cos(fy/4)
				r, g, b = 40*k, 120*k, 45*k
			}
			set(x, y, r, g, b)
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(math.Round(math.Min(math.Max(v, 0), 255)))
}
