package cli

import (
	"bytes"
	"fmt"
	"github.com/siglip2-tui/siglip2-tui/engine/tokenizer"
	"io/fs"
	"slices"
	"strings"

	"github.com/siglip2-tui/siglip2-tui/compute"
	"github.com/siglip2-tui/siglip2-tui/engine"
	"github.com/siglip2-tui/siglip2-tui/preprocess"
	"github.com/siglip2-tui/siglip2-tui/samples"
)

// The --demo models are the toy SigLIP 2 checkpoints built into the binary
// (package samples, trained by tools/toymodel on scenes of coloured
// shapes), so anyone can try every view offline and see real phenomena on
// a small scale: patches that group by object, labels that light up their
// shape. They know 5 shapes, 7 colours, 2 sizes and 9 positions, nothing
// else; the screen says so.

// demoModelName names the NaFlex toy model on screen and in exports.
const demoModelName = "toy SigLIP 2 NaFlex (built in; knows only coloured shapes)"

// demoFixedName names the fixed-resolution toy model.
const demoFixedName = "toy SigLIP 2 72×72 (built in; knows only coloured shapes)"

// demoScene is the built-in scene explore, heatmap and locality open
// when --demo is given no IMAGE; demoCompareScene is compare's: a wide
// one, which NaFlex keeps and fixed resolution squashes.
const (
	demoScene        = "three-shapes.png"
	demoCompareScene = "wide-three.png"
)

// demoTemplate is the label prompt with --demo: the toy models were
// trained on bare captions ("a red circle"), not SigLIP's photo template.
const demoTemplate = "{}"

// demoModel loads the NaFlex toy model on backend.
func demoModel(backend compute.Backend) (*engine.Model, error) {
	m, err := engine.LoadFS(samples.NaFlexModel(), "toy-naflex", engine.Options{Backend: backend})
	if err != nil {
		return nil, fmt.Errorf("demo model: %w", err)
	}
	m.Dir = demoModelName
	return m, nil
}

// demoFixedModel loads the fixed-resolution (72×72) toy model.
func demoFixedModel(backend compute.Backend) (*engine.Model, error) {
	m, err := engine.LoadFS(samples.FixedModel(), "toy-fixed", engine.Options{Backend: backend})
	if err != nil {
		return nil, fmt.Errorf("demo model: %w", err)
	}
	m.Dir = demoFixedName
	return m, nil
}

// demoImage decodes a built-in scene by file name.
func demoImage(name string) (*preprocess.Image, error) {
	s, ok := samples.Image(name)
	if !ok {
		return nil, fmt.Errorf("no built-in scene %q; there are %v", name, samples.Names())
	}
	img, err := preprocess.Decode(bytes.NewReader(s.PNG), preprocess.Limits{})
	if err != nil {
		return nil, fmt.Errorf("built-in scene %s: %w", name, err)
	}
	return img, nil
}

// demoLabels are the labels --demo starts with when --labels is not given:
// one per object of a built-in scene and one thing it does not hold, so
// the scores show both sides; for any other image, a few colour shapes.
func demoLabels(scene string) []string {
	s, ok := samples.Image(scene)
	if !ok {
		return []string{"a red circle", "a blue square", "a yellow triangle", "a green star"}
	}
	labels := s.Objects()
	for _, l := range samples.Labels() {
		if !slices.Contains(labels, l) && !sharesWord(l, labels) {
			return append(labels, l)
		}
	}
	return labels
}

// sharesWord reports whether label names a colour or shape one of others
// names, so the absent label differs from every present one in both.
func sharesWord(label string, others []string) bool {
	words := func(s string) []string {
		return slices.DeleteFunc(strings.Fields(s), func(w string) bool { return w == "a" || w == "an" })
	}
	for _, o := range others {
		for _, w := range words(label) {
			if slices.Contains(words(o), w) {
				return true
			}
		}
	}
	return false
}

// demoTokenizer is the toy models' tokenizer (both variants share it): a
// Gemma-layout BPE that knows only the words of the toy captions.
func demoTokenizer() (*tokenizer.Tokenizer, error) {
	data, err := fs.ReadFile(samples.NaFlexModel(), tokenizer.JSONFile)
	if err != nil {
		return nil, fmt.Errorf("demo tokenizer: %w", err)
	}
	tok, err := tokenizer.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("demo tokenizer: %w", err)
	}
	return tok, nil
}
