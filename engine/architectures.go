package engine

import (
	"fmt"
	"sort"

	"github.com/siglip2-tui/siglip2-tui/compute"
)

// architecture is one SigLIP 2 model size.
type architecture struct {
	vision, text EncoderConfig
	projection   int
}

func encoderOf(hidden, mlp, layers, heads int) EncoderConfig {
	return EncoderConfig{Hidden: hidden, Intermediate: mlp, Layers: layers, Heads: heads,
		Activation: compute.GELUTanh, LayerNormEps: 1e-6}
}

// architectures are the released SigLIP 2 sizes, as their config.json files
// give them.
var architectures = map[string]architecture{
	"base":      {encoderOf(768, 3072, 12, 12), encoderOf(768, 3072, 12, 12), 768},
	"large":     {encoderOf(1024, 4096, 24, 16), encoderOf(1024, 4096, 24, 16), 1024},
	"so400m":    {encoderOf(1152, 4304, 27, 16), encoderOf(1152, 4304, 27, 16), 1152},
	"giant-opt": {encoderOf(1536, 6144, 40, 16), encoderOf(1152, 4304, 27, 16), 1536},
}

// ArchitectureNames lists the model sizes ArchitectureConfig knows.
func ArchitectureNames() []string {
	names := make([]string, 0, len(architectures))
	for n := range architectures {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ArchitectureConfig returns the config of a released model size, for
// random-weight benchmarks: fixed resolution at imageSize when numPatches
// is 0, NaFlex with a 16×16 position grid otherwise. vocab is the text
// vocabulary to build (real checkpoints have 256 000; benchmarks may take
// fewer, which changes nothing but the embedding table's memory).
func ArchitectureConfig(size string, patch, imageSize, vocab int) (Config, error) {
	a, ok := architectures[size]
	if !ok {
		return Config{}, fmt.Errorf("unknown model size %q (known: %v)", size, ArchitectureNames())
	}
	cfg := Config{ModelType: "siglip", Variant: FixedRes}
	cfg.Vision = VisionConfig{EncoderConfig: a.vision, Channels: 3, PatchSize: patch, ImageSize: imageSize, NumPatches: 256, UseHead: true}
	if imageSize == 0 {
		cfg.ModelType, cfg.Variant = "siglip2", NaFlex
	}
	cfg.Text = TextConfig{EncoderConfig: a.text, VocabSize: vocab, MaxPositions: 64, ProjectionSize: a.projection}
	return cfg, cfg.validate()
}

// VisionFLOPs counts the floating-point operations of one image's vision
// forward with tokens patches (padding included): matrix products and
// attention, as 2 per multiply-add; the element-wise work is left out.
func (c Config) VisionFLOPs(tokens int) float64 {
	v, t := c.Vision, float64(tokens)
	d, i, p := float64(v.Hidden), float64(v.Intermediate), float64(v.PatchDim())
	perLayer := 2*t*d*(3*d+d+2*i) + 4*t*t*d
	head := 2*t*d*2*d + 2*d*d*2 + 2*d*i*2 + 4*t*d
	return 2*t*p*d + float64(v.Layers)*perLayer + head
}

// TextFLOPs counts the operations of encoding texts of length tokens.
func (c Config) TextFLOPs(texts, length int) float64 {
	e, t := c.Text, float64(texts*length)
	d, i := float64(e.Hidden), float64(e.Intermediate)
	perLayer := 2*t*d*(3*d+d+2*i) + 4*float64(texts)*float64(length*length)*d
	return float64(e.Layers)*perLayer + 2*float64(texts)*d*float64(e.ProjectionSize)
}
