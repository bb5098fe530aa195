package cli

import "fmt"

// checkpoint is one SigLIP 2 model Google published on the Hugging Face hub.
type checkpoint struct {
	// id is the hub id.
	id string
	// size is the model family: base (ViT-B), large (ViT-L), so400m, giant-opt (ViT-g).
	size string
	// patch is the patch side in pixels.
	patch int
	// resolution is the fixed square input side; 0 for NaFlex checkpoints,
	// which take any aspect ratio up to a patch budget.
	resolution int
	// params counts the parameters of both towers, computed from the
	// architecture (for base-patch16-224 it equals the hub's 375,187,970).
	params int64
}

// weightsBytes is the size of the float32 safetensors file.
func (c checkpoint) weightsBytes() int64 { return 4 * c.params }

// downloadBytes approximates everything resolveModel fetches: the weights
// plus the Gemma tokenizer (about 34 MB for tokenizer.json) and small JSON files.
func (c checkpoint) downloadBytes() int64 { return c.weightsBytes() + 35_000_000 }

// input describes what images the checkpoint takes.
func (c checkpoint) input() string {
	if c.resolution == 0 {
		return fmt.Sprintf("NaFlex, patch %d", c.patch)
	}
	return fmt.Sprintf("%d×%d, patch %d", c.resolution, c.resolution, c.patch)
}

// siglip2Checkpoints lists Google's SigLIP 2 checkpoints on the hub (the
// "SigLIP 2" collection): fixed-resolution ones at the sizes that exist, and
// the two NaFlex ones. Parameter counts follow from each architecture
// (hidden size, depth, MLP width, 256k-token text embedding, position
// embeddings for (resolution/patch)² patches, or 256 for NaFlex).
var siglip2Checkpoints = []checkpoint{
	{"google/siglip2-base-patch16-224", "base", 16, 224, 375_187_970},
	{"google/siglip2-base-patch16-256", "base", 16, 256, 375_234_050},
	{"google/siglip2-base-patch16-384", "base", 16, 384, 375_479_810},
	{"google/siglip2-base-patch16-512", "base", 16, 512, 375_823_874},
	{"google/siglip2-base-patch32-256", "base", 32, 256, 376_856_066},
	{"google/siglip2-base-patch16-naflex", "base", 16, 0, 375_234_050},
	{"google/siglip2-large-patch16-256", "large", 16, 256, 881_526_786},
	{"google/siglip2-large-patch16-384", "large", 16, 384, 881_854_466},
	{"google/siglip2-large-patch16-512", "large", 16, 512, 882_313_218},
	{"google/siglip2-so400m-patch14-224", "so400m", 14, 224, 1_135_463_602},
	{"google/siglip2-so400m-patch14-384", "so400m", 14, 384, 1_136_008_498},
	{"google/siglip2-so400m-patch16-256", "so400m", 16, 256, 1_135_670_962},
	{"google/siglip2-so400m-patch16-384", "so400m", 16, 384, 1_136_039_602},
	{"google/siglip2-so400m-patch16-512", "so400m", 16, 512, 1_136_555_698},
	{"google/siglip2-so400m-patch16-naflex", "so400m", 16, 0, 1_135_670_962},
	{"google/siglip2-giant-opt-patch16-256", "giant-opt", 16, 256, 1_871_393_906},
	{"google/siglip2-giant-opt-patch16-384", "giant-opt", 16, 384, 1_871_885_426},
}

// formatParams writes a parameter count as 375M or 1.14B.
func formatParams(n int64) string {
	if n >= 1_000_000_000 {
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	}
	return fmt.Sprintf("%dM", (n+500_000)/1_000_000)
}
