// Package samples holds what this project made itself to try the explorer
// with no download: two toy SigLIP 2 checkpoints trained on procedural
// scenes, and a handful of such scenes.
//
// Random weights make the interface work but teach nothing; real
// checkpoints are 0.4–4 GB downloads. The toy models (0.9 M parameters,
// 3.5 MB each) were trained by tools/toymodel on 72×72 scenes (and 48×96,
// 96×48 ones) of one to three coloured shapes (5 shapes × 7 colours × 2
// sizes on a 3×3 grid) on textured backgrounds, with captions such as "a big
// red circle at the top left". They show the real phenomena at a glance: patch features that group
// by object, attention that stays on the objects, labels that score and
// light up the right shape. They know nothing else.
//
// Both are ordinary Hugging Face model folders (config.json,
// model.safetensors, preprocessor_config.json, tokenizer.json,
// tokenizer_config.json) plus vocabulary.json, the words of the training
// captions, so the screens can say which words of a label the toy model
// cannot know; WriteModel puts one on disk for the engine.
//
// The package imports nothing else from this module.
package samples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed models/toy-fixed models/toy-naflex images
var files embed.FS

// About says in one line what the toy models are, for the --demo banner.
const About = "toy SigLIP 2 models (0.9 M parameters) trained on procedural scenes of coloured shapes; " +
	"they know 5 shapes, 7 colours, 2 sizes and 9 positions, nothing else"

// FixedModel returns the fixed-resolution toy model (Hugging Face
// model_type "siglip": every image squashed to 72×72, a 9×9 grid of 8×8
// pixel patches).
func FixedModel() fs.FS { return sub("models/toy-fixed") }

// NaFlexModel returns the NaFlex toy model (model_type "siglip2": the
// aspect ratio kept, up to 81 patches of 8×8 pixels by default). It has the
// same weights as FixedModel: on a 72×72 image the two compute the same
// thing, so any difference the explorer shows comes from NaFlex's handling
// of the image's shape.
func NaFlexModel() fs.FS { return sub("models/toy-naflex") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil { // the directory is embedded at build time; this cannot fail
		panic(fmt.Sprintf("samples: %s: %v", dir, err))
	}
	return f
}

// WriteModel copies a model folder (FixedModel or NaFlexModel) into dir,
// creating dir if needed, so the engine can load and memory-map it there.
// Existing files of the same names are overwritten.
func WriteModel(model fs.FS, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write toy model: %w", err)
	}
	entries, err := fs.ReadDir(model, ".")
	if err != nil {
		return fmt.Errorf("write toy model: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(model, e.Name())
		if err != nil {
			return fmt.Errorf("write toy model: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return fmt.Errorf("write toy model to %s: %w (choose a writable folder)", dir, err)
		}
	}
	return nil
}

// Sample is one shipped scene.
type Sample struct {
	// Name is the file name, e.g. "two-shapes.png".
	Name string
	// Caption says what the scene holds, in the words the models learnt,
	// e.g. "a big red circle at the top left and a small blue star in the center".
	Caption string
	// PNG is the encoded image.
	PNG []byte
	// Partner names the scene the correspondence view compares this one
	// with by default: one that holds some of the same shapes at other
	// places and sizes.
	Partner string
}

// Images returns the shipped scenes in a fixed order: square 72×72 ones
// first, then 48×96 and 96×48 ones that show what NaFlex keeps and fixed
// resolution squashes.
func Images() []Sample {
	var index []struct {
		File, Caption, Partner string
	}
	b, err := files.ReadFile("images/index.json")
	if err == nil {
		err = json.Unmarshal(b, &index)
	}
	if err != nil { // embedded at build time and checked by the tests
		panic(fmt.Sprintf("samples: images/index.json: %v", err))
	}
	out := make([]Sample, 0, len(index))
	for _, e := range index {
		png, err := files.ReadFile(path.Join("images", e.File))
		if err != nil {
			panic(fmt.Sprintf("samples: %s: %v", e.File, err))
		}
		out = append(out, Sample{Name: e.File, Caption: e.Caption, PNG: png, Partner: e.Partner})
	}
	return out
}

// Labels returns label texts the toy models understand, one per colour and
// shape ("a red circle", ...); they work with or without SigLIP's "this is a
// photo of {}." template. Sizes ("a big circle") and positions ("a circle
// at the top left") may be added.
func Labels() []string {
	return append([]string(nil), labels...)
}

// Image returns the shipped scene of that file name ("two-shapes.png"), and
// whether there is one.
func Image(name string) (Sample, bool) {
	for _, s := range Images() {
		if s.Name == name {
			return s, true
		}
	}
	return Sample{}, false
}

// Partner returns the scene the correspondence view compares the named
// scene with by default, and whether it has one.
func Partner(name string) (Sample, bool) {
	s, ok := Image(name)
	if !ok || s.Partner == "" {
		return Sample{}, false
	}
	return Image(s.Partner)
}

// Names lists the shipped scenes' file names, in Images' order.
func Names() []string {
	var out []string
	for _, s := range Images() {
		out = append(out, s.Name)
	}
	return out
}

// Objects returns one label per object of the scene, "a {colour} {shape}"
// in the caption's order: the labels the toy models score and localise
// best. The caption's sizes and positions are left out.
func (s Sample) Objects() []string {
	var out []string
	for _, phrase := range strings.Split(strings.ReplaceAll(s.Caption, ", ", " and "), " and ") {
		var colour, shape string
		for _, w := range strings.Fields(phrase) {
			switch {
			case slices.Contains(colourNames, w):
				colour = w
			case slices.Contains(shapeNames, w):
				shape = w
			}
		}
		if colour != "" && shape != "" {
			out = append(out, withArticle(colour+" "+shape))
		}
	}
	return out
}
